"""The validation (or test) examples a single-label classifier got wrong, most confident mistakes first.

For image and audio runs the Run screen shows them as a gallery (thumbnail or play button, true and
predicted label, probability). Rows are identified by their position in the split; train.py turns those
into the files' paths inside the dataset.
"""

from __future__ import annotations

#: Mistakes kept per stage: enough for a gallery, small enough for a run record.
MAX_KEPT = 24


class Mistakes:
    """Collects (row, true, predicted, probability) of wrong answers during an evaluation epoch."""

    def __init__(self):
        self._seen: dict[str, list[tuple[int, int, int, float]]] = {}

    def start(self, stage: str) -> None:
        """Forgets the previous epoch's mistakes of `stage`."""
        self._seen[stage] = []

    def add(self, stage: str, rows, logits, targets) -> None:
        """One batch: `rows` (long tensor) are the batch's row positions, `targets` the class ids."""
        probabilities = logits.float().softmax(dim=-1)
        confidence, predicted = probabilities.max(dim=-1)
        wrong = predicted != targets
        for row, truth, guess, probability in zip(rows[wrong].tolist(), targets[wrong].tolist(),
                                                  predicted[wrong].tolist(), confidence[wrong].tolist()):
            self._seen.setdefault(stage, []).append((row, truth, guess, probability))

    def share(self, stage: str, world_size: int) -> None:
        """Several ranks: each saw its share of the rows; afterwards every rank holds the mistakes of all of them.
        Every rank calls it together."""
        import torch.distributed as dist

        parts: list = [None] * world_size
        dist.all_gather_object(parts, self._seen.get(stage, []))
        self._seen[stage] = [item for part in parts for item in part]

    def kept(self, stage: str) -> list[dict]:
        """The most confident mistakes of the stage's latest epoch, as {row, true, predicted, probability} (class ids)."""
        ranked = sorted(self._seen.get(stage, []), key=lambda item: (-item[3], item[0]))[:MAX_KEPT]
        return [{"row": row, "true": truth, "predicted": guess, "probability": round(probability, 4)}
                for row, truth, guess, probability in ranked]
