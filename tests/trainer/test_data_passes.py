"""No data pass twice: the rows each forward pass of a real run saw, counted inside the trainer process.

A wrapper runs `python -m airlock_trainer train` after hooking the model's word-embedding table (the
first nn.Embedding with a padding index), so every forward is counted with its rows and whether it
kept gradients. Counting rows, not events, catches a second validation pass however it is started.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

from conftest import ROOT, Result, train_args, trainer_env, write_config, write_dataset

COUNTER = """
import atexit, json, runpy, sys
import torch
from torch import nn

counts = {"train_rows": 0, "eval_rows": 0, "eval_forwards": 0, "largest_eval_batch": 0, "largest_train_batch": 0}
word_embeddings = []

def count(module, args):
    if not isinstance(module, nn.Embedding) or module.padding_idx is None:
        return
    if not word_embeddings:
        word_embeddings.append(module)
    if module is not word_embeddings[0]:
        return
    rows = int(args[0].shape[0])
    if torch.is_grad_enabled() and module.training:
        counts["train_rows"] += rows
        counts["largest_train_batch"] = max(counts["largest_train_batch"], rows)
    else:
        counts["eval_rows"] += rows
        counts["eval_forwards"] += 1
        counts["largest_eval_batch"] = max(counts["largest_eval_batch"], rows)

nn.modules.module.register_module_forward_pre_hook(count)
counts_file = sys.argv[1]
atexit.register(lambda: open(counts_file, "w").write(json.dumps(counts)))
sys.argv = ["airlock_trainer", *sys.argv[2:]]
runpy.run_module("airlock_trainer", run_name="__main__", alter_sys=True)
"""


def run_counted(tmp_path, *args: str) -> tuple[Result, dict]:
    """Runs the trainer under the counting wrapper; its events and the rows its forwards saw."""
    counts_file = tmp_path / "counts.json"
    completed = subprocess.run([sys.executable, "-c", COUNTER, str(counts_file), *args], capture_output=True,
                               text=True, env=trainer_env(), timeout=180, cwd=str(ROOT))
    result = Result(completed.returncode, completed.stdout, completed.stderr)
    assert result.returncode == 0, completed.stderr[-3000:]
    return result, json.loads(counts_file.read_text())


def test_validation_rows_are_scored_once_per_epoch_and_the_report_reuses_the_kept_pass(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 96, seed=1)
    val = write_dataset(tmp_path / "val", 40, seed=2)
    test = write_dataset(tmp_path / "test", 24, seed=3)
    config = write_config(tmp_path / "config.yaml", tiny_model, train,
                          data={"val_path": str(val), "test_path": str(test)}, training={"max_epochs": 2, "batch_size": 8})
    result, counts = run_counted(tmp_path, *train_args(config, tmp_path / "run"))

    epochs = result.of_type("epoch")
    assert len(epochs) == 2
    # two epochs of training rows, one validation pass per epoch, one test pass: nothing scored twice
    assert counts["train_rows"] == 2 * 96
    assert counts["eval_rows"] == 2 * 40 + 24, counts
    assert "validating" not in {event["stage"] for event in result.of_type("progress")}
    # evaluation keeps no gradients, so it runs in batches larger than training's
    assert counts["largest_train_batch"] == 8 and counts["largest_eval_batch"] == 16
    assert counts["eval_forwards"] == 2 * math.ceil(40 / 16) + math.ceil(24 / 16)

    # the final validation metrics are those of the epoch whose checkpoint was kept as the best
    best_step = [event for event in result.of_type("checkpoint") if event["kind"] == "best"][-1]["step"]
    kept = next(event for event in epochs if event["step"] == best_step)["metrics"]
    final = result.last["metrics"]
    assert {name: final[name] for name in kept if name.startswith("val/")} == \
        {name: value for name, value in kept.items() if name.startswith("val/")}
    assert result.last["details"]["best_checkpoint"] == str(tmp_path / "run" / "checkpoints" / "best.ckpt")


def test_a_run_stopped_before_any_validation_scores_the_validation_rows_once(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 96, seed=1)
    val = write_dataset(tmp_path / "val", 40, seed=2)
    config = write_config(tmp_path / "config.yaml", tiny_model, train, data={"val_path": str(val)},
                          training={"max_epochs": 1, "max_steps": 3, "batch_size": 8})
    result, counts = run_counted(tmp_path, *train_args(config, tmp_path / "run"))

    assert result.of_type("epoch") == []  # max_steps ended the epoch before its validation
    assert counts["train_rows"] == 3 * 8 and counts["eval_rows"] == 40, counts
    assert "validating" in {event["stage"] for event in result.of_type("progress")}
    assert "val/accuracy" in result.last["metrics"]
