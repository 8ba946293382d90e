"""cluster-check and cluster-seal: the node check before a cluster job trains, and the seal over its out/ folder."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys

from conftest import ROOT, check_events, trainer_env


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "airlock_trainer", *args], capture_output=True, text=True,
                          env=trainer_env(), timeout=timeout, cwd=str(ROOT))


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "airlock_trainer", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=trainer_env(), cwd=str(ROOT))


def error_of(completed) -> dict:
    """The one error event a failed check prints, checked against the event schema."""
    stdout = completed.stdout if isinstance(completed.stdout, str) else completed.stdout.read()
    events = check_events(stdout.splitlines())
    assert len(events) == 1 and events[0]["type"] == "error", events
    return events[0]


def closed_port() -> int:
    """A port nothing listens on (bound once by the system's choice, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_job(folder, run_id: str = "20261130-000000-abcd") -> str:
    """A small job folder: job.json, a data table and a model file, listed in MANIFEST.sha256 as sha256sum writes it."""
    files = {
        "job.json": json.dumps({"format": "airlock-cluster-job", "version": 1, "run_id": run_id, "config_sha256": "ab" * 32}),
        "data/ds1/table.jsonl": '["good", "pos"]\n["bad", "neg"]\n',
        "model/config.json": '{"model_type": "bert"}',
    }
    lines = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        lines.append(f"{hashlib.sha256(text.encode()).hexdigest()}  {name}\n")
    (folder / "MANIFEST.sha256").write_text("".join(lines))
    subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=folder, check=True)
    return str(folder)


def check(job: str, rank: int, address: str, port: int, timeout: float = 2, nnodes: int = 1) -> list[str]:
    return ["cluster-check", "--job", job, "--node-rank", str(rank), "--master-addr", address, "--master-port", str(port),
            "--timeout", str(timeout), "--nnodes", str(nnodes)]


def test_a_whole_job_on_one_node_passes_quietly(tmp_path):
    job = make_job(tmp_path / "job")
    completed = run(*check(job, 0, "127.0.0.1", closed_port()))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""


def test_a_tampered_data_file_is_refused_naming_it(tmp_path):
    job = make_job(tmp_path / "job")
    (tmp_path / "job" / "data" / "ds1" / "table.jsonl").write_text('["good", "neg"]\n["bad", "neg"]\n')
    completed = run(*check(job, 0, "127.0.0.1", closed_port()))
    assert completed.returncode == 1
    error = error_of(completed)
    assert error["code"] == "JOB_FILE_CHANGED"
    assert "data/ds1/table.jsonl" in error["message"] and error["field"] == "data/ds1/table.jsonl"
    assert error["run_id"] == "20261130-000000-abcd"


def test_a_missing_model_file_is_refused_naming_it(tmp_path):
    job = make_job(tmp_path / "job")
    (tmp_path / "job" / "model" / "config.json").unlink()
    completed = run(*check(job, 1, "127.0.0.1", closed_port()))
    error = error_of(completed)
    assert completed.returncode == 1 and error["code"] == "JOB_FILE_CHANGED"
    assert "model/config.json" in error["message"] and "missing" in error["message"]


def test_a_node_that_cannot_reach_the_master_fails_within_the_timeout(tmp_path):
    job = make_job(tmp_path / "job")
    port = closed_port()
    completed = run(*check(job, 1, "127.0.0.1", port, timeout=2), timeout=30)
    assert completed.returncode == 1
    error = error_of(completed)
    assert error["code"] == "MASTER_UNREACHABLE"
    assert "Node 1" in error["message"] and f"127.0.0.1:{port}" in error["message"] and "2 s" in error["message"]


def test_node_0_with_an_address_of_another_machine_is_refused(tmp_path):
    job = make_job(tmp_path / "job")
    completed = run(*check(job, 0, "10.255.255.1", 29500))
    assert completed.returncode == 1
    error = error_of(completed)
    assert error["code"] == "MASTER_ADDRESS_INVALID"
    assert "10.255.255.1:29500" in error["message"] and "not an address of this node" in error["message"]


def test_node_0_refuses_a_port_that_is_taken(tmp_path):
    job = make_job(tmp_path / "job")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        completed = run(*check(job, 0, "127.0.0.1", port))
    error = error_of(completed)
    assert error["code"] == "MASTER_ADDRESS_INVALID" and "taken" in error["message"]


def test_two_nodes_meet_at_the_master_before_training(tmp_path):
    job = make_job(tmp_path / "job")
    port = closed_port()
    master = start(*check(job, 0, "127.0.0.1", port, timeout=30, nnodes=2))
    worker = start(*check(job, 1, "127.0.0.1", port, timeout=30, nnodes=2))
    for process in (master, worker):
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        assert stdout == ""


def test_a_node_started_from_another_job_folder_is_refused_at_once_on_both_sides(tmp_path):
    ours = make_job(tmp_path / "job", run_id="20261130-000000-aaaaaa")
    theirs = make_job(tmp_path / "re-export", run_id="20261130-000001-bbbbbb")
    port = closed_port()
    # Timeouts far longer than the test may take: a refusal that waited for them would fail on communicate's limit.
    master = start(*check(ours, 0, "127.0.0.1", port, timeout=300, nnodes=2))
    worker = start(*check(theirs, 1, "127.0.0.1", port, timeout=300, nnodes=2))
    for process, own, other in ((master, "aaaaaa", "bbbbbb"), (worker, "bbbbbb", "aaaaaa")):
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 1, stderr
        events = check_events(stdout.splitlines())
        assert len(events) == 1 and events[0]["code"] == "JOB_FILE_CHANGED", events
        message = events[0]["message"]
        assert "Node 1" in message and "another job folder" in message and own in message and other in message
        assert events[0]["field"] == "job.json"


def test_node_0_names_the_nodes_that_never_came(tmp_path):
    job = make_job(tmp_path / "job")
    completed = run(*check(job, 0, "127.0.0.1", closed_port(), timeout=1, nnodes=3), timeout=30)
    error = error_of(completed)
    assert error["code"] == "MASTER_UNREACHABLE" and "Nodes 1, 2 did not reach" in error["message"]


def test_seal_writes_a_manifest_sha256sum_accepts(tmp_path):
    out = tmp_path / "out"
    (out / "logs").mkdir(parents=True)
    (out / "events.jsonl").write_text('{"type": "finished"}\n')
    (out / "logs" / "node-0.log").write_text("stderr\n")
    (out / "model").mkdir()
    (out / "model" / "model.safetensors").write_bytes(bytes(range(256)) * 40000)  # more than one read chunk
    completed = run("cluster-seal", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    listed = [line.split("  ", 1)[1] for line in (out / "MANIFEST.sha256").read_text().splitlines()]
    assert listed == ["events.jsonl", "logs/node-0.log", "model/model.safetensors"]
    verified = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=out, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    (out / "events.jsonl").write_text('{"type": "error"}\n')
    assert subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=out, capture_output=True).returncode == 1
