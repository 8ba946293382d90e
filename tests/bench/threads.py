"""Training samples/s of the bundled model on the CPU at each torch thread count, interleaved.

    .venv/bin/python tests/bench/threads.py [--threads 1 2] [--rounds 3] [--steps 8]

Checks that the thread count Airlock chooses (trainer/airlock_trainer/devices.py cpu_threads) is
within 5% of the best one measured here. The same length-grouped batches of the sample data (32 rows,
padded per batch) run at each count in turn, so load from other processes hits every count alike;
each count's fastest round is kept (other processes can only slow a round down).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "trainer"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    chosen_before_env = os.environ.pop("OMP_NUM_THREADS", None)  # cpu_threads() reads it: ask what Airlock picks by itself
    from airlock_trainer.devices import cpu_threads, prefer_sleeping_threads

    chosen = cpu_threads()
    prefer_sleeping_threads()  # as the trainer does (OMP_WAIT_POLICY=PASSIVE unless set): before torch
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from airlock_trainer.batching import PadCollator, grouped_batches
    from bench_common import bundled_model_dir

    model_dir = bundled_model_dir()
    with open(ROOT / "resources" / "sample" / "wordnet-topics.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = sorted({row["topic"] for row in rows})
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    encoded = tokenizer([row["definition"] for row in rows], truncation=True, max_length=128)
    targets = [labels.index(row["topic"]) for row in rows]
    lengths = [len(ids) for ids in encoded["input_ids"]]
    batches = grouped_batches(lengths, 32, seed=42, epoch=0)[1:args.steps + 1]  # skip the longest-first batch
    collate = PadCollator(tokenizer.pad_token_id)
    data = [collate({"input_ids": [encoded["input_ids"][i] for i in batch],
                     "attention_mask": [encoded["attention_mask"][i] for i in batch],
                     "token_type_ids": [encoded["token_type_ids"][i] for i in batch],
                     "labels": [targets[i] for i in batch]}) for batch in batches]
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=len(labels))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, fused=True)
    best: dict[int, float] = {}
    every: dict[int, list[float]] = {count: [] for count in args.threads}
    for _ in range(args.rounds):
        for count in args.threads:
            torch.set_num_threads(count)
            model(**data[0]).loss.backward()  # warm-up at this count
            optimizer.zero_grad()
            started = time.perf_counter()
            for batch in data:
                model(**batch).loss.backward()
                optimizer.step()
                optimizer.zero_grad()
            rate = len(data) * 32 / (time.perf_counter() - started)
            every[count].append(round(rate, 1))
            best[count] = max(best.get(count, 0.0), rate)
    top = max(best, key=best.get)
    result = {"chosen_threads": chosen, "omp_num_threads_was": chosen_before_env, "best_threads": top,
              "omp_wait_policy": os.environ["OMP_WAIT_POLICY"],
              "samples_per_s_best": {count: round(rate, 1) for count, rate in best.items()},
              "samples_per_s_every_round": every, "cpu_count": os.cpu_count(),
              "chosen_within_5_percent": chosen in best and best[chosen] >= 0.95 * best[top]}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
