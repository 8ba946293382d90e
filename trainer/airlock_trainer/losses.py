"""training.loss: the built-in alternatives to a task's own loss, and the user's own loss function.

Every loss here is a torch Module called as loss(logits, targets) -> scalar, so its tensors (class
weights) follow the model to its device. `cross_entropy` returns None: the model's own loss stays.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch.nn import functional

from .errors import AirlockError
from .extensions import UserCode, wrong_shape


class WeightedCrossEntropy(torch.nn.Module):
    """Cross-entropy with a weight per label; for multi_label, binary cross-entropy with a positive weight per label."""

    def __init__(self, weights: list[float], multi_label: bool):
        super().__init__()
        self.register_buffer("weight", torch.tensor(weights, dtype=torch.float32), persistent=False)
        self.multi_label = multi_label

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.multi_label:
            return functional.binary_cross_entropy_with_logits(logits.float(), targets.float(), pos_weight=self.weight)
        return functional.cross_entropy(logits.float(), targets, weight=self.weight)


class FocalLoss(torch.nn.Module):
    """Focal loss (Lin et al., 2017): cross-entropy scaled by (1 - p_true)^gamma, so easy rows count less."""

    def __init__(self, gamma: float, multi_label: bool):
        super().__init__()
        self.gamma, self.multi_label = gamma, multi_label

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.multi_label:
            each = functional.binary_cross_entropy_with_logits(logits.float(), targets.float(), reduction="none")
        else:
            each = functional.cross_entropy(logits.float(), targets, reduction="none")
        true_probability = torch.exp(-each)
        return ((1 - true_probability) ** self.gamma * each).mean()


class UserLoss(torch.nn.Module):
    """The user's function (logits, labels, **args) -> scalar tensor, checked on every call."""

    def __init__(self, user_code: UserCode):
        super().__init__()
        self.user_code = user_code
        self.reference = user_code.reference("training.loss")
        self.function = user_code.resolve("training.loss")

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        loss = self.user_code.call("training.loss", self.function, logits, targets, **self.reference["args"])
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1 or not loss.is_floating_point():
            raise wrong_shape("training.loss", self.reference["path"], "a torch tensor holding one number", loss)
        if torch.is_grad_enabled() and not loss.requires_grad:
            raise AirlockError("EXTENSION_FAILED", f"Your loss in training.loss ({self.reference['path']}) returned a "
                               "tensor that is not connected to the logits (requires_grad is False), so the model "
                               "cannot learn from it.", field="training.loss",
                               hint="Compute the loss from the logits with torch operations (no .item(), .detach() "
                                    "or numpy in between).")
        return loss.reshape(())


def build_loss(setting, task, train_targets: Callable[[], list], user_code: UserCode) -> torch.nn.Module | None:
    """The loss training.loss names, fitted to the task's labels and the training rows; None for the task's own.

    `train_targets` gives the training rows' targets; read only for weights from label counts.
    """
    if setting == "cross_entropy":
        return None
    if isinstance(setting, str) and setting not in ("weighted_cross_entropy", "focal") or \
            isinstance(setting, dict) and "path" in setting:
        return UserLoss(user_code)
    options = setting if isinstance(setting, dict) else {"name": setting}
    multi_label = task.name == "multi_label"
    if options["name"] == "focal":
        return FocalLoss(float(options.get("gamma", 2.0)), multi_label)
    given = options.get("weights")
    weights = _given_weights(given, task.labels) if given else _balanced_weights(train_targets(), task.labels, multi_label)
    return WeightedCrossEntropy(weights, multi_label)


def _given_weights(given: dict, labels: list[str]) -> list[float]:
    missing = [label for label in labels if label not in given]
    unknown = [label for label in given if label not in labels]
    if missing or unknown:
        problems = ([f"no weight for {', '.join(missing)}"] if missing else []) + \
                   ([f"{', '.join(unknown)} never occur in the training data"] if unknown else [])
        raise AirlockError("CONFIG_INVALID", f"training.loss.weights must give a weight for every label "
                           f"({'; '.join(problems)}).", field="training.loss.weights",
                           hint=f"The labels are: {', '.join(labels)}. Or leave weights out to weigh labels by how "
                                "rare they are.")
    return [float(given[label]) for label in labels]


def _balanced_weights(targets: list, labels: list[str], multi_label: bool) -> list[float]:
    """rows / (labels × rows of the label) for one label per row; rows without / rows with it for multi_label."""
    rows = max(1, len(targets))
    if multi_label:
        positives = torch.tensor(targets, dtype=torch.float32).sum(dim=0)
        return [float((rows - count) / max(1.0, float(count))) for count in positives.tolist()]
    counts = torch.bincount(torch.tensor(targets, dtype=torch.long), minlength=len(labels)).tolist()
    return [rows / (len(labels) * max(1, count)) for count in counts]
