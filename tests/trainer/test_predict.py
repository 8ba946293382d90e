"""The trainer's `predict` command and its warm `predict-worker`: label, probability and ranked scores per text."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, run_trainer, train_args, trainer_env, write_config, write_dataset


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


def _worker(model_dir: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "airlock_trainer", "predict-worker", "--model", model_dir, "--max-length", "16"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=trainer_env(), cwd=str(ROOT))


def _worker_events(stdout: str) -> list[dict]:
    """Every line is an enveloped event, seq from 0, and the stream ends with exactly one finished event."""
    events = [json.loads(line) for line in stdout.splitlines()]
    assert [event["seq"] for event in events] == list(range(len(events)))
    assert [event["type"] for event in events].count("finished") == 1 and events[-1]["type"] == "finished"
    return events


def test_the_worker_answers_many_requests_from_one_loaded_model(model_dir):
    requests = [
        {"id": 1, "texts": ["good great", "=cmd|' /C calc'!A0"]},
        {"id": 2, "texts": ["bad rude"], "top": 2},
        "not json at all",
        {"id": 3, "texts": "not a list"},
        {"id": 4, "texts": []},
    ]
    lines = "".join((request if isinstance(request, str) else json.dumps(request)) + "\n" for request in requests)
    worker = _worker(model_dir)
    stdout, stderr = worker.communicate(lines.encode("utf-8"), timeout=120)
    assert worker.returncode == 0, stderr.decode()[-2000:]
    events = _worker_events(stdout.decode("utf-8"))
    assert events[0]["type"] == "predict_ready" and events[0]["labels"] == ["neg", "neu", "pos"]
    answers = {event["id"]: event for event in events if event["type"] == "predictions"}
    failures = [event for event in events if event["type"] == "predict_failed"]
    assert sorted(answers) == [1, 2, 4]
    first = answers[1]["predictions"]
    assert len(first) == 2 and all(len(prediction["scores"]) == 3 for prediction in first)
    assert list(first[0]["scores"].values()) == sorted(first[0]["scores"].values(), reverse=True)
    assert first[0]["probability"] == first[0]["scores"][first[0]["label"]]
    assert len(answers[2]["predictions"][0]["scores"]) == 2  # top 2 only
    assert answers[4]["predictions"] == []
    assert [failure["id"] for failure in failures] == [None, 3]
    assert all(failure["code"] == "INVALID_INPUT" for failure in failures)
    assert events[-1]["details"] == {"requests": 3}


def test_a_worker_whose_model_is_missing_ends_with_one_error_event(tmp_path):
    worker = _worker(str(tmp_path / "no-model"))
    stdout, _ = worker.communicate(b"", timeout=120)
    events = [json.loads(line) for line in stdout.decode("utf-8").splitlines()]
    assert worker.returncode == 1
    assert [event["type"] for event in events] == ["error"]
    assert events[0]["code"].startswith("MODEL_")
