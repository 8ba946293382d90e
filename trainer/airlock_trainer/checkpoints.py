"""Checkpoints in <run-dir>/checkpoints: last.ckpt (each epoch, at the end, on cancel) and best.ckpt (by the task's monitor).

Each file is written under a temporary name and renamed, so a crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import os
import shutil
from typing import Callable

import lightning.pytorch as pl

from .cancel import CancelFlag
from .errors import Cancelled

Listener = Callable[[str, str, int], None]


class CheckpointCallback(pl.Callback):
    """Saves last/best checkpoints atomically and stops at the next step when a cancel was requested.

    best.ckpt follows `monitor` (val/f1_macro, or val/r2 for regression), higher is better when mode is max.
    """

    def __init__(self, dirpath: str, cancel: CancelFlag, on_saved: Listener, monitor: str, mode: str = "max"):
        self.dirpath = dirpath
        self.cancel = cancel
        self.on_saved = on_saved
        self.monitor, self.sign = monitor, 1.0 if mode == "max" else -1.0
        self.best_score: float | None = None
        # The validation pass that scored best.ckpt: {"step", "metrics", "reports"}. The final report
        # reuses it instead of scoring the validation rows a second time.
        self.best: dict | None = None
        self._last_saved_step: int | None = None

    def path(self, kind: str) -> str:
        """The file of a checkpoint kind ('last' or 'best')."""
        return os.path.join(self.dirpath, f"{kind}.ckpt")

    def save(self, trainer: pl.Trainer, kind: str) -> None:
        """Writes <kind>.ckpt via a temporary file and tells the listener."""
        target = self.path(kind)
        partial = target + ".partial"
        trainer.save_checkpoint(partial, weights_only=False)
        if trainer.is_global_zero:
            os.replace(partial, target)
            self.on_saved(kind, target, trainer.global_step)
        if kind == "last":
            self._last_saved_step = trainer.global_step

    def share_last_as_best(self, trainer: pl.Trainer) -> None:
        """best.ckpt as a second name of the last.ckpt just written: the same bytes, not written twice.

        The next last.ckpt replaces its own name with a new file, so best.ckpt keeps these bytes.
        Where the file system has no hard links, the file is copied (still no second serialisation).
        """
        if not trainer.is_global_zero:
            return
        target = self.path("best")
        partial = target + ".partial"
        if os.path.lexists(partial):
            os.remove(partial)
        try:
            os.link(self.path("last"), partial)
        except OSError:
            shutil.copyfile(self.path("last"), partial)
        os.replace(partial, target)
        self.on_saved("best", target, trainer.global_step)

    def on_train_start(self, trainer, pl_module) -> None:
        if trainer.world_size > 1:
            # Lightning's own SIGTERM handler, installed by fit, broadcasts from rank 0 inside the handler: a
            # collective no other rank joins, which times out. The flag alone is enough: every rank learns of
            # it at the next step (below). Lightning puts the handlers back when fit ends.
            self.cancel.install()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.strategy.reduce_boolean_decision(self.cancel.requested, all=False):
            self.save(trainer, "last")
            raise Cancelled()

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or trainer.state.fn != "fit":
            return
        score = trainer.callback_metrics.get(self.monitor)
        improved = score is not None and (self.best_score is None or self.sign * (float(score) - self.best_score) > 0)
        if improved:
            self.best_score = float(score)
            self.best = {"step": int(trainer.global_step), "reports": pl_module.reports.get("val"),
                         "metrics": {name: float(value) for name, value in trainer.callback_metrics.items()
                                     if name.startswith("val/")}}
        self.save(trainer, "last")  # after self.best is set: a resumed run gets it back from the checkpoint
        if improved:
            self.share_last_as_best(trainer)
        if trainer.strategy.reduce_boolean_decision(self.cancel.requested, all=False):  # every rank stops together
            raise Cancelled()

    def on_train_end(self, trainer, pl_module) -> None:
        if self._last_saved_step != trainer.global_step:
            self.save(trainer, "last")

    def state_dict(self) -> dict:
        return {"best_score": self.best_score, "best": self.best}

    def load_state_dict(self, state_dict: dict) -> None:
        self.best_score = state_dict.get("best_score")
        self.best = state_dict.get("best")  # absent in checkpoints of older versions: the report validates again

    def restore_best(self, trainer: pl.Trainer, module: pl.LightningModule, strict: bool = True) -> dict | None:
        """Puts best.ckpt's weights back when those in memory are later ones; returns kept_validation().

        Rank 0 decides (only it writes the files) and every rank follows, so they all run the same passes
        afterwards; a rank that cannot see the file (another node, no shared file system) gets the weights
        from rank 0.
        """
        import torch

        from .parallel import load_whole_weights

        best = self.path("best")
        has_best, kept = trainer.strategy.broadcast((os.path.isfile(best), self.kept_validation()), src=0)
        if has_best and (kept is None or kept["step"] != trainer.global_step):
            everywhere = trainer.strategy.reduce_boolean_decision(os.path.isfile(best), all=True)
            state = None
            if everywhere or trainer.is_global_zero:
                state = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
            if not everywhere:
                state = trainer.strategy.broadcast(state, src=0)
            load_whole_weights(trainer, module, state, strict)
        return kept

    def kept_validation(self) -> dict | None:
        """The validation pass of the weights best.ckpt holds, when it is known and the file is there."""
        return self.best if self.best is not None and os.path.isfile(self.path("best")) else None
