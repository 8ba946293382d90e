"""What an MLflow tracking server accepts, so a config is refused when it is validated, not weeks later at sync.

Read from MLflow's own client (mlflow/utils/validation.py and mlflow/store/tracking/dbmodels/models.py,
MLflow 3.17) without importing it: training must not wait for MLflow's import. schemas/mlflow.ts holds the
same rules for zod; tests/trainer/test_mlflow_rules.py holds these to MLflow's own functions.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

# Request limits (validation.py).
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_REQUEST_BYTES = 1_000_000
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_KEY_LENGTH = 250  # MAX_ENTITY_KEY_LENGTH: tag, param and metric names
# validation.py allows 500 (MAX_EXPERIMENT_NAME_LENGTH), but the store's `experiments.name` column is
# VARCHAR(256), so a server on PostgreSQL or MySQL fails past 256.
MAX_EXPERIMENT_NAME_LENGTH = 256

# validate_param_and_metric_name on a POSIX server (a Windows one also refuses ":"); `\w` is Unicode-aware
# in Python, as on the server.
_NAME_CHARACTER = re.compile(r"[/\w.\- :]")

_PATH_LIKE = ('MLflow reads a tag name as a file path, so it must not start with "/" or "..", end with "/", '
             'or have an empty, "." or ".." part between slashes')


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _is_path_like(name: str) -> bool:
    # MLflow's path_not_unique: posixpath.normpath would change the name.
    return name.startswith("/") or name.startswith("..") or any(part in ("", ".", "..") for part in name.split("/"))


def tag_key_problems(key: str) -> list[str]:
    """Every reason MLflow would refuse `key` as a run tag name, in plain words; empty when it accepts it."""
    if key == "":
        return ["a tag name must not be empty"]
    problems = []
    refused = list(dict.fromkeys(character for character in key if not _NAME_CHARACTER.fullmatch(character)))
    if refused:
        problems.append(f"MLflow does not accept {', '.join(_quoted(character) for character in refused)} in a tag name "
                        "(only letters, digits, spaces and _ - . : / are allowed)")
    if _is_path_like(key):
        problems.append(_PATH_LIKE)
    if len(key) > MAX_KEY_LENGTH:
        problems.append(f"the tag name is {len(key)} characters long, over MLflow's limit of {MAX_KEY_LENGTH}")
    return problems


def tag_value_problem(value: str) -> str | None:
    """Why MLflow would refuse `value` as a run tag value, or None."""
    if len(value) > MAX_TAG_VALUE_LENGTH:
        return f"the value is {len(value)} characters long, over MLflow's limit of {MAX_TAG_VALUE_LENGTH} for a tag value"
    return None


def experiment_name_problem(name: str) -> str | None:
    """Why MLflow would refuse `name` as an experiment name, or None (an empty name is the schema's own check)."""
    if len(name) > MAX_EXPERIMENT_NAME_LENGTH:
        return (f"the name is {len(name)} characters long, over MLflow's limit of {MAX_EXPERIMENT_NAME_LENGTH} "
                "for an experiment name")
    return None


def config_problems(document: Any) -> Iterator[tuple[list, str]]:
    """(field path, problem) for everything in a config that MLflow would refuse; wrong types are the schema's to report."""
    experiment = document.get("experiment") if isinstance(document, dict) else None
    if not isinstance(experiment, dict):
        return
    name = experiment.get("name")
    if isinstance(name, str) and (problem := experiment_name_problem(name)):
        yield ["experiment", "name"], problem
    tags = experiment.get("tags")
    if not isinstance(tags, dict):
        return
    for key, value in tags.items():
        path = ["experiment", "tags", key]
        for problem in tag_key_problems(key):
            yield path, problem
        if isinstance(value, str) and (problem := tag_value_problem(value)):
            yield path, problem
