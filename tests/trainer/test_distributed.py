"""`train` on two CPU processes (DDP over gloo) through each launcher: Lightning's own, torchrun, SLURM's variables.

Real processes and real loopback networking: only rank 0 writes events, every metric and epoch is reported once,
every validation row is scored once, cancel and resume reach every rank, and a rank that dies ends the run with
RANK_LOST within the process-group timeout.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import ROOT, Result, run_trainer, train_args, trainer_env, write_config, write_dataset, write_table
from make_tiny_bpe_models import make_tiny_llama

TORCHRUN = os.path.join(os.path.dirname(sys.executable), "torchrun")
LAUNCH_TIMEOUT_S = 240


def _config(tmp_path, tiny_model, test_rows: int = 0, **training):
    train = write_dataset(tmp_path / "train", 96, seed=3)
    data = {"val_split": 0.25}
    if test_rows:
        data["test_path"] = str(write_dataset(tmp_path / "test", test_rows, seed=4))
    return write_config(tmp_path / "config.yaml", tiny_model, train, data=data,
                        training={"accelerator": "cpu", "devices": 2, "max_epochs": 2, "batch_size": 8,
                                  "distributed_timeout_s": 60, **training})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _check_two_rank_run(result: Result, run_dir, environment: str) -> dict:
    """One started event for a world of 2, each epoch and metric once, every validation row scored."""
    assert result.returncode == 0, result.stderr[-4000:]
    started = result.of_type("started")
    assert len(started) == 1
    assert (started[0]["world_size"], started[0]["num_nodes"], started[0]["strategy"]) == (2, 1, "ddp")
    assert started[0]["effective_batch_size"] == 8 * 2 and started[0]["devices"] == 2
    assert [event["epoch"] for event in result.of_type("epoch")] == [0, 1]
    steps = [event["step"] for event in result.of_type("step")]
    assert steps == sorted(set(steps))  # each step reported once
    assert len(result.of_type("finished")) == 1
    details = result.last["details"]
    scored = started[0]["test_rows"] if details["confusion_matrix_on"] == "test" else started[0]["val_rows"]
    assert sum(map(sum, details["confusion_matrix"])) == scored > 16  # every row once, more than one rank's share
    assert (details["world_size"], details["cluster_environment"]) == (2, environment)
    assert len(details["ranks"]) == 2 and len(set(details["ranks"])) == 2
    checkpoint_events = [(event["kind"], event["step"]) for event in result.of_type("checkpoint")]
    assert len(checkpoint_events) == len(set(checkpoint_events))
    assert {"val/loss", "val/accuracy", "train/loss"} <= set(result.last["metrics"])
    assert (run_dir / "model" / "model.safetensors").is_file()
    return details


def _predicts_like_itself(model_dir) -> None:
    """The saved model loads and predicts; twice the same labels (a model that loads half-written would not)."""
    texts = ["good great wonderful", "bad terrible awful", "the train station"]
    answers = []
    for _ in range(2):
        result = run_trainer("predict", "--model", str(model_dir), "--max-length", "48", *sum((["--text", t] for t in texts), []))
        assert result.returncode == 0, result.stderr[-3000:]
        answers.append(json.dumps(result.last["details"], sort_keys=True))
    assert answers[0] == answers[1]


def _mean_loss(model_dir, table_dir) -> float:
    """The saved model's mean cross-entropy over every row of a table, computed here in one process."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    rows = [json.loads(line) for line in (table_dir / "table.jsonl").read_text().splitlines()]
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    losses = []
    with torch.no_grad():
        for text, label in rows:
            inputs = tokenizer(text, truncation=True, max_length=48, return_tensors="pt")
            target = torch.tensor([model.config.label2id[label]])
            losses.append(torch.nn.functional.cross_entropy(model(**inputs).logits, target).item())
    return sum(losses) / len(losses)


def test_two_cpu_processes_through_lightnings_launcher(tmp_path, tiny_model):
    config = _config(tmp_path, tiny_model, test_rows=27)
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(config, run_dir), timeout=LAUNCH_TIMEOUT_S)
    details = _check_two_rank_run(result, run_dir, "LightningEnvironment")
    assert details["confusion_matrix_on"] == "test" and {"test/loss", "test/accuracy"} <= set(result.last["metrics"])
    assert abs(result.last["metrics"]["test/loss"] - _mean_loss(run_dir / "model", tmp_path / "test")) < 1e-4
    _predicts_like_itself(run_dir / "model")
    _predicts_like_itself(run_dir / "model")


def test_two_cpu_processes_under_torchrun(tmp_path, tiny_model):
    config = _config(tmp_path, tiny_model, devices="auto")
    run_dir = tmp_path / "run"
    completed = subprocess.run(
        [TORCHRUN, "--standalone", "--nproc-per-node", "2", "-m", "airlock_trainer", *train_args(config, run_dir)],
        capture_output=True, text=True, env=trainer_env(), timeout=LAUNCH_TIMEOUT_S, cwd=str(ROOT))
    result = Result(completed.returncode, completed.stdout, completed.stderr)
    _check_two_rank_run(result, run_dir, "TorchElasticEnvironment")


def _slurm_env(rank: int, port: int) -> dict:
    """What srun sets for task `rank` of a 2-task job on one node (sbatch --nodes 1 --ntasks-per-node 2)."""
    return {"SLURM_NTASKS": "2", "SLURM_NTASKS_PER_NODE": "2", "SLURM_PROCID": str(rank), "SLURM_LOCALID": str(rank),
            "SLURM_NODEID": "0", "SLURM_NNODES": "1", "SLURM_JOB_ID": "4242", "SLURM_JOB_NAME": "airlock-job",
            "SLURM_NODELIST": "127.0.0.1", "MASTER_PORT": str(port)}


def _start_slurm_tasks(config, run_dir, *, resume: bool = False) -> list[subprocess.Popen]:
    port = _free_port()
    env = {key: value for key, value in trainer_env().items()
           if not key.startswith(("SLURM_", "TORCHELASTIC_")) and key not in ("RANK", "LOCAL_RANK", "WORLD_SIZE",
                                                                              "LOCAL_WORLD_SIZE", "MASTER_ADDR")}
    return [subprocess.Popen([sys.executable, "-m", "airlock_trainer", *train_args(config, run_dir, resume=resume)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**env, **_slurm_env(rank, port)},
                             cwd=str(ROOT)) for rank in (0, 1)]


def test_two_slurm_tasks_take_their_ranks_from_slurm(tmp_path, tiny_model):
    config = _config(tmp_path, tiny_model, devices=2)
    run_dir = tmp_path / "run"
    tasks = _start_slurm_tasks(config, run_dir)
    outputs = [task.communicate(timeout=LAUNCH_TIMEOUT_S) for task in tasks]
    assert outputs[1][0] == ""  # rank 1 writes no event
    assert tasks[1].returncode == 0, outputs[1][1][-3000:]
    result = Result(tasks[0].returncode, outputs[0][0], outputs[0][1])
    _check_two_rank_run(result, run_dir, "SLURMEnvironment")


def test_config_that_counts_another_world_is_refused(tmp_path, tiny_model):
    config = _config(tmp_path, tiny_model, devices=2, num_nodes=2)
    run_dir = tmp_path / "run"
    tasks = _start_slurm_tasks(config, run_dir)
    outputs = [task.communicate(timeout=LAUNCH_TIMEOUT_S) for task in tasks]
    result = Result(tasks[0].returncode, outputs[0][0], outputs[0][1])
    assert result.returncode == 1 and result.last["code"] == "CLUSTER_WORLD_MISMATCH"
    assert "2 node(s) × 2 process(es) per node = 4" in result.last["message"]
    assert "slurm started 2 processes" in result.last["message"]
    assert tasks[1].returncode == 1 and outputs[1][0] == ""

    alone = run_trainer(*train_args(_config(tmp_path, tiny_model, num_nodes=2), tmp_path / "alone"))
    assert alone.last["code"] == "CLUSTER_WORLD_MISMATCH" and alone.last["field"] == "training.num_nodes"
    assert "not started by torchrun or SLURM" in alone.last["message"]


def _lines_until(process: subprocess.Popen, wanted, timeout_s: float) -> list[str]:
    """Reads event lines until one satisfies `wanted` (a bounded wait: the test fails past timeout_s)."""
    deadline = time.monotonic() + timeout_s
    lines = []
    for line in process.stdout:
        lines.append(line)
        if wanted(json.loads(line)):
            return lines
        assert time.monotonic() < deadline, "the awaited event did not come"
    raise AssertionError(f"the trainer ended first: {[json.loads(line)['type'] for line in lines]}")


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
        return [int(part) for part in handle.read().split()]


def _start(config, run_dir, resume: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "airlock_trainer", *train_args(config, run_dir, resume=resume)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=trainer_env(), cwd=str(ROOT))


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][:1] == "Z"
    except FileNotFoundError:
        return True


def test_cancel_reaches_every_rank_and_resume_completes(tmp_path, tiny_model):
    config = _config(tmp_path, tiny_model, max_epochs=3)
    run_dir = tmp_path / "run"
    process = _start(config, run_dir)
    lines = _lines_until(process, lambda event: event["type"] == "step", LAUNCH_TIMEOUT_S)
    children = _children(process.pid)
    assert len(children) == 1  # rank 1, started by Lightning's launcher
    process.send_signal(signal.SIGINT)  # as the app's Cancel: to rank 0 only
    lines.extend(process.stdout)
    stderr = process.stderr.read()
    process.wait(timeout=LAUNCH_TIMEOUT_S)
    cancelled = Result(process.returncode, "".join(lines), stderr)
    assert cancelled.returncode == 0, stderr[-3000:]
    assert cancelled.last["status"] == "cancelled" and cancelled.last["details"]["resumable"]
    assert cancelled.last["details"]["world_size"] == 2
    saved = [(event["kind"], event["step"]) for event in cancelled.of_type("checkpoint")]
    assert saved[-1][0] == "last" and len(saved) == len(set(saved))  # saved once, by rank 0, at the stop
    assert all(_gone(pid) for pid in children)  # rank 0 ends after the process it started

    resumed = run_trainer(*train_args(config, run_dir, resume=True), timeout=LAUNCH_TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.of_type("started")[0]["resumed_from"] == str(run_dir / "checkpoints" / "last.ckpt")
    assert resumed.last["status"] == "completed" and resumed.last["details"]["world_size"] == 2


def test_a_rank_that_dies_ends_the_run_with_rank_lost_and_it_resumes(tmp_path, tiny_model):
    config = _config(tmp_path, tiny_model, max_epochs=3, distributed_timeout_s=20)
    run_dir = tmp_path / "run"
    process = _start(config, run_dir)
    # after the first epoch's checkpoint, rank 1 is killed as the out-of-memory killer would
    lines = _lines_until(process, lambda event: event["type"] == "checkpoint" and event["kind"] == "last",
                         LAUNCH_TIMEOUT_S)
    (rank_one,) = _children(process.pid)
    os.kill(rank_one, signal.SIGKILL)
    lines.extend(process.stdout)  # ends when rank 0 exits: bounded by the process-group timeout
    stderr = process.stderr.read()
    process.wait(timeout=LAUNCH_TIMEOUT_S)
    lost = Result(process.returncode, "".join(lines), stderr)
    assert lost.returncode == 1
    assert lost.last["type"] == "error" and lost.last["code"] == "RANK_LOST", lost.last
    assert f"Rank 1 (" in lost.last["message"] and f"process {rank_one}" in lost.last["message"]
    assert "20 s" in lost.last["message"] and "last checkpoint" in lost.last["hint"]

    resumed = run_trainer(*train_args(config, run_dir, resume=True), timeout=LAUNCH_TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.of_type("started")[0]["resumed_from"] == str(run_dir / "checkpoints" / "last.ckpt")
    assert resumed.last["status"] == "completed"


def test_causal_lm_on_two_cpu_processes(tmp_path):
    model = make_tiny_llama(str(tmp_path / "tiny-llama"))
    rows = [[f"n: {n}", "odd" if n % 2 else "even"] for n in range(80)]
    train = write_table(tmp_path / "train", ["prompt", "completion"], rows)
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({
        "model": {"name": model, "task": "causal_lm"},
        "data": {"format": "prompt_completion", "prompt_column": "prompt", "completion_column": "completion",
                 "train_path": str(train), "max_length": 32, "val_split": 0.25},
        "training": {"accelerator": "cpu", "devices": 2, "max_epochs": 2, "batch_size": 8, "learning_rate": 1e-2,
                     "seed": 7},
        "evaluation": {"sample_generations": 2, "max_new_tokens": 4}}), encoding="utf-8")
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(config, run_dir), timeout=LAUNCH_TIMEOUT_S)
    assert result.returncode == 0, result.stderr[-4000:]
    (started,) = result.of_type("started")
    assert (started["world_size"], started["strategy"], started["effective_batch_size"]) == (2, "ddp", 16)
    assert [event["epoch"] for event in result.of_type("epoch")] == [0, 1]
    assert [event["epoch"] for event in result.of_type("generations")] == [0, 1]
    metrics = result.last["metrics"]
    assert abs(metrics["val/perplexity"] - math.exp(metrics["val/loss"])) < 1e-3 * metrics["val/perplexity"]
    assert result.last["details"]["world_size"] == 2
    assert (run_dir / "model" / "adapter_model.safetensors").is_file()


def _share_mistakes(rank: int, port: int, folder: str) -> None:
    import torch
    import torch.distributed as dist

    from airlock_trainer.mistakes import Mistakes

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    mistakes = Mistakes()
    mistakes.start("val")
    # rank r scored rows r, r+2, ...: each rank's own wrong answers, with rank 1's the more confident
    logits = torch.tensor([[0.0, 1.0 + rank], [0.0, 0.5 + rank]])
    mistakes.add("val", torch.tensor([rank, rank + 2]), logits, torch.tensor([0, 0]))
    mistakes.share("val", 2)
    with open(os.path.join(folder, f"rank{rank}.json"), "w", encoding="utf-8") as handle:
        json.dump(mistakes.kept("val"), handle)
    dist.destroy_process_group()


def test_image_and_audio_mistakes_are_gathered_from_every_rank(tmp_path):
    import torch.multiprocessing as multiprocessing

    multiprocessing.spawn(_share_mistakes, args=(_free_port(), str(tmp_path)), nprocs=2)
    kept = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert kept[0] == kept[1]
    assert [item["row"] for item in kept[0]] == [1, 3, 0, 2]  # every rank's rows, most confident first


def test_devices_auto_uses_every_gpu_of_the_machine(tmp_path, tiny_model):
    """On a machine with GPUs (not in CI): devices auto trains on all of them, DDP over NCCL when there are several."""
    import torch

    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if not gpus:
        pytest.skip("no GPU on this machine")
    config = _config(tmp_path, tiny_model, accelerator="auto", devices="auto")
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(config, run_dir), timeout=LAUNCH_TIMEOUT_S)
    assert result.returncode == 0, result.stderr[-4000:]
    (started,) = result.of_type("started")
    assert (started["accelerator"], started["devices"], started["world_size"]) == ("cuda", gpus, gpus)
    assert started["strategy"] == ("ddp" if gpus > 1 else "single_device")
    assert started["effective_batch_size"] == 8 * gpus
    assert [event["epoch"] for event in result.of_type("epoch")] == [0, 1]
    assert sum(map(sum, result.last["details"]["confusion_matrix"])) == started["val_rows"]
    _predicts_like_itself(run_dir / "model")
