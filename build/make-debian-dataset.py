"""Builds the bench's second dataset: Debian package descriptions labelled by their archive section.

Usage: python build/make-debian-dataset.py OUT_DIR [--status /var/lib/dpkg/status] [--min-rows 20]

Source: the dpkg database of the machine it runs on (/var/lib/dpkg/status, written by dpkg, package
`dpkg`). Each installed package's entry carries its Section and its Description: a one-line synopsis
and a paragraph or more of prose, so the texts are several times longer than the sample's one-line
WordNet definitions. Licence: every description is part of its package's control data and ships
under that package's licence (see /usr/share/doc/<package>/copyright); packages from Debian main are
DFSG-free. The files are built at bench time and never committed.

Writes debian-train.csv, debian-val.csv and debian-test.csv (columns package, description, section)
to OUT_DIR: sections with fewer than --min-rows packages are left out, and every package goes to one
split by a hash of its name (80/10/10), so the split is the same on every run on the same machine.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
from collections import Counter


def read_status(path: str) -> list[dict[str, str]]:
    """The stanzas of a dpkg status file, each field's continuation lines joined as dpkg shows them."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    stanzas = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        name = None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and name:
                # continuation: " ." is an empty line in the long description
                part = line.strip()
                fields[name] += "\n" + ("" if part == "." else part)
            elif ":" in line:
                name, value = line.split(":", 1)
                fields[name] = value.strip()
        if fields.get("Package"):
            stanzas.append(fields)
    return stanzas


def description_text(description: str) -> str:
    """Synopsis and long description as one text: paragraphs joined by spaces."""
    return " ".join(part.strip() for part in description.split("\n") if part.strip())


def split_of(package: str) -> str:
    """train, val or test from a hash of the package name (80/10/10)."""
    bucket = int(hashlib.sha256(package.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--status", default="/var/lib/dpkg/status")
    parser.add_argument("--min-rows", type=int, default=20, help="leave out sections with fewer packages")
    args = parser.parse_args()

    rows = {}
    for stanza in read_status(args.status):
        section = stanza.get("Section", "").split("/")[-1]  # contrib/libs and non-free/libs are libs
        description = description_text(stanza.get("Description", ""))
        if section and description:
            rows[stanza["Package"]] = (description, section)  # one row per package name (multi-arch twins)
    counts = Counter(section for _, section in rows.values())
    kept = {section for section, count in counts.items() if count >= args.min_rows}
    os.makedirs(args.out_dir, exist_ok=True)
    files = {split: open(os.path.join(args.out_dir, f"debian-{split}.csv"), "w", newline="", encoding="utf-8")
             for split in ("train", "val", "test")}
    writers = {split: csv.writer(handle) for split, handle in files.items()}
    for writer in writers.values():
        writer.writerow(["package", "description", "section"])
    written = Counter()
    for package in sorted(rows):
        description, section = rows[package]
        if section in kept:
            split = split_of(package)
            writers[split].writerow([package, description, section])
            written[split] += 1
    for handle in files.values():
        handle.close()
    print(f"{sum(written.values())} packages in {len(kept)} sections ({', '.join(sorted(kept))}): "
          f"{written['train']} train, {written['val']} val, {written['test']} test rows in {args.out_dir}")


if __name__ == "__main__":
    main()
