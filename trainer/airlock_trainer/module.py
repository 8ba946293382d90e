"""The LightningModule: a Hugging Face sequence classification model, AdamW, linear warm-up then decay, metrics.

It only computes and calls self.log; events and checkpoints are the callbacks' business, and what
differs between tasks (head, targets, metrics) comes from the Task.
"""

from __future__ import annotations

import functools

import lightning.pytorch as pl
import torch

from .errors import AirlockError
from .mistakes import Mistakes
from .tasks import Task

NO_DECAY_MARKERS = ("bias", "layernorm", "layer_norm", "norm.weight", "ln_")


def load_classifier(model_dir: str, task: Task, weights: str):
    """AutoModelForSequenceClassification from a local folder with the fitted task's head and problem type."""
    from transformers import AutoModelForSequenceClassification

    id2label = task.id2label()
    load = functools.partial(
        AutoModelForSequenceClassification.from_pretrained,
        model_dir,
        num_labels=task.num_labels,
        id2label=id2label,
        label2id={label: index for index, label in id2label.items()},
        problem_type=task.problem_type,
        ignore_mismatched_sizes=True,  # a checkpoint fine-tuned on other labels gets a fresh head
        local_files_only=True,
        trust_remote_code=False,
        use_safetensors=weights == "safetensors",
    )
    try:  # PyTorch's fused scaled-dot-product attention; models without it get transformers' own choice
        return load(attn_implementation="sdpa")
    except (ValueError, ImportError):
        return load()


def linear_schedule(warmup_steps: int, total_steps: int):
    """Learning-rate factor: 0 → 1 over warmup_steps, then linearly down to 0 at total_steps."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor


def adamw_with_schedule(model, trainer, *, learning_rate: float, weight_decay: float, warmup_ratio: float) -> dict:
    """Lightning's optimizer dict: AdamW over the trainable parameters (no weight decay on biases and norms) with a
    per-step linear warm-up and decay over the run's optimizer steps."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        lowered = name.lower()
        skip = parameter.ndim < 2 or any(marker in lowered for marker in NO_DECAY_MARKERS)
        (no_decay if skip else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    try:
        # The fused kernel updates all parameters in one pass: on a CPU it is ~5x faster than the
        # per-tensor loop (measured in the benchmark; it was the whole gap to HF Trainer).
        optimizer = torch.optim.AdamW(groups, lr=learning_rate, fused=True)
    except (RuntimeError, TypeError):
        optimizer = torch.optim.AdamW(groups, lr=learning_rate)
    total = max(1, int(trainer.estimated_stepping_batches))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_schedule(int(total * warmup_ratio), total))
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


def log_training_loss(module: pl.LightningModule, loss: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Logs train/loss for a step and returns it; TRAINING_DIVERGED when it is not a finite number on any rank."""
    finite = bool(torch.isfinite(loss))
    if module.trainer.world_size > 1:
        # Every rank stops together, so rank 0 reports the divergence rather than a rank lost to it.
        finite = module.trainer.strategy.reduce_boolean_decision(finite, all=True)
    if not finite:
        raise AirlockError("TRAINING_DIVERGED", f"The training loss became {loss.item()} at step "
                           f"{module.global_step + 1}; the model stopped learning.",
                           hint="Lower training.learning_rate (for example by 10x), or use precision 32-true.",
                           field="training.learning_rate")
    module.log("train/loss", loss, on_step=True, on_epoch=False, batch_size=batch_size)
    return loss


class ClassifierModule(pl.LightningModule):
    """Fine-tunes `model` (a transformers sequence classification model) on the targets of a fitted task."""

    def __init__(self, model, task: Task, *, learning_rate: float, weight_decay: float, warmup_ratio: float,
                 loss=None, extra_metrics: dict | None = None):
        super().__init__()
        self.model = model
        self.model.train()  # from_pretrained returns eval mode, and Lightning keeps submodule modes as found
        self.task = task
        self.learning_rate, self.weight_decay, self.warmup_ratio = learning_rate, weight_decay, warmup_ratio
        self.metrics = torch.nn.ModuleDict({stage: torch.nn.ModuleDict(task.metrics()) for stage in ("val", "test")})
        # The exact mean loss over every row of the split, whichever rank scored it: weighted by batch size and
        # summed across ranks when computed (a mean of the ranks' means would weigh a short last batch wrongly).
        from torchmetrics.aggregation import MeanMetric

        self.losses = torch.nn.ModuleDict({stage: MeanMetric() for stage in ("val", "test")})
        self.reports: dict[str, dict[str, list]] = {}  # stage -> the task's reported metrics of its latest epoch
        self.mistakes = Mistakes()  # image and audio batches carry row_index: their wrong answers are kept
        # training.loss and evaluation.metrics (losses.py, metrics_extra.py); None and {} keep the task's own.
        self.loss = loss
        extra = extra_metrics or {}
        self.extra_metrics = torch.nn.ModuleDict(
            {stage: torch.nn.ModuleDict({name: make() for name, make in extra.items()}) for stage in ("val", "test")})

    def _forward(self, batch: dict):
        """The model's output and the loss: the model's own, or training.loss's from the logits."""
        if "row_index" in batch:
            batch = {key: value for key, value in batch.items() if key != "row_index"}
        if self.loss is None:
            output = self.model(**batch)
            return output, output.loss
        output = self.model(**{key: value for key, value in batch.items() if key != "labels"})
        return output, self.loss(output.logits, batch["labels"])

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        """One optimizer step's loss."""
        _, loss = self._forward(batch)
        return log_training_loss(self, loss, batch["labels"].shape[0])

    def _evaluate(self, batch: dict, stage: str) -> None:
        output, loss = self._forward(batch)
        predictions, targets = self.task.metric_inputs(output.logits, batch["labels"])
        if "row_index" in batch and self.task.name == "classification":
            self.mistakes.add(stage, batch["row_index"], output.logits, batch["labels"])
        size = batch["labels"].shape[0]
        self.losses[stage].update(loss.detach().float(), weight=size)
        self.log(f"{stage}/loss", self.losses[stage], on_epoch=True, batch_size=size)
        for name, metric in self.metrics[stage].items():
            metric.update(predictions, targets)
            if name not in self.task.reported:
                self.log(f"{stage}/{name}", metric, on_epoch=True, batch_size=size)
        if len(self.extra_metrics[stage]):
            from .metrics_extra import metric_inputs

            scores, extra_targets = metric_inputs(self.task, output.logits, batch["labels"])
            for name, metric in self.extra_metrics[stage].items():
                metric.update(scores, extra_targets)
                self.log(f"{stage}/{name}", metric, on_epoch=True, batch_size=size)

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        """Loss and the task's metrics on validation rows."""
        self._evaluate(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> None:
        """The same metrics on test rows."""
        self._evaluate(batch, "test")

    def on_validation_epoch_start(self) -> None:
        self.mistakes.start("val")

    def on_test_epoch_start(self) -> None:
        self.mistakes.start("test")

    def _keep_reports(self, stage: str) -> None:
        if self.trainer.world_size > 1:
            self.mistakes.share(stage, self.trainer.world_size)
        self.reports[stage] = {"mistakes": self.mistakes.kept(stage)}
        for name in self.task.reported:
            metric = self.metrics[stage][name]
            self.reports[stage][name] = metric.compute().cpu().tolist()
            metric.reset()

    def on_validation_epoch_end(self) -> None:
        """Keeps the validation confusion matrix (or the task's other reported metrics) for the final report."""
        self._keep_reports("val")

    def on_test_epoch_end(self) -> None:
        """Keeps the same for the test rows."""
        self._keep_reports("test")

    def configure_optimizers(self):
        """AdamW without weight decay on biases and norms; per-step linear warm-up and decay."""
        return adamw_with_schedule(self.model, self.trainer, learning_rate=self.learning_rate,
                                   weight_decay=self.weight_decay, warmup_ratio=self.warmup_ratio)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Records the task and its label order (or target scale) so a resume on different data is refused."""
        checkpoint["airlock"] = {"labels": self.task.labels, "task": self.task.state()}

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        """Refuses a checkpoint trained for another task, label set or target scale."""
        saved = checkpoint.get("airlock", {})
        if "labels" in saved and saved["labels"] != self.task.labels:
            raise AirlockError("RUN_NOT_RESUMABLE", "The checkpoint was trained on other labels than the data now has.",
                               hint="Resume with the same data files, or start a new run.", field="data.train_path")
        if "task" in saved and saved["task"] != self.task.state():
            raise AirlockError("RUN_NOT_RESUMABLE", "The checkpoint was trained for another task or on other targets "
                               "than this config and data give.",
                               hint="Resume with the same config and data files, or start a new run.",
                               field="model.task")
