"""User code in a run (training.loss, evaluation.metrics, training.callbacks, data.preprocess) on the tiny model."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap

import pytest
import yaml

from conftest import ROOT, run_trainer, train_args, write_config, write_dataset, write_table

EXAMPLES = ROOT / "resources" / "examples" / "extensions"


def _config(tmp_path, tiny_model, train, allow=True, **sections):
    path = write_config(tmp_path / "config.yaml", tiny_model, train, **sections)
    config = yaml.safe_load(path.read_text())
    config["allow_custom_code"] = allow
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _code(tmp_path, name: str, source: str):
    path = tmp_path / "ext" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


CALLBACKS = """
    import json, os
    import lightning.pytorch as pl

    class EpochFile(pl.Callback):
        def __init__(self, folder):
            self.folder = folder

        def on_train_epoch_end(self, trainer, pl_module):
            os.makedirs(self.folder, exist_ok=True)
            with open(os.path.join(self.folder, f"epoch-{trainer.current_epoch}.txt"), "w") as handle:
                handle.write(str(trainer.global_step))

    class TrainedRows(pl.Callback):
        def __init__(self, model, out):
            self.model, self.out = model, out

        def on_train_start(self, trainer, pl_module):
            from transformers import AutoTokenizer
            tokenizer = AutoTokenizer.from_pretrained(self.model)
            rows = trainer.datamodule.tables["train"]["input_ids"]
            with open(self.out, "w") as handle:
                json.dump([tokenizer.decode(ids, skip_special_tokens=True) for ids in rows], handle)
"""


def test_callback_and_metrics_each_epoch(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 80, seed=1)
    callbacks = _code(tmp_path, "checks.py", CALLBACKS)
    metrics = _code(tmp_path, "metrics.py", """
        def worst_recall(preds, labels, label_names):
            recalls = [float((preds[labels == index] == index).float().mean())
                       for index in range(len(label_names)) if (labels == index).any()]
            return min(recalls)
    """)
    config = _config(tmp_path, tiny_model, train, training={
        "max_epochs": 2, "callbacks": [{"path": f"{callbacks}:EpochFile", "args": {"folder": str(tmp_path / "epochs")}}]},
        evaluation={"metrics": ["ext/metrics.py:worst_recall",  # relative to the config's folder
                                {"torchmetrics": "MulticlassAUROC", "args": {"average": "macro"}, "name": "auroc"}]})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(os.listdir(tmp_path / "epochs")) == ["epoch-0.txt", "epoch-1.txt"]
    epochs = result.of_type("epoch")
    assert len(epochs) == 2
    for event in epochs:
        assert 0.0 <= event["metrics"]["val/worst_recall"] <= event["metrics"]["val/accuracy"]
        assert 0.0 <= event["metrics"]["val/auroc"] <= 1.0
    assert {"val/worst_recall", "val/auroc"} <= set(result.last["metrics"])


def test_custom_loss_changes_training(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 80, seed=1)
    # A loss that teaches the model to answer the first label whatever the row: training follows it, not the labels.
    _code(tmp_path, "losses.py", """
        import torch
        from torch.nn import functional

        def always_first(logits, labels, weight=1.0):
            return functional.cross_entropy(logits, torch.zeros_like(labels)) * weight
    """)
    config = _config(tmp_path, tiny_model, train, training={
        "max_epochs": 2, "loss": {"path": "ext/losses.py:always_first", "args": {"weight": 1.0}}})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-3000:]
    confusion = result.last["details"]["confusion_matrix"]
    assert sum(row[0] for row in confusion) == sum(map(sum, confusion))  # every validation row predicted "neg"
    assert result.last["metrics"]["val/accuracy"] < 0.6


def _first_step_loss(tmp_path, tiny_model, train, name, loss):
    config = write_config(tmp_path / f"{name}.yaml", tiny_model, train, training={"max_steps": 1, "loss": loss})
    result = run_trainer(*train_args(config, tmp_path / name))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.of_type("step")[0]["loss"]


def test_built_in_losses_change_the_loss(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 60, seed=3, labels=("pos", "pos", "pos", "neg"))
    plain = _first_step_loss(tmp_path, tiny_model, train, "plain", "cross_entropy")
    focal = _first_step_loss(tmp_path, tiny_model, train, "focal", {"name": "focal", "gamma": 2.0})
    weighted = _first_step_loss(tmp_path, tiny_model, train, "weighted",
                                {"name": "weighted_cross_entropy", "weights": {"pos": 1.0, "neg": 1.0}})
    assert focal < plain * 0.9  # the same model and batch: (1 - p)^2 < 1 discounts every row
    assert weighted == pytest.approx(plain, rel=1e-4)  # equal weights are plain cross-entropy


def test_weights_must_name_every_label(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 40, seed=3)
    config = write_config(tmp_path / "config.yaml", tiny_model, train,
                          training={"loss": {"name": "weighted_cross_entropy", "weights": {"pos": 2.0, "spam": 1.0}}})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.last["code"] == "CONFIG_INVALID" and result.last["field"] == "training.loss.weights"
    assert "neg" in result.last["message"] and "spam" in result.last["message"]


def test_preprocess_output_is_what_is_trained(tmp_path, tiny_model):
    rows = [[f"good film, write to ann{index}@example.com or call +44 20 7946 0958", "pos"] for index in range(12)]
    rows += [[f"bad film, mail bob{index}@example.org", "neg"] for index in range(12)]
    train = write_table(tmp_path / "train", ["text", "label"], rows)
    _code(tmp_path, "checks.py", CALLBACKS)
    out = tmp_path / "trained.json"
    config = _config(tmp_path, tiny_model, train, data={"preprocess": f"{EXAMPLES / 'clean.py'}:mask_contacts"},
                     training={"max_steps": 1, "callbacks": [
                         {"path": "ext/checks.py:TrainedRows", "args": {"model": tiny_model, "out": str(out)}}]})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-3000:]
    trained = json.loads(out.read_text())
    assert trained and all("email" in text and "example" not in text for text in trained)
    assert sum("phone" in text for text in trained) >= 1 and not any("7946" in text for text in trained)


FAILURES = {
    "syntax": ("losses.py", "def broken(logits, labels):\n    return logits +\n", "broken", "line 2"),
    "missing_name": ("losses.py", "def other(logits, labels):\n    return logits.sum()\n", "absent", "no function"),
    "exception": ("losses.py", "def divide(logits, labels):\n    scale = 0\n    return logits.sum() / (1 // scale)\n",
                  "divide", "ZeroDivisionError"),
    "wrong_shape": ("losses.py", "def number(logits, labels):\n    return 1.5\n", "number", "returned a float"),
}


@pytest.mark.parametrize("kind", sorted(FAILURES))
def test_failures_in_user_code(tmp_path, tiny_model, kind):
    name, source, function, words = FAILURES[kind]
    _code(tmp_path, name, source)
    train = write_dataset(tmp_path / "train", 24, seed=1)
    config = _config(tmp_path, tiny_model, train, training={"max_steps": 1, "loss": f"ext/{name}:{function}"})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    error = result.last
    assert result.returncode == 1 and error["type"] == "error"
    assert error["code"] == "EXTENSION_FAILED" and error["field"] == "training.loss", error
    assert words in error["message"] + " ".join(error["details"]) and name in error["message"] + error["hint"]
    if kind == "exception":
        assert "at line 3 of ext/losses.py" in error["message"]
        # only the user's own frames: not Airlock's, Lightning's or torch's
        assert error["details"][0].startswith('File "ext/losses.py", line 3, in divide')
        assert not any("lightning" in line or "airlock_trainer" in line for line in error["details"])


def test_exception_in_a_callback_keeps_the_checkpoint(tmp_path, tiny_model):
    _code(tmp_path, "checks.py", """
        import lightning.pytorch as pl

        class Compliance(pl.Callback):
            def on_train_epoch_start(self, trainer, pl_module):
                if trainer.current_epoch == 1:
                    raise ValueError("too many rows mention a customer")
    """)
    train = write_dataset(tmp_path / "train", 24, seed=1)
    config = _config(tmp_path, tiny_model, train, training={"max_epochs": 2, "callbacks": ["ext/checks.py:Compliance"]})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    error = result.last
    assert error["code"] == "EXTENSION_FAILED" and error["field"] == "training.callbacks[0]"
    assert "too many rows mention a customer" in error["message"] and "line 7" in error["message"]
    assert str(tmp_path / "run" / "checkpoints" / "last.ckpt") in error["hint"]


def test_changed_file_is_refused_by_its_recorded_hash(tmp_path, tiny_model):
    path = _code(tmp_path, "losses.py", "def loss(logits, labels):\n    return logits.sum()\n")
    recorded = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text("def loss(logits, labels):\n    return logits.mean()\n")
    train = write_dataset(tmp_path / "train", 24, seed=1)
    config = _config(tmp_path, tiny_model, train, training={"loss": {"path": "ext/losses.py:loss", "sha256": recorded}})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.last["code"] == "EXTENSION_FAILED" and "has changed" in result.last["message"]


def test_config_without_consent_or_with_a_misfit_is_refused(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 24, seed=1)
    config = _config(tmp_path, tiny_model, train, allow=False, data={"preprocess": "clean.py:mask_contacts"})
    result = run_trainer("validate-config", str(config))
    assert result.last["code"] == "CONFIG_INVALID" and result.last["field"] == "data.preprocess"
    assert "allow_custom_code: true" in result.last["message"]

    config = write_config(tmp_path / "regression.yaml", tiny_model, train, model={"name": tiny_model, "task": "regression"},
                          training={"loss": {"name": "focal"}},
                          evaluation={"metrics": [{"torchmetrics": "MulticlassAUROC"}]})
    result = run_trainer("validate-config", str(config))
    assert result.last["code"] == "CONFIG_INVALID" and result.last["field"] == "training.loss"
    details = " ".join(result.last["details"])
    assert "focal does not fit model.task regression" in details
    assert "evaluation.metrics[0].torchmetrics: MulticlassAUROC scores one label per row" in details


def test_preview_shows_rows_before_and_after_preprocess(tmp_path, tiny_model):
    rows = [["mail ann@example.com or +1 555 123 4567 today", "pos"], ["nothing to hide here", "neg"]]
    train = write_table(tmp_path / "train", ["text", "label"], rows)
    config = _config(tmp_path, tiny_model, train, data={"preprocess": f"{EXAMPLES / 'clean.py'}:mask_contacts"})
    result = run_trainer("preview-rows", "--config", str(config), "--rows", "5")
    assert result.returncode == 0, result.stderr[-3000:]
    (preview,) = result.of_type("preview_rows")
    assert preview["rows"] == [
        {"text": rows[0][0], "preprocessed": "mail [email] or [phone] today", "label": "pos"},
        {"text": rows[1][0], "preprocessed": rows[1][0], "label": "neg"},
    ]


def test_other_tasks_take_built_in_losses_and_extra_metrics(tmp_path, tiny_model):
    from test_train_tasks import tagged_rows, write_multi_label_table

    train = write_multi_label_table(tmp_path / "tags", tagged_rows(48, seed=1))
    config = write_config(tmp_path / "multi.yaml", tiny_model, train, model={"name": tiny_model, "task": "multi_label"},
                          data={"label_column": "tags"},
                          training={"max_steps": 3, "loss": {"name": "weighted_cross_entropy"}},
                          evaluation={"metrics": [{"torchmetrics": "MultilabelAveragePrecision", "name": "map"}]})
    result = run_trainer(*train_args(config, tmp_path / "multi"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 0.0 <= result.last["metrics"]["val/map"] <= 1.0

    rows = [[f"score {index}", str(index % 7 * 10)] for index in range(40)]
    train = write_table(tmp_path / "scores", ["text", "score"], rows, labels={"score": {"kind": "number"}})
    _code(tmp_path, "regression.py", """
        def within_ten(preds, labels):
            return float(((preds - labels).abs() <= 10).float().mean())
    """)
    config = _config(tmp_path, tiny_model, train, model={"name": tiny_model, "task": "regression"},
                     data={"label_column": "score"}, training={"max_steps": 3},
                     evaluation={"metrics": [{"torchmetrics": "MeanAbsoluteError"}, "ext/regression.py:within_ten"]})
    result = run_trainer(*train_args(config, tmp_path / "regression"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.last["metrics"]["val/mean_absolute_error"] > 0
    assert 0.0 <= result.last["metrics"]["val/within_ten"] <= 1.0
