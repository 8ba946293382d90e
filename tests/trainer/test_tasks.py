"""The tasks (classification, multi_label, regression): label parsing, fitting, targets, splitting, reports."""

from __future__ import annotations

import json
import math

import pytest

from airlock_trainer import config as config_module
from airlock_trainer.dataset import load_tables
from airlock_trainer.errors import AirlockError
from airlock_trainer.report import per_label
from airlock_trainer.tasks import Classification, MultiLabel, Regression, parse_label_list, task_for


@pytest.mark.parametrize("cell, labels", [
    ("a|b", ["a", "b"]),
    ("a; b", ["a", "b"]),
    ("sports|politics;sports", ["politics", "sports"]),
    (" b | a |", ["a", "b"]),
    ('["b", "a"]', ["a", "b"]),
    ('["a|b", 2, true]', ["2", "a|b", "true"]),  # items of a JSON array are never split
    (["x", "y", "x"], ["x", "y"]),  # JSONL and Parquet give real lists
    ([], []),
    ("[]", []),
    ("", []),
    ("   ", []),
    (None, []),
    (float("nan"), []),
    ("sports", ["sports"]),
    (3.0, ["3"]),
    ("[not json", ["[not json"]),
    ('[{"a": 1}]', ['[{"a": 1}]']),  # not a list of scalars: one label, as the importer reads it
])
def test_multi_label_cells(cell, labels):
    assert parse_label_list(cell) == labels


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
    import datasets

    task = MultiLabel("label")
    task.fit([["a"], ["b"]])
    table = datasets.Dataset.from_dict({"text": ["x", "y"], "label": [["a", "z"], ["b"]]},
                                       features=datasets.Features({"text": datasets.Value("string"),
                                                                   "label": task.label_feature()}))
    assert task.restrict(table, "validation")["label"] == [["a"], ["b"]]


def test_regression_parses_numbers_and_refuses_text():
    task = Regression("score")
    assert [task.parse(value) for value in ("3.5", " 7 ", 4, 2.25, "", None, float("nan"), "inf")] == [
        3.5, 7.0, 4.0, 2.25, None, None, None, None]
    for value in ("high", True, ["1"]):
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


def test_jsonl_lists_and_text_cells_load_as_label_lists(tmp_path):
    train = tmp_path / "train.jsonl"
    rows = [{"text": f"row {index}", "tags": tags} for index, tags in
            enumerate([["a", "b"], [], None, ["c"], ["a"], ["b", "c"], ["a"], ["c"], ["b"], ["a", "c"]])]
    train.write_text("".join(json.dumps(row) + "\n" for row in rows))
    csv_val = tmp_path / "val.csv"
    csv_val.write_text('text,tags\none,a|b\ntwo,\nthree,"[""c"", ""z""]"\nfour,b; c\n')
    config = config_module.validate({"model": {"task": "multi_label"}, "data": {
        "train_path": str(train), "val_path": str(csv_val), "text_column": "text", "label_column": "tags"}})
    task = task_for(config)
    tables = load_tables(config, task, [str(tmp_path)], str(tmp_path / "cache"), lambda message, fraction: None)
    assert task.labels == ["a", "b", "c"]
    assert len(tables.train) == 10 and tables.train["label"][1:3] == [[], []]  # no labels is a row, not a gap
    assert tables.val["label"] == [["a", "b"], [], ["c"], ["b", "c"]]


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
