"""The one Lightning callback that turns training progress into events (started, step, epoch, checkpoint).

Step events are rate-limited (about two a second, plus the first and the last step) and count
real tokens: the attention mask's ones, never padding.
"""

from __future__ import annotations

import time

import lightning.pytorch as pl
import torch

from .events import EventWriter, finite_metrics
from .ranks import share_roster

STEP_INTERVAL_S = 0.5


class EventCallback(pl.Callback):
    """Emits training events through an EventWriter; holds no training logic."""

    def __init__(self, writer: EventWriter, facts: dict):
        self.writer = writer
        self.facts = facts  # labels, row counts, device name, resumed_from, world (parallel.world_facts)
        self.total_steps = 0
        self.last_train_loss: float | None = None
        self._device = torch.device("cpu")  # the training device once training starts: sums stay there
        self._reset_interval(time.monotonic())
        self._epoch_loss = torch.zeros(())
        self._epoch_batches = 0
        self._emitted_step: int | None = None
        self._trainer = None

    def _reset_interval(self, now: float) -> None:
        self._interval_start = now
        self._samples = 0
        self._tokens = torch.zeros((), dtype=torch.long, device=self._device)
        self._loss_sum = torch.zeros((), device=self._device)
        self._batches = 0
        self._paused = 0.0
        self._pause_started: float | None = None

    def on_train_start(self, trainer, pl_module) -> None:
        self._trainer = trainer
        self.total_steps = int(trainer.estimated_stepping_batches)
        if trainer.max_steps and trainer.max_steps > 0:
            self.total_steps = min(self.total_steps, trainer.max_steps)
        device = self._device = trainer.strategy.root_device
        self._epoch_loss = self._epoch_loss.to(device)
        share_roster(trainer)  # every rank takes part; a rank lost later can then be named
        if trainer.is_global_zero:
            self.writer.emit(
                "started", accelerator="cuda" if device.type == "cuda" else "cpu", devices=trainer.num_devices,
                device_name=self.facts["device_name"], precision=str(trainer.precision), labels=self.facts["labels"],
                train_rows=self.facts["train_rows"], val_rows=self.facts["val_rows"], test_rows=self.facts["test_rows"],
                total_steps=self.total_steps, resumed_from=self.facts.get("resumed_from"), **self.facts.get("world", {}))
        self._reset_interval(time.monotonic())

    def on_validation_start(self, trainer, pl_module) -> None:
        # Validation and the checkpoints after it are not training: keep them out of samples/s.
        if trainer.state.fn == "fit" and self._pause_started is None:
            self._pause_started = time.monotonic()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self._resume_clock(time.monotonic())

    def _resume_clock(self, now: float) -> None:
        if self._pause_started is not None:
            self._paused += now - self._pause_started
            self._pause_started = None

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._epoch_loss.zero_()
        self._epoch_batches = 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = outputs["loss"].detach() if isinstance(outputs, dict) else outputs.detach()
        # Accumulate on the device; .item() only when an event goes out, so no sync per step.
        self._loss_sum += loss.float()
        self._epoch_loss += loss.float()
        if "input_ids" in batch:  # text: real tokens; images and audio have none (tokens_per_s stays 0)
            self._tokens += batch["attention_mask"].sum()
        self._samples += int(batch["labels"].shape[0])
        self._batches += 1
        self._epoch_batches += 1
        now = time.monotonic()
        if self._emitted_step is None or now - self._interval_start >= STEP_INTERVAL_S:
            self._emit_step(trainer, now)

    def on_train_end(self, trainer, pl_module) -> None:
        if self._batches and self._emitted_step != trainer.global_step:
            self._emit_step(trainer, time.monotonic())

    def on_exception(self, trainer, pl_module, exception) -> None:
        if self._batches and self._emitted_step != trainer.global_step:
            self._emit_step(trainer, time.monotonic())

    def _emit_step(self, trainer, now: float) -> None:
        self._resume_clock(now)
        elapsed = max(now - self._interval_start - self._paused, 1e-6)
        world = max(1, trainer.world_size)
        loss = (self._loss_sum / max(1, self._batches)).item()
        learning_rate = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else 0.0
        if trainer.is_global_zero:
            self.writer.emit(
                "step", step=int(trainer.global_step), total_steps=self.total_steps, epoch=int(trainer.current_epoch),
                loss=loss if loss == loss and abs(loss) != float("inf") else 0.0, learning_rate=float(learning_rate),
                samples_per_s=round(self._samples * world / elapsed, 3),
                tokens_per_s=round(self._tokens.item() * world / elapsed, 3))
        self._emitted_step = trainer.global_step
        self._reset_interval(now)

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or trainer.state.fn != "fit":
            return
        metrics = {name: value for name, value in trainer.callback_metrics.items() if name.startswith("val/")}
        if self._epoch_batches:
            self.last_train_loss = self._epoch_mean(trainer)
            metrics["train/loss"] = self.last_train_loss
        if trainer.is_global_zero:
            self.writer.emit("epoch", epoch=int(trainer.current_epoch), step=int(trainer.global_step),
                             metrics=finite_metrics(metrics))

    def train_loss(self) -> float | None:
        """Mean training loss of the latest epoch (the running one when it ended early)."""
        if self._epoch_batches and self._trainer is not None:
            return self._epoch_mean(self._trainer)
        return self.last_train_loss

    def _epoch_mean(self, trainer) -> float:
        """The epoch's mean training loss over every rank (each ran as many batches: the mean of means is exact);
        every rank calls it together."""
        mean = self._epoch_loss / self._epoch_batches
        if trainer.world_size > 1:
            mean = trainer.strategy.reduce(mean, reduce_op="mean")
        return float(mean.item())

    def checkpoint_saved(self, kind: str, path: str, step: int) -> None:
        """Listener for CheckpointCallback: one checkpoint event per file written."""
        self.writer.emit("checkpoint", kind=kind, path=path, step=int(step))
