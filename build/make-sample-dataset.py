#!/usr/bin/env python3
"""Build Airlock's bundled sample dataset from Princeton WordNet 3.0.

Reads the noun database of Debian's `wordnet-base` package (data.noun), takes
each synset's definition (the gloss without its quoted example sentences) and
labels it with the synset's lexicographer file (noun.animal, noun.food, ...).
A seeded draw picks a disjoint training and test set per class, so the output
is the same on every machine with the same WordNet files.

Usage:
    apt-get install -y wordnet-base
    python3 build/make-sample-dataset.py [--wordnet-dir /usr/share/wordnet] [--out resources/sample]

Standard library only: CI and the trainer venv are not needed to run it.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

# WordNet 3.0 lexicographer file numbers (lexnames(5WN)) for the classes we keep.
# Chosen to be well separated in meaning so a small model learns them quickly.
TOPICS = {
    5: "noun.animal",
    6: "noun.artifact",
    8: "noun.body",
    13: "noun.food",
    15: "noun.location",
    18: "noun.person",
    20: "noun.plant",
    28: "noun.time",
}
TRAIN_PER_CLASS = 300
TEST_PER_CLASS = 50
SEED = 20060101  # WordNet 3.0's year; any fixed value would do.
MIN_WORDS = 4  # glosses shorter than this ("a city", "any fish") carry too little text

# An example sentence is a double-quoted span after the definition, separated by ';'.
EXAMPLE = re.compile(r';?\s*"[^"]*"')


def clean_gloss(gloss: str) -> str:
    """Definition text of a gloss, without example sentences or trailing separators."""
    text = EXAMPLE.sub("", gloss)
    text = re.sub(r"\s+", " ", text).strip(" ;")
    return text


def read_synsets(data_file: Path) -> dict[str, list[tuple[str, str]]]:
    """Map each kept topic to its (id, definition) pairs, in file order."""
    by_topic: dict[str, list[tuple[str, str]]] = {name: [] for name in TOPICS.values()}
    seen: set[str] = set()
    with data_file.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith("  "):  # licence header lines
                continue
            fields, _, gloss = line.partition(" | ")
            parts = fields.split()
            offset, lex_filenum, pos = parts[0], int(parts[1]), parts[2]
            topic = TOPICS.get(lex_filenum)
            if topic is None:
                continue
            definition = clean_gloss(gloss)
            # Identical definitions under two labels (or twice under one) would
            # leak between train and test; keep only the first occurrence.
            if len(definition.split()) < MIN_WORDS or definition.lower() in seen:
                continue
            seen.add(definition.lower())
            by_topic[topic].append((f"wn30-{pos}-{offset}", definition))
    return by_topic


def split(by_topic: dict[str, list[tuple[str, str]]]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Draw disjoint train and test rows per topic with a fixed seed; rows are shuffled."""
    rng = random.Random(SEED)
    train: list[tuple[str, str, str]] = []
    test: list[tuple[str, str, str]] = []
    for topic in sorted(by_topic):
        pool = by_topic[topic]
        need = TRAIN_PER_CLASS + TEST_PER_CLASS
        if len(pool) < need:
            raise SystemExit(f"{topic}: only {len(pool)} usable synsets, need {need}")
        drawn = rng.sample(pool, need)
        train += [(sid, text, topic) for sid, text in drawn[:TRAIN_PER_CLASS]]
        test += [(sid, text, topic) for sid, text in drawn[TRAIN_PER_CLASS:]]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> None:
    """Write UTF-8 CSV with RFC 4180 quoting and CRLF line ends."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(["id", "definition", "topic"])
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet-dir", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "resources" / "sample")
    args = parser.parse_args()

    data_file = args.wordnet_dir / "data.noun"
    if not data_file.is_file():
        raise SystemExit(f"{data_file} not found: install Debian's wordnet-base (apt-get install wordnet-base)")
    train, test = split(read_synsets(data_file))
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "wordnet-topics.csv", train)
    write_csv(args.out / "wordnet-topics-test.csv", test)
    print(f"wrote {len(train)} training rows and {len(test)} test rows to {args.out}")


if __name__ == "__main__":
    main()
