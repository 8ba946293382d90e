"""validate-config: faithful to schemas/json/run-config.schema.json, every problem reported at once."""

from __future__ import annotations

import pytest

from airlock_trainer import config as config_module
from airlock_trainer.errors import AirlockError
from conftest import run_trainer

MINIMAL = {"data": {"train_path": "train.csv", "text_column": "text", "label_column": "label"}}


def test_minimal_config_gets_schema_defaults():
    config = config_module.validate(MINIMAL)
    assert config["model"] == {"name": "all-minilm-l6-v2", "task": "classification", "allow_pickle": False}
    assert config["data"]["val_split"] == 0.1 and config["data"]["val_path"] is None
    assert config["training"]["batch_size"] == 32 and config["training"]["devices"] == "auto"
    assert config["experiment"] == {"name": "default", "tags": {}}


def test_every_problem_is_reported_with_its_field():
    document = {
        "data": {"train_path": "", "text_column": "text"},
        "training": {"batch_size": 0, "devices": "gpu", "max_steps": 0, "precision": "fp8", "learning_rate": 0},
        "model": {"colour": "blue"},
    }
    with pytest.raises(AirlockError) as caught:
        config_module.validate(document)
    error = caught.value
    assert error.code == "CONFIG_INVALID"
    fields = [detail.split(":", 1)[0] for detail in error.details]
    for field in ("data.train_path", "data.label_column", "training.batch_size", "training.devices",
                  "training.max_steps", "training.precision", "training.learning_rate", "model.colour"):
        assert field in fields, error.details
    assert "training.batch_size: must be >= 1 (got 0)" in error.details
    assert error.field == fields[0]


def test_yaml_is_read_as_yaml_1_2(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("data: {train_path: a.csv, text_column: t, label_column: l}\n"
                    "training: {learning_rate: 1e-5, batch_size: 0x10}\nexperiment: {tags: {when: 2024-01-01, ok: yes}}\n")
    config = config_module.load_config(str(path))
    assert config["training"]["learning_rate"] == 1e-5
    assert config["training"]["batch_size"] == 16
    assert config["experiment"]["tags"] == {"when": "2024-01-01", "ok": "yes"}


@pytest.mark.parametrize("text, code", [
    ("data: [unclosed\n", "CONFIG_YAML_INVALID"),
    ("data: {train_path: a}\ndata: {train_path: b}\n", "CONFIG_YAML_INVALID"),
    ("training: {learning_rate: .nan}\n" + "data: {train_path: a.csv, text_column: t, label_column: l}\n", "CONFIG_INVALID"),
    ("", "CONFIG_INVALID"),
    ("- a list\n", "CONFIG_INVALID"),
])
def test_bad_documents(tmp_path, text, code):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(AirlockError) as caught:
        config_module.load_config(str(path))
    assert caught.value.code == code


def test_cli_accepts_and_rejects(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("data: {train_path: a.csv, text_column: t, label_column: l}\n")
    result = run_trainer("validate-config", str(good))
    assert result.returncode == 0 and result.last["status"] == "completed"

    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {train_path: a.csv, text_column: t}\ntraining: {batch_size: -1, warmup_ratio: 0.9}\n")
    result = run_trainer("validate-config", str(bad))
    assert result.returncode != 0
    assert result.last["code"] == "CONFIG_INVALID"
    assert len(result.last["details"]) == 3
    assert result.last["field"] in {detail.split(":")[0] for detail in result.last["details"]}

    result = run_trainer("validate-config", str(tmp_path / "missing.yaml"))
    assert result.last["code"] == "CONFIG_NOT_FOUND"


def test_the_text_column_cannot_also_be_the_label_column():
    # The form, the CLI (zod refine) and the trainer refuse it alike: a run would get one class per distinct text.
    document = {"data": {"train_path": "a.csv", "text_column": "ticket", "label_column": "ticket"}}
    with pytest.raises(AirlockError) as caught:
        config_module.validate(document)
    assert caught.value.field == "data.label_column"
    assert caught.value.details == [f"data.label_column: {config_module.SAME_COLUMN_MESSAGE}"]


def test_names_longer_than_the_schema_allows_are_refused_with_their_length():
    document = {"data": {"train_path": "a.csv", "text_column": "t", "label_column": "l"},
                "experiment": {"name": "x" * 5000, "tags": {"k" * 300: "v", "team": "v" * 9000}}}
    with pytest.raises(AirlockError) as caught:
        config_module.validate(document)
    details = caught.value.details
    # the limits are MLflow's (mlflow_rules.py), named with the length found
    assert any(detail.startswith("experiment.name: the name is 5000 characters long") for detail in details), details
    assert any("9000 characters" in detail and "team" in detail for detail in details), details
    assert any("300 characters long" in detail for detail in details), details
