"""The LightningModule for causal_lm: next-token loss on the learned tokens only, perplexity, sample generations.

Validation and test losses are exact means over every learned token of the split (summed across batches,
then divided), so perplexity = exp(loss) does not depend on how rows fall into batches. After each
validation pass the model answers a few fixed validation prompts (greedy decoding); the answers are kept in
`self.generations` for the events callback. A LoRA run's checkpoints hold only the trainable (adapter)
weights and the optimizer state, never a second copy of the frozen base model.
"""

from __future__ import annotations

import math

import lightning.pytorch as pl
import torch

from .errors import AirlockError
from .module import adamw_with_schedule, log_training_loss
from .sft_encode import IGNORE_INDEX


class CausalLMModule(pl.LightningModule):
    """Fine-tunes `model` (AutoModelForCausalLM, peft-wrapped or not) on (input_ids, labels) batches."""

    def __init__(self, model, tokenizer, *, learning_rate: float, weight_decay: float, warmup_ratio: float,
                 samples: list[dict], settings: dict, max_new_tokens: int, adapters_only: bool):
        super().__init__()
        self.model = model
        self.model.train()
        self.tokenizer = tokenizer
        self.learning_rate, self.weight_decay, self.warmup_ratio = learning_rate, weight_decay, warmup_ratio
        self.samples, self.settings, self.max_new_tokens = samples, settings, max_new_tokens
        self.adapters_only = adapters_only
        self.strict_loading = not adapters_only  # a LoRA checkpoint holds the adapters, not the frozen base
        self.generations: list[dict] = []
        self.reports: dict[str, dict] = {}
        self._sums: dict[str, list[torch.Tensor]] = {}

    def _loss_sum(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """(summed next-token loss over the learned tokens, their count) for one batch."""
        logits = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        # Position t predicts token t+1: shift the labels, not the logits (a [batch, length, vocab] copy per step).
        targets = torch.nn.functional.pad(batch["labels"], (0, 1), value=IGNORE_INDEX)[:, 1:]
        losses = torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(),
                                                   ignore_index=IGNORE_INDEX, reduction="sum")
        return losses, (targets != IGNORE_INDEX).sum()

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        """Mean loss per learned token of the batch."""
        total, count = self._loss_sum(batch)
        return log_training_loss(self, total / count.clamp(min=1), batch["labels"].shape[0])

    def _evaluate(self, batch: dict, stage: str) -> None:
        total, count = self._loss_sum(batch)
        sums = self._sums.setdefault(stage, [torch.zeros((), device=total.device), torch.zeros((), device=total.device)])
        sums[0] += total.detach().float()
        sums[1] += count

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        """Adds the batch to the validation loss."""
        self._evaluate(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> None:
        """Adds the batch to the test loss."""
        self._evaluate(batch, "test")

    def _log_split(self, stage: str) -> None:
        total, count = self._sums.pop(stage, (torch.zeros((), device=self.device), torch.zeros((), device=self.device)))
        total, count = self.all_gather(total).sum(), self.all_gather(count).sum()
        loss = (total / count.clamp(min=1)).item()
        self.log(f"{stage}/loss", loss, sync_dist=False)
        self.log(f"{stage}/perplexity", math.exp(min(loss, 50.0)), sync_dist=False)

    def on_validation_epoch_end(self) -> None:
        """val/loss and val/perplexity, then the sample answers."""
        self._log_split("val")
        self.generations = self.generate_samples()
        self.reports["val"] = {"generations": self.generations}

    def on_test_epoch_end(self) -> None:
        """test/loss and test/perplexity."""
        self._log_split("test")
        self.reports["test"] = {"generations": self.generations}

    @torch.no_grad()
    def generate_samples(self) -> list[dict]:
        """The model's greedy answers to the fixed validation prompts."""
        from .generate import generate_text

        if not self.samples:
            return []
        was_training = self.model.training
        self.model.eval()
        try:
            return [{"prompt": sample["prompt"], "reference": sample["reference"],
                     "output": generate_text(self.model, self.tokenizer, self.settings, sample["prompt_text"],
                                             max_new_tokens=self.max_new_tokens, temperature=0.0)}
                    for sample in self.samples]
        finally:
            self.model.train(was_training)

    def configure_optimizers(self):
        """AdamW over the trainable weights (the adapters, for LoRA) with linear warm-up and decay."""
        return adamw_with_schedule(self.model, self.trainer, learning_rate=self.learning_rate,
                                   weight_decay=self.weight_decay, warmup_ratio=self.warmup_ratio)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Keeps only the trainable weights of a LoRA run, and what the run trains, for resume checks."""
        if self.adapters_only:
            trainable = {name for name, parameter in self.named_parameters() if parameter.requires_grad}
            checkpoint["state_dict"] = {name: value for name, value in checkpoint["state_dict"].items()
                                        if name in trainable}
        checkpoint["airlock"] = {"task": {"task": "causal_lm", "format": self.settings["format"]}, "labels": []}
        # LoRA dropout draws from these: a resumed run continues with the very draws the cut one would have made
        checkpoint["airlock_rng"] = {"torch": torch.get_rng_state(),
                                     "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        """Refuses a checkpoint of another task or data format."""
        saved = checkpoint.get("airlock", {}).get("task")
        if saved != {"task": "causal_lm", "format": self.settings["format"]}:
            raise AirlockError("RUN_NOT_RESUMABLE", "The checkpoint was trained for another task or data format than "
                               "this config gives.", hint="Resume with the same config, or start a new run.",
                               field="model.task")
        rng = checkpoint.get("airlock_rng")
        if rng:
            torch.set_rng_state(rng["torch"])
            if rng["cuda"] is not None and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(rng["cuda"])


class GenerationsCallback(pl.Callback):
    """Emits the module's sample answers after each validation pass of fit (the `generations` event)."""

    def __init__(self, writer):
        self.writer = writer

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or trainer.state.fn != "fit" or not trainer.is_global_zero:
            return
        if pl_module.generations:
            self.writer.emit("generations", epoch=int(trainer.current_epoch), step=int(trainer.global_step),
                             samples=pl_module.generations)
