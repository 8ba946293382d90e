"""The trainer's `predict` command: schema-valid events, label and probability per row, files written whole."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import run_trainer, train_args, write_config, write_dataset


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tiny_model) -> str:
    work = tmp_path_factory.mktemp("predict")
    config = write_config(work / "run.yaml", tiny_model, write_dataset(work / "train", 60))
    result = run_trainer(*train_args(config, work / "run"))
    return result.last["model_dir"]


def test_predicts_texts_with_label_probability_and_scores(model_dir, tmp_path):
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(["bad rude", "--not an option"]), encoding="utf-8")
    result = run_trainer("predict", "--model", model_dir, "--max-length", "16", "--text", "good great",
                         "--texts-file", str(texts_file))
    predictions = result.last["details"]["predictions"]
    assert [prediction["text"] for prediction in predictions] == ["good great", "bad rude", "--not an option"]
    for prediction in predictions:
        assert set(prediction["scores"]) == {"neg", "neu", "pos"}
        assert prediction["probability"] == max(prediction["scores"].values())
        assert prediction["scores"][prediction["label"]] == prediction["probability"]
        assert sum(prediction["scores"].values()) == pytest.approx(1.0, abs=1e-5)
    assert result.of_type("progress")[-1]["stage"] == "predicting"


def test_predicts_a_file_in_batches_into_csv(model_dir, tmp_path):
    data = write_dataset(tmp_path / "rows", 70, seed=5)
    out = tmp_path / "predicted.csv"
    result = run_trainer("predict", "--model", model_dir, "--max-length", "16", "--data", str(data), "--column", "text",
                         "--out", str(out))
    fractions = [event["fraction"] for event in result.of_type("progress") if event["stage"] == "predicting"]
    assert len(fractions) == 3 and fractions[-1] == 1.0  # 70 rows in batches of 32
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 70 == result.last["details"]["rows"]
    assert list(rows[0]) == ["text", "label", "predicted_label", "probability"]
    assert all(0 < float(row["probability"]) <= 1 for row in rows)
    assert sum(result.last["details"]["label_counts"].values()) == 70
    assert not list(tmp_path.glob("*.partial"))


def test_a_missing_column_fails_with_its_code_and_writes_nothing(model_dir, tmp_path):
    data = write_dataset(tmp_path / "rows", 5)
    out = tmp_path / "predicted.jsonl"
    result = run_trainer("predict", "--model", model_dir, "--max-length", "16", "--data", str(data), "--column", "body",
                         "--out", str(out))
    assert result.last["code"] == "DATASET_COLUMN_MISSING"
    assert json.dumps(result.last["hint"]).count("text") >= 1
    assert not out.exists()
