"""`train` end to end for model.task multi_label and regression on the tiny model."""

from __future__ import annotations

import random

from conftest import WORDS, run_trainer, text_for, train_args, write_config, write_dataset, write_table

TAGS = sorted(WORDS)  # neg, neu, pos


def tagged_rows(count: int, seed: int) -> list[tuple[str, list[str]]]:
    """Sentences leaning towards each of their tags; some rows have no tag at all."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        tags = [tag for tag in TAGS if rng.random() < 0.4]
        rows.append((" ".join(text_for(tag, rng) for tag in tags) or text_for("neu", rng), tags))
    return rows


def write_multi_label_table(folder, rows):
    """Tags written as separated text, stored as import stores them: the text, and its split labels beside it."""
    cells = [[text, "|".join(tags) or None] for text, tags in rows]
    return write_table(folder, ["text", "tags"], cells, labels={"tags": {"kind": "separated", "separator": "|"}})


def test_multi_label_run(tmp_path, tiny_model):
    train = write_multi_label_table(tmp_path / "train", tagged_rows(120, seed=1))
    test = write_table(tmp_path / "test", ["text", "tags"], [[text, tags] for text, tags in tagged_rows(30, seed=2)],
                       labels={"tags": {"kind": "list"}})
    config = write_config(tmp_path / "config.yaml", tiny_model, train, model={"task": "multi_label"},
                          data={"label_column": "tags", "test_path": str(test), "val_split": 0.2},
                          training={"max_epochs": 2, "early_stopping_patience": 1})
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(config, run_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.of_type("started")[0]["labels"] == TAGS
    epoch_keys = {"val/loss", "val/f1_macro", "val/f1_micro", "val/accuracy", "train/loss"}
    assert all(epoch_keys <= set(event["metrics"]) for event in result.of_type("epoch"))
    assert "best" in {event["kind"] for event in result.of_type("checkpoint")}

    finished = result.last
    assert finished["status"] == "completed"
    assert {"test/loss", "test/f1_macro", "test/f1_micro", "test/accuracy", "val/f1_macro"} <= set(finished["metrics"])
    assert 0.0 <= finished["metrics"]["test/accuracy"] <= 1.0
    details = finished["details"]
    assert details["labels"] == TAGS and details["evaluated_on"] == "test" and "confusion_matrix" not in details
    assert set(details["per_class"]) == set(TAGS) == set(details["label_confusion"])
    assert all(sum(map(sum, matrix)) == 30 for matrix in details["label_confusion"].values())

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(run_dir / "model")
    assert model.config.problem_type == "multi_label_classification"
    assert model.config.id2label == {0: "neg", 1: "neu", 2: "pos"}
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "model")
    with torch.no_grad():
        logits = model(**tokenizer(["great wonderful", "awful rude"], padding=True, return_tensors="pt")).logits
    assert logits.shape == (2, 3)


def test_regression_run(tmp_path, tiny_model):
    rng = random.Random(3)
    rows = []
    for _ in range(120):
        label = rng.choice(TAGS)
        # far from zero, so a head that forgot the target scale would show
        rows.append([text_for(label, rng), str({"neg": 20, "neu": 50, "pos": 80}[label] + rng.randint(-5, 5))])
    train = write_table(tmp_path / "train", ["review", "score"], rows, labels={"score": {"kind": "number"}})
    config = write_config(tmp_path / "config.yaml", tiny_model, train, model={"task": "regression"},
                          data={"text_column": "review", "label_column": "score", "val_split": 0.2},
                          training={"max_epochs": 2, "early_stopping_patience": 1})
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(config, run_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.of_type("started")[0]["labels"] == []
    epoch_keys = {"val/loss", "val/mae", "val/rmse", "val/r2", "train/loss"}
    assert all(epoch_keys <= set(event["metrics"]) for event in result.of_type("epoch"))
    assert "best" in {event["kind"] for event in result.of_type("checkpoint")}  # chosen by val/r2

    finished = result.last
    metrics, details = finished["metrics"], finished["details"]
    assert {"val/loss", "val/mae", "val/rmse", "val/r2"} <= set(metrics) and 0 < metrics["val/mae"] <= metrics["val/rmse"]
    assert details["target"] == "score" and details["evaluated_on"] == "validation" and 40 < details["target_mean"] < 60

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(run_dir / "model")
    assert model.config.problem_type == "regression" and model.config.id2label == {0: "score"}
    assert model.config.airlock_regression["outputs"] == "target_units"
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "model")
    with torch.no_grad():
        predictions = model(**tokenizer(["great wonderful happy", "awful rude"], padding=True, return_tensors="pt")).logits
    assert predictions.shape == (2, 1) and bool(((predictions > 5) & (predictions < 95)).all())


def test_regression_on_text_labels_names_the_label_column(tmp_path, tiny_model):
    train = write_table(tmp_path / "train", ["text", "label"], [[f"row {index}", "high" if index % 2 else "3"]
                                                                for index in range(20)])
    config = write_config(tmp_path / "config.yaml", tiny_model, train, model={"task": "regression"})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    error = result.last
    assert result.returncode != 0 and error["code"] == "CONFIG_INVALID" and error["field"] == "data.label_column"
    assert "regression needs numbers" in error["message"]


def test_test_rows_whose_label_never_occurs_in_training_are_reported_with_the_run(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 40, seed=4)
    test = write_table(tmp_path / "test", ["text", "label"],
                       [["good great", "pos"], ["awful rude", "neg"], ["x", "other"], ["y", "other"], ["z", "NEG"]])
    config = write_config(tmp_path / "config.yaml", tiny_model, train, data={"test_path": str(test)},
                          training={"max_steps": 1})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.last["details"]["left_out_rows"] == {"test": 3}
    assert result.of_type("started")[0]["test_rows"] == 2
