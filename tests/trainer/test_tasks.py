"""The tasks (classification, multi_label, regression): label parsing, fitting, targets, splitting, reports."""

from __future__ import annotations

import json
import math

import pytest

from airlock_trainer import config as config_module
from airlock_trainer.dataset import load_tables
from airlock_trainer.errors import AirlockError
from airlock_trainer.report import per_label
from airlock_trainer.rows import Rows
from airlock_trainer.tasks import Classification, MultiLabel, Regression, task_for
from conftest import write_table


def test_task_for_follows_model_task():
    for name, kind in (("classification", Classification), ("multi_label", MultiLabel), ("regression", Regression)):
        config = config_module.validate({"model": {"task": name},
                                         "data": {"train_path": "t.csv", "text_column": "t", "label_column": "y"}})
        task = task_for(config)
        assert type(task) is kind and task.label_column == "y"
    assert Classification.monitor == MultiLabel.monitor == "val/f1_macro"
    assert Regression.monitor == "val/r2" and Regression.mode == "max"


def test_multi_label_fit_targets_and_split_keys():
    task = MultiLabel("tags")
    rows = [["a"], ["a", "b"], [], ["a", "c"], ["b"]]
    task.fit(rows)
    assert task.labels == ["a", "b", "c"] and task.num_labels == 3 and task.id2label() == {0: "a", 1: "b", 2: "c"}
    assert task.targets([["a"], [], ["c", "a"]]) == [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    assert [task.split_key(row) for row in rows] == ["a", "b", "", "c", "b"]  # each row's rarest label
    with pytest.raises(AirlockError) as caught:
        MultiLabel("tags").fit([[], ["a"], ["a"]])
    assert caught.value.code == "LABEL_COLUMN_SINGLE_CLASS" and caught.value.field == "data.label_column"


def test_multi_label_validation_rows_lose_unknown_labels():
    task = MultiLabel("label")
    task.fit([["a"], ["b"]])
    table = Rows({"text": ["x", "y"], "label": [["a", "z"], ["b"]]})
    assert task.restrict(table, "validation")["label"] == [["a"], ["b"]]


def test_regression_parses_numbers_and_refuses_text():
    task = Regression("score")
    assert [task.parse(value) for value in ("3.5", " 7 ", "-0", "1e3")] == [3.5, 7.0, 0.0, 1000.0]
    with pytest.raises(AirlockError) as caught:
        task.parse("1e999")  # kept as its source text by import; too large to train on
    assert caught.value.code == "CONFIG_INVALID" and "1e999" in caught.value.message
    for value in ("high", "", ["1"]):
        with pytest.raises(AirlockError) as caught:
            task.parse(value)
        error = caught.value
        assert error.code == "CONFIG_INVALID" and error.field == "data.label_column"
        assert "regression needs numbers" in error.message and "'score'" in error.message


def test_regression_standardizes_with_the_training_scale():
    task = Regression("score")
    task.fit([10.0, 20.0, 30.0, 40.0])
    assert task.mean == 25.0 and math.isclose(task.std, math.sqrt(125))
    targets = task.targets([25.0, 25.0 + task.std])
    assert targets[0] == 0.0 and math.isclose(targets[1], 1.0)
    assert task.num_labels == 1 and task.id2label() == {0: "score"}
    with pytest.raises(AirlockError) as caught:
        Regression("score").fit([3.0, 3.0])
    assert caught.value.code == "LABEL_COLUMN_SINGLE_CLASS"


def test_regression_metrics_are_in_target_units():
    import torch

    task = Regression("score")
    task.fit([0.0, 100.0])  # mean 50, std 50
    predictions, targets = task.metric_inputs(torch.tensor([[0.0], [1.0]]), torch.tensor([-1.0, 1.0]))
    assert predictions.tolist() == [50.0, 100.0] and targets.tolist() == [0.0, 100.0]


def test_saved_regression_head_predicts_in_target_units(tiny_model):
    import torch
    from transformers import AutoTokenizer

    from airlock_trainer.module import load_classifier

    task = Regression("score")
    task.fit([20.0, 60.0, 100.0])
    model = load_classifier(tiny_model, task, "safetensors").eval()
    assert model.config.problem_type == "regression" and model.config.num_labels == 1
    inputs = AutoTokenizer.from_pretrained(tiny_model)(["good movie", "bad food"], padding=True, return_tensors="pt")
    with torch.no_grad():
        standardized = model(**inputs).logits
        task.prepare_to_save(model)
        folded = model(**inputs).logits
    assert torch.allclose(folded, standardized * task.std + task.mean, atol=1e-4)
    assert model.config.airlock_regression == {"target_mean": 60.0, "target_std": task.std, "outputs": "target_units"}


def test_per_label_report():
    report = per_label(["a", "b"], [[[5, 1], [2, 3]], [[10, 0], [0, 0]]])
    assert report["a"] == {"precision": 0.75, "recall": 0.6, "f1": round(2 * 0.75 * 0.6 / 1.35, 6), "support": 5}
    assert report["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_label_lists_and_separated_text_load_from_the_canonical_table(tmp_path):
    rows = [[f"row {index}", tags] for index, tags in
            enumerate([["a", "b"], [], None, ["c"], ["a"], ["b", "c"], ["a"], ["c"], ["b"], ["a", "c"]])]
    train = write_table(tmp_path / "train", ["text", "tags"], rows, labels={"tags": {"kind": "list"}})
    val = write_table(tmp_path / "val", ["text", "tags"], [["one", "a|b"], ["two", None], ["three", "c|z"], ["four", "b"]],
                      labels={"tags": {"kind": "separated", "separator": "|"}})
    config = config_module.validate({"model": {"task": "multi_label"}, "data": {
        "train_path": str(train), "val_path": str(val), "text_column": "text", "label_column": "tags"}})
    task = task_for(config)
    tables = load_tables(config, task, [str(tmp_path)], lambda message, fraction: None)
    assert task.labels == ["a", "b", "c"]
    assert len(tables.train) == 9 and tables.train["label"][1] == []  # an empty list is a row; a missing cell is not
    assert tables.val["label"] == [["a", "b"], ["c"], ["b"]]  # z never occurs in training: ignored


def test_vector_labels_are_named_by_label_names(tmp_path):
    rows = [[f"row {index}", cell] for index, cell in enumerate([["label_0"], ["label_1", "label_2"], [], ["label_2"]])]
    train = write_table(tmp_path / "train", ["text", "flags"], rows, labels={"flags": {"kind": "vector", "width": 3}})
    data = {"train_path": str(train), "text_column": "text", "label_column": "flags", "val_split": 0.3}
    named = config_module.validate({"model": {"task": "multi_label"}, "data": {**data, "label_names": ["x", "y", "z"]}})
    task = task_for(named)
    tables = load_tables(named, task, [str(tmp_path)], lambda message, fraction: None)
    assert task.labels == ["x", "y", "z"] and len(tables.train) + len(tables.val) == 4
    wrong = config_module.validate({"model": {"task": "multi_label"}, "data": {**data, "label_names": ["x", "y"]}})
    with pytest.raises(AirlockError) as caught:
        load_tables(wrong, task_for(wrong), [str(tmp_path)], lambda message, fraction: None)
    assert caught.value.code == "CONFIG_INVALID" and caught.value.field == "data.label_names"
    single = config_module.validate({"model": {"task": "classification"}, "data": data})
    with pytest.raises(AirlockError) as caught:
        load_tables(single, task_for(single), [str(tmp_path)], lambda message, fraction: None)
    assert caught.value.code == "CONFIG_INVALID" and "multi_label" in caught.value.hint


def test_a_raw_data_file_is_refused_the_trainer_reads_only_imported_tables(tmp_path):
    raw = tmp_path / "train.csv"
    raw.write_text("text,label\na,b\n")
    config = config_module.validate({"data": {"train_path": str(raw), "text_column": "text", "label_column": "label"}})
    with pytest.raises(AirlockError) as caught:
        load_tables(config, task_for(config), [str(tmp_path)], lambda message, fraction: None)
    assert caught.value.code == "DATASET_NOT_FOUND" and "airlock import" in caught.value.hint


def test_resume_is_refused_for_another_task_or_target_scale():
    import torch

    from airlock_trainer.module import ClassifierModule

    def module(task):
        return ClassifierModule(torch.nn.Linear(1, 1), task, learning_rate=1e-3, weight_decay=0.0, warmup_ratio=0.0)

    first, same, other = Regression("score"), Regression("score"), Regression("score")
    first.fit([1.0, 2.0, 3.0])
    same.fit([1.0, 2.0, 3.0])
    other.fit([1.0, 2.0, 30.0])
    checkpoint: dict = {}
    module(first).on_save_checkpoint(checkpoint)
    module(same).on_load_checkpoint(checkpoint)
    with pytest.raises(AirlockError) as caught:
        module(other).on_load_checkpoint(checkpoint)
    assert caught.value.code == "RUN_NOT_RESUMABLE"

    single, multi = Classification("label"), MultiLabel("label")
    single.fit(["a", "b"])
    multi.fit([["a"], ["b"]])
    checkpoint = {}
    module(single).on_save_checkpoint(checkpoint)
    with pytest.raises(AirlockError):
        module(multi).on_load_checkpoint(checkpoint)  # same labels, another task
    module(single).on_load_checkpoint({"airlock": {"labels": ["a", "b"]}})  # a checkpoint from before tasks
