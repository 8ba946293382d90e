"""`train` end to end on the tiny model: events, run folder, final model, errors, cancel and resume."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, cancel_after_first_step, run_trainer, train_args, trainer_env, write_config, write_dataset


def test_full_run_with_test_set(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 160, seed=1)
    test = write_dataset(tmp_path / "test", 40, seed=2)
    config = write_config(tmp_path / "config.yaml", tiny_model, train, data={"test_path": str(test), "val_split": 0.2},
                          training={"max_epochs": 2})
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(config, run_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(event["run_id"] == "run-1" for event in result.events)

    stages = {event["stage"] for event in result.of_type("progress")}
    assert {"loading_data", "loading_model", "tokenizing", "testing", "saving"} <= stages
    assert "validating" not in stages  # the report reuses the validation pass of the kept checkpoint
    started = result.of_type("started")[0]
    assert started["labels"] == ["neg", "neu", "pos"] and started["precision"] == "32-true"
    assert started["train_rows"] + started["val_rows"] == 160 and started["test_rows"] == 40
    total = 2 * math.ceil(started["train_rows"] / 8)
    assert started["total_steps"] == total and started["resumed_from"] is None

    steps = result.of_type("step")
    assert steps[0]["step"] == 1 and steps[-1]["step"] == total
    assert all(step["tokens_per_s"] > 0 and step["samples_per_s"] > 0 for step in steps)
    epochs = result.of_type("epoch")
    assert [event["epoch"] for event in epochs] == [0, 1]
    assert {"val/loss", "val/accuracy", "val/f1_macro", "train/loss"} <= set(epochs[0]["metrics"])
    kinds = {event["kind"] for event in result.of_type("checkpoint")}
    assert kinds == {"last", "best"}

    finished = result.last
    assert finished["status"] == "completed" and finished["model_dir"] == str(run_dir / "model")
    for name in ("val/accuracy", "val/f1_macro", "val/loss", "train/loss", "test/accuracy", "test/f1_macro", "test/loss"):
        assert name in finished["metrics"], name
    details = finished["details"]
    assert details["labels"] == ["neg", "neu", "pos"]
    assert sum(map(sum, details["confusion_matrix"])) == 40  # on the test rows
    assert set(details["per_class"]) == {"neg", "neu", "pos"}
    assert sum(row["support"] for row in details["per_class"].values()) == 40

    assert sorted(os.listdir(run_dir / "checkpoints")) == ["best.ckpt", "last.ckpt"]
    model_files = set(os.listdir(run_dir / "model"))
    assert {"model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"} <= model_files
    assert not any(name.endswith(".bin") for name in model_files)
    saved = json.loads((run_dir / "model" / "config.json").read_text())
    assert saved["id2label"] == {"0": "neg", "1": "neu", "2": "pos"} and saved["label2id"]["pos"] == 2

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(run_dir / "model")
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "model")
    with torch.no_grad():
        logits = model(**tokenizer(["great wonderful happy", "awful terrible rude"], padding=True, return_tensors="pt")).logits
    assert logits.shape == (2, 3)
    assert [model.config.id2label[int(index)] for index in logits.argmax(-1)][0] in {"neg", "neu", "pos"}


def test_missing_column_names_the_columns_found(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 30, columns=("review", "label"))
    result = run_trainer(*train_args(write_config(tmp_path / "c.yaml", tiny_model, train), tmp_path / "run"))
    error = result.last
    assert result.returncode != 0 and error["code"] == "DATASET_COLUMN_MISSING"
    assert "'text'" in error["message"] and "review" in error["message"] and error["field"] == "data.text_column"


def test_single_class_is_refused(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "one-class", 30, labels=("pos",))
    result = run_trainer(*train_args(write_config(tmp_path / "c.yaml", tiny_model, train), tmp_path / "run"))
    assert result.last["code"] == "LABEL_COLUMN_SINGLE_CLASS" and result.last["field"] == "data.label_column"


def test_pickle_weights_are_refused_unless_allowed(tmp_path, tiny_model):
    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_model, pickled)
    os.rename(pickled / "model.safetensors", pickled / "pytorch_model.bin")
    train = write_dataset(tmp_path / "train", 30)
    result = run_trainer(*train_args(write_config(tmp_path / "c.yaml", str(pickled), train), tmp_path / "run"))
    assert result.last["code"] == "MODEL_WEIGHTS_UNSAFE" and result.last["field"] == "model.allow_pickle"


@pytest.mark.parametrize("model, code", [("no-such-model", "MODEL_NOT_FOUND"), ("empty", "MODEL_CONFIG_MISSING")])
def test_model_errors(tmp_path, model, code):
    (tmp_path / "empty").mkdir()
    train = write_dataset(tmp_path / "train", 30)
    name = str(tmp_path / model) if model == "empty" else model
    result = run_trainer(*train_args(write_config(tmp_path / "c.yaml", name, train), tmp_path / "run"))
    assert result.last["code"] == code and result.last["field"] == "model.name"


def test_resume_without_checkpoint(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 30)
    result = run_trainer(*train_args(write_config(tmp_path / "c.yaml", tiny_model, train), tmp_path / "run", resume=True))
    assert result.last["code"] == "CHECKPOINT_MISSING"


def _start_training(config, run_dir, stderr) -> subprocess.Popen:
    """A trainer process whose events we read line by line as they come."""
    return subprocess.Popen([sys.executable, "-m", "airlock_trainer", *train_args(config, run_dir)],
                            stdout=subprocess.PIPE, stderr=stderr, text=True, env=trainer_env(), cwd=str(ROOT))


def test_cancel_then_resume_completes(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 200, seed=5)
    config = write_config(tmp_path / "config.yaml", tiny_model, train, training={"max_epochs": 2, "batch_size": 4})
    run_dir = tmp_path / "run"
    cancelled = cancel_after_first_step(config, run_dir)
    assert cancelled.returncode == 0, cancelled.stderr[-3000:]
    assert cancelled.last["status"] == "cancelled" and cancelled.last["model_dir"] is None
    assert cancelled.last["details"]["checkpoint"] == str(run_dir / "checkpoints" / "last.ckpt")
    stopped_at = cancelled.of_type("step")[-1]["step"]
    total = cancelled.of_type("started")[0]["total_steps"]
    assert 0 < stopped_at < total
    assert not (run_dir / "model").exists()
    assert os.listdir(run_dir / "checkpoints") == ["last.ckpt"]

    resumed = run_trainer(*train_args(config, run_dir, resume=True))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.of_type("started")[0]["resumed_from"] == str(run_dir / "checkpoints" / "last.ckpt")
    steps = [event["step"] for event in resumed.of_type("step")]
    assert steps[0] == stopped_at + 1 and steps[-1] == total
    assert [event["epoch"] for event in resumed.of_type("epoch")] == [0, 1]
    assert resumed.last["status"] == "completed" and resumed.last["details"]["steps"] == total
    assert (run_dir / "model" / "model.safetensors").is_file()


def test_reader_gone_stops_with_a_resumable_checkpoint(tmp_path, tiny_model):
    """When the app dies, the trainer's next event write fails: it stops at the next step and keeps a checkpoint."""
    train = write_dataset(tmp_path / "train", 200, seed=5)
    config = write_config(tmp_path / "config.yaml", tiny_model, train, training={"max_epochs": 50, "batch_size": 4})
    run_dir = tmp_path / "run"
    process = _start_training(config, run_dir, stderr=subprocess.DEVNULL)
    for line in process.stdout:
        if json.loads(line)["type"] == "step":
            break
    process.stdout.close()  # the reader goes away, as when the app is killed
    process.wait(timeout=60)
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    assert checkpoint.is_file()
    import torch

    assert torch.load(checkpoint, map_location="cpu", weights_only=False)["global_step"] > 0
    assert not (run_dir / "model").exists()
