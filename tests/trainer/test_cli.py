"""devices, inspect-model, argument errors, and stdout purity."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, check_events, run_trainer, trainer_env


def test_devices_event():
    result = run_trainer("devices")
    assert result.returncode == 0
    devices = result.of_type("devices")
    assert len(devices) == 1
    event = devices[0]
    assert event["run_id"] is None and event["devices"]
    if not event["cuda_available"]:
        assert event["devices"][0]["kind"] == "cpu" and event["cpu_only_reason"]
    else:
        assert all(device["kind"] == "cuda" and device["compute_capability"] for device in event["devices"])
    assert event["cpu_threads"] == 1  # OMP_NUM_THREADS from trainer_env is respected
    assert result.last == {**result.last, "status": "completed", "metrics": {}, "model_dir": None}


def test_inspect_model(tiny_model):
    result = run_trainer("inspect-model", tiny_model)
    info = result.of_type("model_info")[0]["info"]
    assert info["architecture"] == "BertModel" and info["model_type"] == "bert"
    assert info["modality"] == "text" and info["has_tokenizer"] and info["weights_format"] == "safetensors"
    assert info["needs_classification_head"] is True
    assert info["max_positions"] == 128
    assert 10_000 < info["parameters"] < 100_000
    assert result.last["status"] == "completed"


def test_inspect_model_errors(tmp_path):
    assert run_trainer("inspect-model", str(tmp_path / "nope")).last["code"] == "MODEL_NOT_FOUND"
    assert run_trainer("inspect-model", str(tmp_path)).last["code"] == "MODEL_CONFIG_MISSING"


def test_bad_arguments_end_in_an_error_event():
    result = run_trainer("train", "--config")
    assert result.returncode != 0 and result.last["code"] == "INVALID_INPUT"


def test_stray_prints_do_not_reach_stdout(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("data: {train_path: a.csv, text_column: t, label_column: l}\n")
    script = (
        "import os, sys\n"
        "from airlock_trainer import __main__ as cli, config\n"
        "original = config.load_config\n"
        "def noisy(path):\n"
        "    print('stray print from a library')\n"
        "    os.write(1, b'raw write on fd 1\\n')\n"
        "    sys.stdout.flush()\n"
        "    return original(path)\n"
        "config.load_config = noisy\n"
        f"sys.exit(cli.main(['validate-config', {str(config)!r}]))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=trainer_env(),
                               cwd=str(ROOT), timeout=60)
    assert completed.returncode == 0, completed.stderr
    events = check_events(completed.stdout.splitlines())
    assert events[-1]["type"] == "finished"
    assert "stray print" in completed.stderr and "raw write" in completed.stderr
    assert "stray" not in completed.stdout and "raw write" not in completed.stdout
