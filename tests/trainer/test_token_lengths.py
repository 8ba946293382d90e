"""token-lengths: percentiles of a text column under the model's own tokenizer."""

from __future__ import annotations

from conftest import run_trainer, write_dataset, write_table


def test_token_lengths_of_a_text_column(tiny_model, tmp_path):
    data = write_dataset(tmp_path / "train", rows=60)
    result = run_trainer("token-lengths", "--model", tiny_model, "--data", str(data), "--column", "text")
    assert result.returncode == 0, result.stderr
    lengths = next(event for event in result.events if event["type"] == "token_lengths")
    assert lengths["count"] == 60
    assert 3 <= lengths["p50"] <= lengths["p95"] <= lengths["p99"] <= lengths["max"]  # [CLS] and [SEP] included


def test_token_lengths_sampled_and_a_missing_column(tiny_model, tmp_path):
    data = write_table(tmp_path / "train", ["text", "label"], [["good " * n, "pos"] for n in range(1, 11)])
    result = run_trainer("token-lengths", "--model", tiny_model, "--data", str(data), "--column", "text", "--sample", "5")
    lengths = next(event for event in result.events if event["type"] == "token_lengths")
    assert lengths["count"] == 5
    csv_file = write_dataset(tmp_path / "other", rows=10)
    missing = run_trainer("token-lengths", "--model", tiny_model, "--data", str(csv_file), "--column", "review")
    assert missing.returncode == 1
    assert missing.events[-1]["code"] == "DATASET_COLUMN_MISSING"
