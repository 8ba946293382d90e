"""Reads training tables from Airlock's canonical tables, splits them and tokenizes them.

The canonical table (table.py) is the only input: import wrote it, so the rows, texts and labels
here are exactly those import showed. No Lightning here: data problems are reported before the
heavy training imports.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import time
from typing import Callable

from .errors import AirlockError
from .rows import Rows
from .table import Table, read_table
from .tasks import LABEL, Task

log = logging.getLogger("airlock_trainer")

TEXT = "text"
SPLIT = "split"  # the column import writes for a folder with train/validation/test split folders
Progress = Callable[[str, float | None], None]


@dataclasses.dataclass
class Tables:
    """Cleaned splits with columns text and label (as the task reads labels)."""

    train: Rows
    val: Rows
    test: Rows | None
    folders: dict[str, str] = dataclasses.field(default_factory=dict)  # split -> the table folder it came from
    media: str | None = None  # "image" or "audio": the text column holds file paths


def resolve_data_path(path: str, field: str, base_dirs: list[str]) -> str:
    """A dataset: a path (absolute or relative to base_dirs) or a dataset id under AIRLOCK_HOME/datasets."""
    candidates = [path] if os.path.isabs(path) else [os.path.join(base, path) for base in base_dirs]
    home = os.environ.get("AIRLOCK_HOME")
    if home and not os.path.isabs(path):
        candidates.append(os.path.join(home, "datasets", path))
    for candidate in candidates:
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    raise AirlockError("DATASET_NOT_FOUND", f"The dataset {path} does not exist.",
                       hint=f"Set {field} to a dataset id from `airlock datasets`, or import the file first.", field=field)


def display_name(table: Table) -> str:
    """The table's path, as the config named it: the app's supervisor shows it as the dataset's name."""
    return table.path


def media_folder(table: Table) -> str | None:
    """The folder holding an image or audio dataset's files (its `file` cells are relative to it); None for text."""
    media = table.schema.get("media")
    return os.path.join(table.folder, media["files"]) if media else None


def clean(table: Table, data: dict, field: str, task: Task, split: str | None = None) -> Rows:
    """The rows with both a text and a label: columns text and the task's labels.

    For an image or audio dataset the text is the absolute path of each row's file; with `split`,
    only the rows its split folder put in that split (train, validation or test).
    """
    name = display_name(table)
    text_index = table.index(data["text_column"], "data.text_column")
    label_index = task.label_cells(*table.label_readings(data["label_column"], "data.label_column"))
    files = media_folder(table)
    texts, labels = [], []
    split_index = table.columns.index(SPLIT) if split and SPLIT in table.columns else None
    for text, label, *in_split in table.cells(text_index, label_index, *([split_index] if split_index is not None else [])):
        if text is None or label is None or (in_split and in_split[0] != split):
            continue
        if files is not None:  # an image or audio dataset: the cell names a file stored with it
            texts.append(os.path.join(files, *text.split("/")))
        else:  # a list in a text column reads as import profiled it: compact JSON
            texts.append(text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, separators=(",", ":")))
        labels.append(task.parse(label))
    dropped = table.rows - len(texts)
    if dropped:
        log.warning("%s: left out %d of %d rows with an empty text or label", name, dropped, table.rows)
    if not texts:
        raise AirlockError("DATASET_EMPTY", f"{name} has no rows with both a text and a label.",
                           hint=f"Check that {data['text_column']} and {data['label_column']} are the right columns "
                                "and hold values.", field=field)
    return Rows({TEXT: texts, LABEL: labels})


def stratified_split(keys: list[str], share: float, seed: int) -> tuple[list[int], list[int]]:
    """Row indices (train, val): `share` of each key (label) held out with the seed, at least one validation row."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(keys):
        by_label.setdefault(label, []).append(index)
    train, val = [], []
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        # a class with one row must stay in training, or the model never sees it
        take = min(len(rows) - 1, round(len(rows) * share))
        val.extend(rows[:take])
        train.extend(rows[take:])
    if not val and len(train) > 1:
        rng.shuffle(train)
        val.append(train.pop())
    return sorted(train), sorted(val)


def load_tables(config: dict, task: Task, base_dirs: list[str], progress: Progress) -> Tables:
    """Reads, cleans and splits train/val/test as the config says; fits the task on the training rows' labels."""
    data, seed = config["data"], config["training"]["seed"]
    folders: dict[str, str] = {}

    def read(key: str, split: str | None = None):
        field = f"data.{key}_path"
        table = read_table(resolve_data_path(data[f"{key}_path"], field, base_dirs), field)
        folders[key] = table.folder
        progress(f"Reading {display_name(table)}", {"train": 0.0, "val": 0.5, "test": 0.8}[key])
        return clean(table, data, field, task, split)

    # A folder imported with split folders carries them in its split column: the config's own files come first.
    splits = _split_folders(data, base_dirs)
    train = read("train", "train" if splits else None)
    task.fit(train[LABEL])
    if not data["val_path"] and "validation" in splits:
        data = {**data, "val_path": data["train_path"]}
        val = task.restrict(read("val", "validation"), "validation")
    elif data["val_path"]:
        val = task.restrict(read("val"), "validation")
    else:
        keys = [task.split_key(label) for label in train[LABEL]]
        train_rows, val_rows = stratified_split(keys, data["val_split"], seed)
        if not val_rows:
            raise AirlockError("DATASET_EMPTY", "There are too few training rows to hold some out for validation.",
                               hint="Add rows, or set data.val_path to a separate validation file.",
                               field="data.train_path")
        train, val = train.select(train_rows), train.select(val_rows)
    test = None
    if not data["test_path"] and "test" in splits:
        data = {**data, "test_path": data["train_path"]}
        test = task.restrict(read("test", "test"), "test")
    elif data["test_path"]:
        test = task.restrict(read("test"), "test")
    progress(f"{len(train)} training, {len(val)} validation" + (f", {len(test)} test" if test is not None else "")
             + " rows", 1.0)
    folders.setdefault("val", folders["train"])  # held out from the training table
    kind = read_table(resolve_data_path(data["train_path"], "data.train_path", base_dirs), "data.train_path").schema.get("media")
    return Tables(train=train, val=val, test=test, folders=folders, media=kind["kind"] if kind else None)


def _split_folders(data: dict, base_dirs: list[str]) -> list[str]:
    """The splits an imported folder's split column holds (empty when it has none)."""
    table = read_table(resolve_data_path(data["train_path"], "data.train_path", base_dirs), "data.train_path")
    if SPLIT not in table.columns or not table.schema.get("media"):
        return []
    return sorted({row[0] for row in table.cells(table.columns.index(SPLIT)) if row[0]})


def tokenize(table: Rows, tokenizer, max_length: int, task: Task, progress: Progress, cache=None) -> Rows:
    """Token ids (truncated, not padded) with labels (the task's targets) and length columns.

    With a TokenCache, texts tokenized before with the same tokenizer and max_length are read back
    instead (cache.hits counts those reads).
    """
    texts = table[TEXT]
    columns = cache.load(texts) if cache is not None else None
    if columns is None:
        columns = _encode(texts, tokenizer, max_length, progress)
        if cache is not None:
            cache.save(texts, columns)
    else:
        cache.hits += 1
        progress(f"Read {len(texts)} tokenized rows from the cache", 1.0)
    columns["labels"] = task.targets(table[LABEL])
    columns["length"] = [len(ids) for ids in columns["input_ids"]]
    return Rows(columns)


TOKENIZE_BATCH = 1000  # texts per call of the fast (Rust) tokenizer: large enough to use it well, small for progress


def _encode(texts: list[str], tokenizer, max_length: int, progress: Progress) -> dict[str, list]:
    columns: dict[str, list] = {"input_ids": []}
    total, last = max(1, len(texts)), 0.0
    for start in range(0, len(texts), TOKENIZE_BATCH):
        encoded = tokenizer(texts[start:start + TOKENIZE_BATCH], truncation=True, max_length=max_length, padding=False)
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            if key in encoded:
                columns.setdefault(key, []).extend(encoded[key])
        done = min(len(texts), start + TOKENIZE_BATCH)
        if time.monotonic() - last >= 0.5:
            last = time.monotonic()
            progress(f"Tokenized {done} of {total} rows", done / total)
    return columns
