"""MLflow's rules, checked up front: the trainer's copy of them agrees with MLflow's own code, and a config
that breaks them is refused with one CONFIG_INVALID naming every bad tag by its field path."""

from __future__ import annotations

import random

import pytest
from mlflow.exceptions import MlflowException
from mlflow.store.tracking.dbmodels.models import SqlExperiment
from mlflow.utils import validation

from airlock_trainer import config as config_module
from airlock_trainer import mlflow_rules
from airlock_trainer.errors import AirlockError

MINIMAL_DATA = {"train_path": "train.csv", "text_column": "text", "label_column": "label"}

# Names people write, and the edges of every rule: characters, file-path forms, length, Unicode.
KEYS = [
    "team", "cost-center", "cost center", "ticket:1234", "data/version", "a.b.c", "v1_final", "owner", "x" * 250,
    "cost-center#", "owner@team", "data?version", "50%", "a,b", "tag=1", "quote'", 'double"', "tab\there", "new\nline",
    "emoji😀", "back\\slash", "(v2)", "[x]", "a+b", "$HOME", "", " ", "  leading", "trailing ", "k" * 251,
    "/abs", "a/", "a//b", "a/./b", "a/../b", "..", "...", "..x", ".", "./a", "a/.", "a/..", ".hidden", "a/.hidden",
    "x/y/z", "café", "データ", "ñandú", "٣", "½", "Ⅻ", "e\u0301", "हिन्दी", "Ωmega", "ǅ", "ー", "a\u200bb", "_", "-", ":",
]


def _mlflow_accepts(key: str) -> bool:
    try:
        validation._validate_tag_name(key)
        validation._validate_length_limit("key", validation.MAX_ENTITY_KEY_LENGTH, key)
    except MlflowException:
        return False
    return True


def _random_keys(count: int) -> list[str]:
    alphabet = "ab9_-. :/#@?%é漢\u0301😀\t"
    generator = random.Random(20240917)
    return ["".join(generator.choice(alphabet) for _ in range(generator.randint(0, 8))) for _ in range(count)]


def test_limits_are_mlflows_own():
    assert mlflow_rules.MAX_KEY_LENGTH == validation.MAX_ENTITY_KEY_LENGTH
    assert mlflow_rules.MAX_TAG_VALUE_LENGTH == validation.MAX_TAG_VAL_LENGTH
    assert mlflow_rules.MAX_PARAM_VALUE_LENGTH == validation.MAX_PARAM_VAL_LENGTH
    assert mlflow_rules.MAX_PARAMS_TAGS_PER_BATCH == validation.MAX_PARAMS_TAGS_PER_BATCH
    assert mlflow_rules.MAX_METRICS_PER_BATCH == validation.MAX_METRICS_PER_BATCH
    assert mlflow_rules.MAX_REQUEST_BYTES == validation.MAX_BATCH_LOG_REQUEST_SIZE
    # The smaller of what validation allows and what the tracking store's column holds.
    assert mlflow_rules.MAX_EXPERIMENT_NAME_LENGTH == min(validation.MAX_EXPERIMENT_NAME_LENGTH, SqlExperiment.name.type.length)


@pytest.mark.parametrize("key", KEYS + _random_keys(400))
def test_tag_names_are_judged_as_mlflow_judges_them(key):
    assert (mlflow_rules.tag_key_problems(key) == []) == _mlflow_accepts(key)


def test_experiment_names_at_the_limit():
    assert mlflow_rules.experiment_name_problem("support triage: Q3 (v2)") is None
    assert mlflow_rules.experiment_name_problem("e" * 256) is None
    assert "257 characters" in mlflow_rules.experiment_name_problem("e" * 257)


def _problems(document: dict) -> AirlockError:
    with pytest.raises(AirlockError) as caught:
        config_module.validate(document)
    return caught.value


def test_every_bad_tag_is_listed_once_by_field_path_with_what_is_allowed():
    long_key = "k" * 300
    error = _problems({"data": MINIMAL_DATA, "experiment": {
        "name": "support triage: Q3 (v2)",
        "tags": {"cost-center#": "ops-41", "owner@team": "triage", "ticket:1234": "baseline", "data?version": "2024-09",
                 long_key: "too-long-key", "notes": "x" * 9000, "team": "nlp"},
    }})
    assert error.code == "CONFIG_INVALID"
    assert error.details == [
        'experiment.tags["cost-center#"]: MLflow does not accept "#" in a tag name (only letters, digits, spaces and _ - . : / are allowed)',
        'experiment.tags["owner@team"]: MLflow does not accept "@" in a tag name (only letters, digits, spaces and _ - . : / are allowed)',
        'experiment.tags["data?version"]: MLflow does not accept "?" in a tag name (only letters, digits, spaces and _ - . : / are allowed)',
        f"experiment.tags.{long_key}: the tag name is 300 characters long, over MLflow's limit of 250",
        "experiment.tags.notes: the value is 9000 characters long, over MLflow's limit of 8000 for a tag value",
    ]
    assert error.field == 'experiment.tags["cost-center#"]'


def test_mlflow_problems_come_with_every_other_problem_at_once():
    error = _problems({"data": {**MINIMAL_DATA, "max_length": 2}, "training": {"batch_size": 0},
                       "experiment": {"name": "n" * 300, "tags": {"a//b": "x", "": "empty"}}})
    fields = [detail.split(": ", 1)[0] for detail in error.details]
    assert fields == ["data.max_length", "training.batch_size", "experiment.name", 'experiment.tags["a//b"]', 'experiment.tags[""]']
    assert "must not start with" in error.details[3] and "must not be empty" in error.details[4]


def test_valid_tags_pass_untouched():
    tags = {"team": "nlp", "ticket:1234": "x", "data/version": "2024-09", "notes": "y" * 8000, "k" * 250: "z"}
    assert config_module.validate({"data": MINIMAL_DATA, "experiment": {"tags": tags}})["experiment"]["tags"] == tags
