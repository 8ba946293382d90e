"""The SFT benchmark's data: deterministic prompt/completion JSONL files made from the shipped WordNet sample.

    .venv/bin/python tests/bench/sft_data.py <folder> [--train-rows N] [--val-rows N]

Each row is one of four small tasks on a definition of resources/sample (chosen by a seeded generator), so rows
differ in length as real instruction data does (a one-word answer, a copied sentence, three sentences joined):
- topic: which WordNet topic the definition belongs to (a word or two);
- capitals: the definition in capital letters;
- reverse: the definition's words in reverse order;
- join: three definitions written as one paragraph.
The training rows come from wordnet-topics.csv, the validation rows from wordnet-topics-test.csv. The same
arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample"
SEED = 42


def _definitions(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [(row["definition"], row["topic"]) for row in csv.DictReader(handle)]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def make_rows(definitions: list[tuple[str, str]], count: int, seed: int) -> list[dict]:
    """`count` prompt/completion rows drawn from `definitions` with a seeded generator."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        task = rng.choice(("topic", "capitals", "reverse", "join"))
        text, topic = rng.choice(definitions)
        if task == "topic":
            prompt = f"Which WordNet topic does this definition belong to?\n{text}"
            completion = topic.split(".", 1)[1]
        elif task == "capitals":
            prompt, completion = f"Write this definition in capital letters: {text}", text.upper()
        elif task == "reverse":
            prompt, completion = f"Write the words of this definition in reverse order: {text}", " ".join(reversed(text.split()))
        else:
            picked = [text] + [rng.choice(definitions)[0] for _ in range(2)]
            prompt = "Join these definitions into one paragraph:\n" + "\n".join(f"- {item}" for item in picked)
            completion = " ".join(_sentence(item) for item in picked)
        rows.append({"prompt": prompt, "completion": completion})
    return rows


def write(folder: Path, train_rows: int, val_rows: int) -> dict[str, Path]:
    """sft-train.jsonl and sft-val.jsonl in `folder`, each beside its canonical table (sft-train/, sft-val/);
    returns {"train": file, "val": file, "train_table": folder, "val_table": folder}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, source, count, seed in (("train", "wordnet-topics.csv", train_rows, SEED),
                                       ("val", "wordnet-topics-test.csv", val_rows, SEED + 1)):
        rows = make_rows(_definitions(SAMPLE / source), count, seed)
        path = folder / f"sft-{name}.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        files[name] = path
        files[f"{name}_table"] = write_table(folder / f"sft-{name}", path.name, rows)
    return files


def write_table(folder: Path, source: str, rows: list[dict]) -> Path:
    """The canonical table `airlock import` writes for a prompt/completion file (electron/services/datasets/
    canonical-table.ts; trainer/airlock_trainer/table.py reads it): one JSON array per row, and its schema."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = ["prompt", "completion"]
    with open(folder / "table.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps([row[column] for column in columns], ensure_ascii=False) + "\n")
    schema = {"format": "airlock-table", "version": 1, "rows": len(rows), "source": source,
              "columns": [{"name": name, "type": "text"} for name in columns], "labels": []}
    (folder / "table.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return folder


def corpus() -> list[str]:
    """Every text the tasks can produce pieces of, for training the bench model's tokenizer."""
    texts = []
    for source in ("wordnet-topics.csv", "wordnet-topics-test.csv"):
        for text, topic in _definitions(SAMPLE / source):
            texts += [text, text.upper(), " ".join(reversed(text.split())), _sentence(text), topic.split(".", 1)[1]]
    return texts + ["Which WordNet topic does this definition belong to?", "Write this definition in capital letters:",
                    "Write the words of this definition in reverse order:", "Join these definitions into one paragraph:"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--train-rows", type=int, default=1024)
    parser.add_argument("--val-rows", type=int, default=64)
    options = parser.parse_args()
    for path in write(options.folder, options.train_rows, options.val_rows).values():
        print(path)
