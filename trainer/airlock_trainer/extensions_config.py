"""The config fields that name user code, and the checks JSON Schema cannot express (the twin of schemas/extensions.ts).

No torch here: config.py calls these while validating, before any heavy import.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

CODE_PATH = re.compile(r"^.+\.py:[A-Za-z_][A-Za-z0-9_]*$")
CODE_FIELDS = (("training", "loss"), ("training", "callbacks"), ("evaluation", "metrics"), ("data", "preprocess"))

# Which tasks a built-in loss fits, and why not the others (LOSS_TASKS in schemas/extensions.ts).
LOSS_TASKS = {
    "weighted_cross_entropy": (("classification", "multi_label"),
                               "it weighs labels, and a regression model predicts a number"),
    "focal": (("classification", "multi_label"), "it discounts rows whose label the model already predicts well, "
                                                 "and a regression model predicts a number"),
}
METRIC_PREFIX_TASKS = (("Multiclass", "classification", "one label per row"),
                       ("Binary", "classification", "one of two labels per row"),
                       ("Multilabel", "multi_label", "several labels per row"))


def is_code_reference(value: Any) -> bool:
    """True for `file.py:Name` or `{path: ..., args: ...}`; False for built-in and torchmetrics names."""
    if isinstance(value, str):
        return bool(CODE_PATH.match(value))
    return isinstance(value, dict) and "path" in value


def normalize(value: Any) -> dict:
    """A reference in its full form: {path, args, sha256?, source?}."""
    if isinstance(value, str):
        return {"path": value, "args": {}}
    return {**value, "args": dict(value.get("args") or {})}


def code_references(config: Any) -> Iterator[tuple[str, dict]]:
    """(field, reference) for every reference to user code, e.g. ("evaluation.metrics[1]", {...})."""
    if not isinstance(config, dict):
        return
    for section, name in CODE_FIELDS:
        holder = config.get(section)
        value = holder.get(name) if isinstance(holder, dict) else None
        if isinstance(value, list):
            for index, item in enumerate(value):
                if is_code_reference(item):
                    yield f"{section}.{name}[{index}]", normalize(item)
        elif is_code_reference(value):
            yield f"{section}.{name}", normalize(value)


def split_path(path: str) -> tuple[str, str]:
    """`dir/file.py:Name` as (file, name)."""
    file, _, name = path.rpartition(":")
    return file, name


def extension_problems(config: Any) -> Iterator[tuple[str, str]]:
    """(field, text) for custom code without allow_custom_code, and built-ins that do not fit model.task."""
    if not isinstance(config, dict):
        return
    if config.get("allow_custom_code") is not True:
        for field, reference in code_references(config):
            # The same words as customCodeNotAllowed in schemas/extensions.ts.
            yield field, (f"names your own code ({reference['path']}), which runs only with "
                          "allow_custom_code: true at the top of the config")
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    task = model.get("task", "classification")
    training = config.get("training") if isinstance(config.get("training"), dict) else {}
    loss = training.get("loss")
    loss_name = loss if isinstance(loss, str) else loss.get("name") if isinstance(loss, dict) else None
    if loss_name in LOSS_TASKS and task not in LOSS_TASKS[loss_name][0]:
        yield "training.loss", f"{loss_name} does not fit model.task {task}: {LOSS_TASKS[loss_name][1]}"
    evaluation = config.get("evaluation") if isinstance(config.get("evaluation"), dict) else {}
    metrics = evaluation.get("metrics") if isinstance(evaluation.get("metrics"), list) else []
    for index, metric in enumerate(metrics):
        name = metric.get("torchmetrics") if isinstance(metric, dict) else None
        if not isinstance(name, str):
            continue
        for prefix, wanted, words in METRIC_PREFIX_TASKS:
            if name.startswith(prefix) and task != wanted:
                yield (f"evaluation.metrics[{index}].torchmetrics",
                       f"{name} scores {words} (model.task {wanted}), and this config's model.task is {task}")
