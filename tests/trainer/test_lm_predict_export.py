"""A fine-tuned causal LM folder (LoRA adapter on a cached base, or a full model): base digest, streaming answers
from the warm worker, BASE_MODEL_MISSING, and both bundles, the merged one loaded by the real mlflow.pyfunc."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_trainer, trainer_env
from make_tiny_bpe_models import make_tiny_gpt2, make_tiny_llama
from make_tiny_lm_run_model import main as make_run_model

from airlock_trainer.base_digest import weights_digest

PROMPT = "Translate to French: cat"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """$AIRLOCK_HOME with the tiny Llama and GPT-2 in its model cache, and a LoRA and a full run model of each."""
    root = tmp_path_factory.mktemp("lm-home")
    make_tiny_llama(str(root / "models" / "tiny-llama"))
    make_tiny_gpt2(str(root / "models" / "tiny-gpt2"))
    make_run_model(str(root / "models" / "tiny-llama"), str(root / "llama-lora"), "lora", "tiny-llama")
    make_run_model(str(root / "models" / "tiny-gpt2"), str(root / "gpt2-full"), "full", "tiny-gpt2")
    return root


def test_weights_digest_is_the_sha256_of_sorted_path_and_file_hash_lines(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.safetensors").write_bytes(b"bbb")
    (tmp_path / "sub" / "a.safetensors").write_bytes(b"aaa")
    (tmp_path / "config.json").write_text("{}")  # not weights: left out
    lines = "".join(f"{path} {hashlib.sha256(data).hexdigest()}\n" for path, data in
                    (("b.safetensors", b"bbb"), ("sub/a.safetensors", b"aaa")))
    assert weights_digest(str(tmp_path)) == hashlib.sha256(lines.encode()).hexdigest()


def worker(home, model: str, requests: list[dict]) -> list[dict]:
    """Runs predict-worker on one model folder with these request lines; returns its events."""
    lines = "".join(json.dumps(request) + "\n" for request in requests)
    completed = subprocess.run([sys.executable, "-m", "airlock_trainer", "predict-worker", "--model", str(home / model),
                                "--max-length", "32"], input=lines, capture_output=True, text=True, cwd=str(ROOT),
                               env=trainer_env({"AIRLOCK_HOME": str(home)}), timeout=120)
    events = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [event["seq"] for event in events] == list(range(len(events)))
    return events


@pytest.fixture(scope="module")
def served(home) -> dict[str, list[dict]]:
    """The worker's events for three requests to each run model."""
    requests = [{"id": 1, "prompt": PROMPT, "max_new_tokens": 6, "temperature": 0}, {"id": 2, "texts": ["not a prompt"]},
                {"id": 3, "prompt": PROMPT, "max_new_tokens": 6, "temperature": 0}]
    return {model: worker(home, model, requests) for model in ("llama-lora", "gpt2-full")}


@pytest.mark.parametrize("model", ["llama-lora", "gpt2-full"])
def test_the_worker_streams_an_answer_then_sends_it_whole(served, model):
    events = served[model]
    assert events[0]["type"] == "predict_ready" and events[0]["problem_type"] == "causal_lm"
    pieces = [event["text"] for event in events if event["type"] == "generated_text" and event["id"] == 1]
    answers = {event["id"]: event for event in events if event["type"] == "generated"}
    assert pieces and "".join(pieces).strip() and answers[1]["text"] == "".join(pieces)
    assert 1 <= answers[1]["tokens"] <= 6  # the tokens the model wrote, at most max_new_tokens
    assert answers[3]["text"] == answers[1]["text"]  # temperature 0: the same answer every time
    failed = [event for event in events if event["type"] == "predict_failed"]
    assert [(event["id"], event["code"]) for event in failed] == [(2, "INVALID_INPUT")]
    assert events[-1]["type"] == "finished"


def test_an_adapter_whose_base_left_the_cache_names_the_base(home, tmp_path):
    empty = tmp_path / "home"
    (empty / "models").mkdir(parents=True)
    events = worker(empty, "../../" + os.path.relpath(home / "llama-lora", tmp_path.parent), [])
    error = events[-1]
    assert error["type"] == "error" and error["code"] == "BASE_MODEL_MISSING"
    assert "tiny-llama" in error["message"] and weights_digest(str(home / "models" / "tiny-llama")) in error["message"]


def test_an_adapter_finds_its_base_by_digest_under_another_cache_name(home, tmp_path):
    other = tmp_path / "home"
    shutil.copytree(home / "models" / "tiny-llama", other / "models" / "renamed-llama")
    events = worker(other, "../../" + os.path.relpath(home / "llama-lora", tmp_path.parent),
                    [{"id": 1, "prompt": PROMPT, "max_new_tokens": 3}])
    assert [event["type"] for event in events][-2:] == ["generated", "finished"]


@pytest.fixture(scope="module")
def adapter_bundle(home, tmp_path_factory):
    out = tmp_path_factory.mktemp("adapter-bundle") / "adapter"
    result = run_trainer("bundle", "--model", str(home / "llama-lora"), "--out", str(out), "--max-length", "32",
                         "--source-name", "lm-v1", "--base-model", "tiny-llama", env={"AIRLOCK_HOME": str(home)})
    return out, result.last["details"]


def test_the_adapter_bundle_is_small_and_records_its_base(home, adapter_bundle):
    out, details = adapter_bundle
    assert details["kind"] == "adapter"
    assert details["base"]["base_sha256"] == weights_digest(str(home / "models" / "tiny-llama"))
    assert "artifacts/adapter/adapter_model.safetensors" in details["files"]
    assert not [name for name in details["files"] if name.startswith("model/")]  # no base weights
    assert "python_function" in (out / "MLmodel").read_text()


def mlflow_answer(bundle, model_config: dict | None = None) -> subprocess.CompletedProcess:
    """The bundle loaded by the real mlflow.pyfunc in a fresh process, asked PROMPT for 6 tokens."""
    script = ("import json, sys, mlflow\n"
              "model = mlflow.pyfunc.load_model(sys.argv[1], model_config=json.loads(sys.argv[3]) or None)\n"
              "print(json.dumps(model.predict([sys.argv[2]], params={'max_new_tokens': 6})))\n")
    return subprocess.run([sys.executable, "-c", script, str(bundle), PROMPT, json.dumps(model_config or {})],
                          capture_output=True, text=True, timeout=120,
                          env=trainer_env({"HF_HUB_OFFLINE": "1", "MLFLOW_DISABLE_TELEMETRY": "true"}))


def test_the_adapter_bundle_loads_in_mlflow_given_its_base_folder(home, served, adapter_bundle):
    out, _ = adapter_bundle
    loaded = mlflow_answer(out, {"base_model_dir": str(home / "models" / "tiny-llama")})
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    ours = [event for event in served["llama-lora"] if event["type"] == "generated"][0]["text"]
    assert json.loads(loaded.stdout.strip().splitlines()[-1]) == [ours]
    without = mlflow_answer(out)
    assert without.returncode != 0 and "tiny-llama" in without.stderr


def test_the_merged_bundle_loads_in_mlflow_and_answers_as_airlock_does(home, served, tmp_path):
    out = tmp_path / "merged"
    result = run_trainer("bundle", "--model", str(home / "llama-lora"), "--out", str(out), "--max-length", "32",
                         "--source-name", "lm-v1", "--base-model", "tiny-llama", "--merged",
                         env={"AIRLOCK_HOME": str(home)})
    assert result.last["details"]["kind"] == "merged"
    assert "model/model.safetensors" in result.last["details"]["files"]
    mlmodel = (out / "MLmodel").read_text()
    assert "task: text-generation" in mlmodel and "transformers:" in mlmodel
    loaded = mlflow_answer(out)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    [answer] = json.loads(loaded.stdout.strip().splitlines()[-1])
    ours = [event for event in served["llama-lora"] if event["type"] == "generated"][0]["text"]
    assert answer.strip() and answer == ours


def test_merging_an_adapter_refuses_a_cached_model_of_the_same_name_with_other_weights(home, tmp_path):
    other = tmp_path / "home"
    make_tiny_llama(str(other / "models" / "tiny-llama"), seed=1)  # same name, different weights
    result = run_trainer("merge-lm", "--model", str(home / "llama-lora"), "--out", str(tmp_path / "merged"),
                         env={"AIRLOCK_HOME": str(other)})
    assert result.last["code"] == "BASE_MODEL_MISSING" and "tiny-llama" in result.last["message"]
    assert not (tmp_path / "merged").exists()
