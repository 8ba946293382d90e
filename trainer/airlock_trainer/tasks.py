"""What differs between the tasks a config may name (model.task): one Task class each.

A Task turns label cells into labels, learns the label set (or the target scale) from the training
rows, turns labels into model targets, and chooses the model head, the metrics, the checkpoint
monitor and the final report. dataset.py, module.py and train.py ask the task and never test its name.
torch and torchmetrics are imported inside the methods that need them, so data problems are still
reported before the heavy training imports.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from .errors import AirlockError
from .report import per_class, per_label

log = logging.getLogger("airlock_trainer")

LABEL = "label"  # the cleaned label column of dataset.py's tables


def _label_column_holds_lists(column: str) -> AirlockError:
    return AirlockError("CONFIG_INVALID", f"The label column '{column}' holds lists of labels, so each row may have "
                        "several; a classification model predicts exactly one.",
                        hint="Set model.task to multi_label, or pick another data.label_column.",
                        field="model.task")


class Task:
    """The behaviour every task provides; subclasses fill it in. Fitted once on the training labels."""

    name = ""
    problem_type = ""
    monitor = "val/f1_macro"  # picks best.ckpt and drives early stopping
    mode = "max"
    reported: tuple[str, ...] = ()  # metrics kept for the final report instead of logged each epoch

    def __init__(self, label_column: str, label_names: list[str] | None = None):
        self.label_column = label_column
        self.label_names = label_names
        self.labels: list[str] = []
        self.counts: dict[str, int] = {}  # training rows per label (before the validation split)
        self.left_out: dict[str, int] = {}  # validation/test rows left out: their label never occurs in training

    def label_counts(self) -> list[dict]:
        """Training rows per label, most frequent first, as import lists them (its detection.labels)."""
        return [{"label": label, "count": count}
                for label, count in sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))]

    def label_cells(self, own: int, derived: dict | None) -> int:
        """Which cells hold the labels: the column's own text, or the labels import derived from it."""
        reading = derived["reading"] if derived else {"kind": "text"}
        self.check_reading(reading)
        return derived["index"] if derived and reading["kind"] in self.derived_kinds else own

    derived_kinds: tuple[str, ...] = ()  # derived readings this task takes its labels from

    def check_reading(self, reading: dict) -> None:
        """Refuses a label column that import read in a way this task cannot use."""
        if self.label_names is not None:
            raise AirlockError("CONFIG_INVALID", "data.label_names names the positions of 0/1 label vectors, and "
                               f"the label column '{self.label_column}' does not hold such vectors.",
                               hint="Remove data.label_names, or pick the column of 0/1 vectors.", field="data.label_names")

    def parse(self, cell: Any) -> Any:
        """One canonical label cell (a string, or a list of labels) as this task's label."""
        raise NotImplementedError

    def fit(self, values: list) -> None:
        """Learns what the model predicts from the training labels; raises when they cannot train it."""
        raise NotImplementedError

    def split_key(self, value: Any) -> str:
        """Rows with the same key are held out for validation in proportion."""
        return ""

    def restrict(self, table, name: str):
        """Validation or test rows fitted to the training labels."""
        return table

    def targets(self, values: list) -> list:
        """Model targets for a batch of labels."""
        raise NotImplementedError

    @property
    def num_labels(self) -> int:
        """Outputs of the model head."""
        return len(self.labels)

    def id2label(self) -> dict[int, str]:
        """Names of the head's outputs, saved in the model config."""
        return dict(enumerate(self.labels))

    def metrics(self) -> dict:
        """Fresh torchmetrics objects by name for one stage; all but `reported` are logged as <stage>/<name>."""
        raise NotImplementedError

    def metric_inputs(self, logits, targets) -> tuple:
        """(predictions, targets) in the form the metrics take."""
        raise NotImplementedError

    def details(self, reports: dict, evaluated_on: str) -> dict:
        """The task's part of the finished event's details, from the reported metrics."""
        raise NotImplementedError

    def state(self) -> dict:
        """What a checkpoint records, besides the labels, so that a resume on other data is refused."""
        return {"task": self.name}

    def prepare_to_save(self, model) -> None:
        """Last changes to the model before it is saved for use outside Airlock."""


class Classification(Task):
    """One label per row: softmax over the label set, cross-entropy loss."""

    name = "classification"
    problem_type = "single_label_classification"
    reported = ("confusion",)
    derived_kinds = ("number",)  # "1", "1.0" and "01" are one class

    def check_reading(self, reading: dict) -> None:
        if reading["kind"] in ("list", "vector"):
            raise _label_column_holds_lists(self.label_column)
        super().check_reading(reading)

    def parse(self, cell: Any) -> str:
        if isinstance(cell, list):
            raise _label_column_holds_lists(self.label_column)
        return cell

    def fit(self, values: list) -> None:
        self.counts = {}
        for label in values:
            self.counts[label] = self.counts.get(label, 0) + 1
        self.labels = sorted(self.counts)
        if len(self.labels) < 2:
            raise AirlockError("LABEL_COLUMN_SINGLE_CLASS", f"The label column '{self.label_column}' has only one "
                               f"value ({self.labels[0]!r}); a classifier needs at least two.",
                               hint="Pick another data.label_column, or add rows with other labels.",
                               field="data.label_column")

    def split_key(self, value: str) -> str:
        return value

    def restrict(self, table, name: str):
        known = set(self.labels)
        kept = table.select(index for index, label in enumerate(table[LABEL]) if label in known)
        if len(kept) < len(table):
            self.left_out[name] = len(table) - len(kept)  # reported with the run, not only in the log
            log.warning("%s data: dropped %d rows whose label never occurs in the training data", name,
                        len(table) - len(kept))
        if len(kept) == 0:
            raise AirlockError("DATASET_EMPTY", f"No {name} row has a label seen in the training data.",
                               hint="Check that the files use the same label column and values.",
                               field=f"data.{'val' if name == 'validation' else name}_path")
        return kept

    def targets(self, values: list) -> list[int]:
        ids = {label: index for index, label in enumerate(self.labels)}
        return [ids[label] for label in values]

    def metrics(self) -> dict:
        from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix, MulticlassF1Score

        classes = len(self.labels)
        return {"accuracy": MulticlassAccuracy(classes, average="micro"),
                "f1_macro": MulticlassF1Score(classes, average="macro"),
                "confusion": MulticlassConfusionMatrix(classes)}

    def metric_inputs(self, logits, targets) -> tuple:
        return logits.argmax(dim=-1), targets

    def details(self, reports: dict, evaluated_on: str) -> dict:
        confusion = reports["confusion"]
        return {"labels": self.labels, "label_counts": self.label_counts(), "confusion_matrix": confusion,
                "confusion_matrix_on": evaluated_on, "per_class": per_class(self.labels, confusion)}


class MultiLabel(Task):
    """Any number of labels per row: one sigmoid per label, binary cross-entropy, threshold 0.5."""

    name = "multi_label"
    problem_type = "multi_label_classification"
    reported = ("confusion",)
    derived_kinds = ("list", "vector", "separated", "number")

    def __init__(self, label_column: str, label_names: list[str] | None = None):
        super().__init__(label_column, label_names)
        self.positions: dict[str, str] = {}

    def check_reading(self, reading: dict) -> None:
        if self.label_names is None:
            return
        if reading["kind"] != "vector":
            super().check_reading(reading)
        if len(self.label_names) != reading["width"]:
            raise AirlockError("CONFIG_INVALID", f"data.label_names gives {len(self.label_names)} names, but the label "
                               f"vectors in '{self.label_column}' have {reading['width']} positions.",
                               hint=f"Give exactly {reading['width']} names, in the order of the positions.",
                               field="data.label_names")
        self.positions = {f"label_{index}": name for index, name in enumerate(self.label_names)}

    def parse(self, cell: Any) -> list[str]:
        # an empty list is a real example: every label is off; a single label is a list of one
        labels = cell if isinstance(cell, list) else [cell]
        return [self.positions.get(label, label) for label in labels]

    def fit(self, values: list) -> None:
        self.counts = {}
        for row in values:
            for label in row:
                self.counts[label] = self.counts.get(label, 0) + 1
        self.labels = sorted(self.counts)
        if len(self.labels) < 2:
            found = f"only one label ({self.labels[0]!r})" if self.labels else "no labels"
            raise AirlockError("LABEL_COLUMN_SINGLE_CLASS", f"The label column '{self.label_column}' has {found}; a "
                               "multi-label classifier needs at least two.",
                               hint="Pick another data.label_column, or set model.task to classification.",
                               field="data.label_column")

    def split_key(self, value: list[str]) -> str:
        # stratify on each row's rarest label, so rare labels keep training rows
        return min(value, key=lambda label: (self.counts.get(label, 0), label)) if value else ""

    def restrict(self, table, name: str):
        known = set(self.labels)
        unknown = sum(1 for row in table[LABEL] if any(label not in known for label in row))
        if not unknown:
            return table
        log.warning("%s data: %d rows have labels that never occur in the training data; those labels are ignored",
                    name, unknown)
        return table.with_column(LABEL, [[label for label in row if label in known] for row in table[LABEL]])

    def targets(self, values: list) -> list[list[float]]:
        rows = [set(row) for row in values]
        return [[1.0 if label in row else 0.0 for label in self.labels] for row in rows]

    def metrics(self) -> dict:
        from torchmetrics.classification import MultilabelConfusionMatrix, MultilabelExactMatch, MultilabelF1Score

        count = len(self.labels)
        return {"accuracy": MultilabelExactMatch(count, threshold=0.5),
                "f1_macro": MultilabelF1Score(count, threshold=0.5, average="macro"),
                "f1_micro": MultilabelF1Score(count, threshold=0.5, average="micro"),
                "confusion": MultilabelConfusionMatrix(count, threshold=0.5)}

    def metric_inputs(self, logits, targets) -> tuple:
        return logits.float().sigmoid(), targets.round().long()

    def details(self, reports: dict, evaluated_on: str) -> dict:
        matrices = reports["confusion"]  # per label [[tn, fp], [fn, tp]]
        return {"labels": self.labels, "label_counts": self.label_counts(), "per_class": per_label(self.labels, matrices),
                "label_confusion": dict(zip(self.labels, matrices)), "evaluated_on": evaluated_on}


class Regression(Task):
    """A number per row: one output trained on standardized targets (MSE); metrics in the targets' own units."""

    name = "regression"
    problem_type = "regression"
    monitor = "val/r2"
    derived_kinds = ("number",)

    def __init__(self, label_column: str, label_names: list[str] | None = None):
        super().__init__(label_column, label_names)
        self.mean, self.std = 0.0, 1.0

    def parse(self, cell: Any) -> float:
        number = _number(cell)
        if number is None:
            shown = json.dumps(cell, ensure_ascii=False)[:40]
            raise AirlockError("CONFIG_INVALID", f"The label column '{self.label_column}' has values that are not "
                               f"numbers (such as {shown}); regression needs numbers.",
                               hint="Pick a numeric data.label_column, or set model.task to classification or multi_label.",
                               field="data.label_column")
        if not math.isfinite(number):
            raise AirlockError("CONFIG_INVALID", f"The label column '{self.label_column}' holds {cell}, which is too "
                               "large to train on as a number.",
                               hint="Fix that value, or set model.task to classification.", field="data.label_column")
        return number

    def fit(self, values: list) -> None:
        self.mean = math.fsum(values) / len(values)
        self.std = math.sqrt(math.fsum((value - self.mean) ** 2 for value in values) / len(values))
        if not self.std > 0:
            raise AirlockError("LABEL_COLUMN_SINGLE_CLASS", f"Every row of the label column '{self.label_column}' holds "
                               f"the same number ({values[0]:g}); regression needs targets that vary.",
                               hint="Pick another data.label_column, or add rows with other values.",
                               field="data.label_column")

    def targets(self, values: list) -> list[float]:
        return [(value - self.mean) / self.std for value in values]

    @property
    def num_labels(self) -> int:
        return 1

    def id2label(self) -> dict[int, str]:
        return {0: self.label_column}

    def metrics(self) -> dict:
        from torchmetrics.regression import MeanAbsoluteError, MeanSquaredError, R2Score

        return {"mae": MeanAbsoluteError(), "rmse": MeanSquaredError(squared=False), "r2": R2Score()}

    def metric_inputs(self, logits, targets) -> tuple:
        return self._units(logits.float().reshape(-1)), self._units(targets.float().reshape(-1))

    def _units(self, standardized):
        return standardized * self.std + self.mean

    def details(self, reports: dict, evaluated_on: str) -> dict:
        return {"target": self.label_column, "target_mean": self.mean, "target_std": self.std,
                "evaluated_on": evaluated_on}

    def state(self) -> dict:
        return {"task": self.name, "target_mean": self.mean, "target_std": self.std}

    def prepare_to_save(self, model) -> None:
        """Folds the target scale into the head's output layer, so the saved model predicts in target units."""
        import torch

        outputs = [module for module in model.modules() if isinstance(module, torch.nn.Linear) and module.out_features == 1]
        head = outputs[-1] if outputs else None
        folded = head is not None and head.bias is not None
        if folded:
            with torch.no_grad():
                head.weight.mul_(self.std)
                head.bias.mul_(self.std).add_(self.mean)
        else:
            log.warning("no output layer with a bias found; the saved model predicts standardized targets")
        model.config.airlock_regression = {"target_mean": self.mean, "target_std": self.std,
                                           "outputs": "target_units" if folded else "standardized"}


def _number(cell: Any) -> float | None:
    if not isinstance(cell, str):
        return None
    try:
        return float(cell)
    except ValueError:
        return None


TASKS = {task.name: task for task in (Classification, MultiLabel, Regression)}


def task_for(config: dict) -> Task:
    """The unfitted Task the config's model.task names."""
    data = config["data"]
    return TASKS[config["model"]["task"]](data["label_column"], data.get("label_names"))
