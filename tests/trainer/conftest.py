"""Shared fixtures: the tiny model, tiny datasets, and a trainer runner that checks every event."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TRAINER_DIR = ROOT / "trainer"
SCHEMA_DIR = ROOT / "schemas" / "json"
sys.path.insert(0, str(TRAINER_DIR))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from make_tiny_model import make_tiny_model  # noqa: E402

EVENT_VALIDATOR = jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / "trainer-event.schema.json").read_text()))
WORDS = {
    "pos": "good great wonderful amazing excellent loved happy perfect friendly helpful".split(),
    "neg": "bad terrible awful boring rude cold broken hated sad late".split(),
    "neu": "the train station weather park book music phone market team".split(),
}
FILLER = "the movie was and a film service food this product is it".split()


def check_events(lines: list[str]) -> list[dict]:
    """Parses stdout lines; every line must be a schema-valid event, seq from 0, one terminal event last."""
    events = []
    for line in lines:
        event = json.loads(line)
        errors = sorted(EVENT_VALIDATOR.iter_errors(event), key=str)
        assert not errors, f"event does not match the schema: {event}\n{errors[0]}"
        events.append(event)
    assert [event["seq"] for event in events] == list(range(len(events)))
    terminal = [event for event in events if event["type"] in ("finished", "error")]
    assert len(terminal) == 1 and events[-1] is terminal[0], [event["type"] for event in events]
    return events


def trainer_env(extra: dict | None = None) -> dict:
    """Environment for a trainer subprocess: package on the path, one thread (steadier on shared CI cores)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "AIRLOCK_"))}
    env.update({"PYTHONPATH": str(TRAINER_DIR), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


class Result:
    """A finished trainer process: its events, stderr and exit code."""

    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stderr = returncode, stderr
        self.events = check_events(stdout.splitlines())
        self.last = self.events[-1]

    def of_type(self, event_type: str) -> list[dict]:
        return [event for event in self.events if event["type"] == event_type]


def run_trainer(*args: str, env: dict | None = None, timeout: float = 120) -> Result:
    """Runs `python -m airlock_trainer ...` and checks its event stream."""
    completed = subprocess.run([sys.executable, "-m", "airlock_trainer", *args], capture_output=True, text=True,
                               env=trainer_env(env), timeout=timeout, cwd=str(ROOT))
    result = Result(completed.returncode, completed.stdout, completed.stderr)
    assert (result.returncode == 0) == (result.last["type"] == "finished"), completed.stderr[-3000:]
    return result


def cancel_after_first_step(config, run_dir) -> Result:
    """Starts `train`, sends SIGINT (as Ctrl-C or the app's Cancel) once the first step event arrives, and returns
    the whole event stream of the cancelled run."""
    process = subprocess.Popen([sys.executable, "-m", "airlock_trainer", *train_args(config, run_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=trainer_env(), cwd=str(ROOT))
    lines = []
    for line in process.stdout:
        lines.append(line)
        if json.loads(line)["type"] == "step":
            process.send_signal(signal.SIGINT)
            break
    lines.extend(process.stdout)
    stderr = process.stderr.read()
    process.wait(timeout=60)
    return Result(process.returncode, "".join(lines), stderr)


def train_args(config, run_dir, run_id="run-1", resume=False) -> list[str]:
    """The `train` command line for a config and run folder."""
    return ["train", "--config", str(config), "--run-dir", str(run_dir), "--run-id", run_id] + (["--resume"] if resume else [])


def text_for(label: str, rng: random.Random) -> str:
    """A short synthetic sentence that leans towards its label's words."""
    count = rng.randint(3, 30)
    return " ".join(rng.choice(WORDS[label] if rng.random() < 0.5 else FILLER) for _ in range(count))


def write_table(folder: Path, columns: list[str], rows: list[list], labels: dict | None = None) -> Path:
    """A canonical table as import writes it (electron/services/datasets/canonical-table.ts), for trainer tests.

    `labels` maps a column to the reading of its derived label column: {"kind": "separated", "separator": "|"}
    splits the cells; any other kind ("number", "list", "vector") stores the test's cells as given, so
    give them in canonical form. tests/contract/one-reading.test.ts holds import to this shape by running
    real files through import and this package's reader.
    """
    labels = labels or {}
    folder.mkdir(parents=True, exist_ok=True)

    def derive(cell, reading):
        if cell is None or reading["kind"] != "separated":
            return cell
        return list(dict.fromkeys(part.strip() for part in cell.split(reading["separator"]) if part.strip()))

    with open(folder / "table.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            extra = [derive(row[columns.index(column)], reading) for column, reading in labels.items()]
            handle.write(json.dumps(list(row) + extra) + "\n")
    schema = {"format": "airlock-table", "version": 1, "rows": len(rows), "source": f"{folder.name}.csv",
              "columns": [{"name": name, "type": "text"} for name in columns],
              "labels": [{"column": column, "index": len(columns) + offset, "reading": reading}
                         for offset, (column, reading) in enumerate(labels.items())]}
    (folder / "table.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return folder


def write_csv(path: Path, rows: int, seed: int = 0, labels=("pos", "neg", "neu")) -> Path:
    """A labelled CSV of synthetic sentences: a user's file, for tests that import it through the CLI."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for _ in range(rows):
            label = rng.choice(labels)
            writer.writerow([text_for(label, rng), label])
    return path


def write_dataset(folder: Path, rows: int, seed: int = 0, labels=("pos", "neg", "neu"), columns=("text", "label")) -> Path:
    """A canonical table of synthetic labelled sentences."""
    rng = random.Random(seed)
    cells = []
    for _ in range(rows):
        label = rng.choice(labels)
        cells.append([text_for(label, rng), label])
    return write_table(folder, list(columns), cells)


def write_config(path: Path, model_name: str, train: Path, **sections) -> Path:
    """A run config YAML; keyword arguments update the data/training/model sections."""
    config = {
        "model": {"name": model_name},
        "data": {"train_path": str(train), "text_column": "text", "label_column": "label", "max_length": 48},
        "training": {"max_epochs": 1, "batch_size": 8, "learning_rate": 1e-3, "seed": 7},
    }
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """The tiny BERT base model folder, built once per session."""
    return make_tiny_model(str(tmp_path_factory.mktemp("tiny-bert")))
