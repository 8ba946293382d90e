"""evaluation.metrics: extra metrics by torchmetrics class name, or the user's own functions, scored each epoch.

They are logged as <stage>/<name> next to the task's own metrics, so they travel the same way: the
epoch events, the run history, the Run screen's charts and MLflow sync.

A torchmetrics class gets probabilities (softmax for one label per row, sigmoid per label for
multi_label) or the predicted numbers (regression), which every torchmetrics class of that task takes.
A user's function is called once per epoch with every row: fn(preds, labels, **args) -> float, where
preds are label indices (one label per row), 0/1 rows (multi_label) or numbers (regression), and labels
alike; it also gets `probs` and `label_names` when its signature names them.
"""

from __future__ import annotations

import inspect
import math
import re

import torch
import torchmetrics

from .errors import AirlockError
from .extensions import UserCode, accepts, wrong_shape

RESERVED = ("loss",)


def metric_inputs(task, logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(scores, targets) for the extra metrics: probabilities for classification tasks, numbers for regression."""
    if task.name == "classification":
        return logits.float().softmax(dim=-1), targets
    if task.name == "multi_label":
        return logits.float().sigmoid(), targets.int()
    return task.metric_inputs(logits, targets)


class FunctionMetric(torchmetrics.Metric):
    """Keeps every row's scores and targets of an epoch, and calls the user's function on them at the end."""

    full_state_update = False

    def __init__(self, user_code: UserCode, field: str, task_name: str, labels: list[str]):
        super().__init__()
        self.user_code, self.field, self.task_name, self.labels = user_code, field, task_name, labels
        self.reference = user_code.reference(field)
        self.function = user_code.resolve(field)
        self.add_state("scores", default=[], dist_reduce_fx="cat")
        self.add_state("targets", default=[], dist_reduce_fx="cat")

    def update(self, scores: torch.Tensor, targets: torch.Tensor) -> None:
        self.scores.append(scores.detach())
        self.targets.append(targets.detach())

    def compute(self) -> torch.Tensor:
        scores = torch.cat(self.scores).cpu() if isinstance(self.scores, list) else self.scores.cpu()
        targets = torch.cat(self.targets).cpu() if isinstance(self.targets, list) else self.targets.cpu()
        if self.task_name == "classification":
            preds = scores.argmax(dim=-1)
        elif self.task_name == "multi_label":
            preds = (scores >= 0.5).int()
        else:
            preds = scores
        extra = dict(self.reference["args"])
        if accepts(self.function, "probs") and self.task_name != "regression":
            extra["probs"] = scores
        if accepts(self.function, "label_names"):
            extra["label_names"] = list(self.labels)
        value = self.user_code.call(self.field, self.function, preds, targets, **extra)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
            raise wrong_shape(self.field, self.reference["path"], "one finite number (a float)", value)
        return torch.tensor(float(value))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _torchmetrics_class(name: str, field: str):
    for namespace in (torchmetrics, torchmetrics.classification, torchmetrics.regression):
        found = getattr(namespace, name, None)
        if inspect.isclass(found) and issubclass(found, torchmetrics.Metric):
            return found
    raise AirlockError("CONFIG_INVALID", f"{field}: torchmetrics has no metric class {name!r}.", field=field,
                       hint="Use a class name from torchmetrics.classification or torchmetrics.regression, "
                            "e.g. MulticlassAUROC, MultilabelAveragePrecision or MeanAbsolutePercentageError.")


def build_metrics(settings: list, task, user_code: UserCode, taken: list[str]) -> dict:
    """{name: factory} for each extra metric; a factory makes one fresh metric (one per stage)."""
    factories: dict = {}
    for index, setting in enumerate(settings):
        field = f"evaluation.metrics[{index}]"
        if field in user_code.references:
            name = user_code.reference(field)["path"].rpartition(":")[2]
            user_code.resolve(field)  # fails now, not after an epoch of training

            def factory(field=field):
                return FunctionMetric(user_code, field, task.name, task.labels)
        else:
            cls = _torchmetrics_class(setting["torchmetrics"], f"{field}.torchmetrics")
            name = setting.get("name") or _snake(setting["torchmetrics"])
            args = dict(setting.get("args") or {})
            parameters = inspect.signature(cls).parameters
            if "num_classes" in parameters and "num_classes" not in args:
                args["num_classes"] = len(task.labels)
            if "num_labels" in parameters and "num_labels" not in args:
                args["num_labels"] = len(task.labels)
            try:
                cls(**args)  # wrong arguments are a config problem: say so before training
            except (TypeError, ValueError) as error:
                raise AirlockError("CONFIG_INVALID", f"{field}: {setting['torchmetrics']} does not take these "
                                   f"arguments: {error}", field=f"{field}.args",
                                   hint="See the class's documentation for its arguments.") from None

            def factory(cls=cls, args=args):
                return cls(**args)
        if name in taken or name in factories or name in RESERVED:
            raise AirlockError("CONFIG_INVALID", f"{field}: a metric called {name!r} is already logged.", field=field,
                               hint="Give this metric another name (the name field, or rename the function).")
        factories[name] = factory
    return factories
