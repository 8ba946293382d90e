"""Reads training tables with Hugging Face `datasets`, cleans them, splits them and tokenizes them.

No Lightning here: data problems are reported before the heavy training imports.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import time
from typing import Callable

from .errors import AirlockError

log = logging.getLogger("airlock_trainer")

READERS = {
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"delimiter": "\t"}),
    ".jsonl": ("json", {}),
    ".json": ("json", {}),
    ".parquet": ("parquet", {}),
}
TEXT, LABEL = "text", "label"
Progress = Callable[[str, float | None], None]


@dataclasses.dataclass
class Tables:
    """Cleaned splits with columns text and label (strings), and the sorted label set."""

    train: object
    val: object
    test: object | None
    labels: list[str]


def resolve_data_path(path: str, field: str, base_dirs: list[str]) -> str:
    """A data file: a path (absolute or relative to base_dirs), or the single data file of a dataset id folder."""
    candidates = [path] if os.path.isabs(path) else [os.path.join(base, path) for base in base_dirs]
    home = os.environ.get("AIRLOCK_HOME")
    if home and not os.path.isabs(path):
        candidates.append(os.path.join(home, "datasets", path))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
        if os.path.isdir(candidate):
            files = sorted(name for name in os.listdir(candidate) if os.path.splitext(name)[1].lower() in READERS)
            if len(files) == 1:
                return os.path.abspath(os.path.join(candidate, files[0]))
            raise AirlockError("DATASET_NOT_FOUND", f"The dataset folder {candidate} holds {len(files)} data files; "
                               "one was expected.", hint=f"Set {field} to one data file.", field=field)
    raise AirlockError("DATASET_NOT_FOUND", f"The data file {path} does not exist.",
                       hint=f"Set {field} to an existing CSV, TSV, JSONL or Parquet file, or a dataset id.", field=field)


def read_table(path: str, field: str, cache_dir: str):
    """Loads one file into a datasets.Dataset, chosen by extension."""
    import datasets

    extension = os.path.splitext(path)[1].lower()
    if extension not in READERS:
        raise AirlockError("DATASET_FORMAT_UNSUPPORTED", f"{os.path.basename(path)} is not a CSV, TSV, JSONL or "
                           "Parquet file.", hint=f"Convert the data, or set {field} to a .csv, .tsv, .jsonl or "
                           ".parquet file.", field=field)
    builder, options = READERS[extension]
    try:
        return datasets.load_dataset(builder, data_files=path, split="train", cache_dir=cache_dir, **options)
    except (datasets.exceptions.DatasetGenerationError, ValueError, OSError) as error:
        if isinstance(error, OSError) and getattr(error, "errno", None) == 28:
            raise
        cause = error.__cause__ or error
        code = {"json": "DATASET_JSONL_INVALID_LINE", "parquet": "DATASET_PARQUET_INVALID"}.get(builder, "FILE_UNREADABLE")
        raise AirlockError(code, f"{os.path.basename(path)} could not be read: {cause}",
                           hint="Check the file in a spreadsheet or text editor, or import it again with `airlock "
                                "datasets import` to see what is wrong.", field=field) from None


def _label_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN from pandas for an empty cell
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None


def clean(table, data: dict, field: str, name: str):
    """Keeps text and label (as strings), dropping rows where either is missing."""
    columns = list(table.column_names)
    for setting in ("text_column", "label_column"):
        if data[setting] not in columns:
            raise AirlockError("DATASET_COLUMN_MISSING", f"The column '{data[setting]}' is not in {name}. "
                               f"Columns found: {', '.join(columns)}.",
                               hint=f"Set data.{setting} to one of: {', '.join(columns)}.", field=f"data.{setting}")
    text_column, label_column = data["text_column"], data["label_column"]

    def to_strings(batch: dict) -> dict:
        texts = [None if value is None or str(value).strip() == "" else str(value) for value in batch[text_column]]
        return {TEXT: texts, LABEL: [_label_text(value) for value in batch[label_column]]}

    table = table.map(to_strings, batched=True, remove_columns=columns, desc=None)
    before = len(table)
    table = table.filter(lambda batch: [t is not None and l is not None for t, l in zip(batch[TEXT], batch[LABEL])],
                         batched=True)
    if len(table) < before:
        log.warning("%s: dropped %d of %d rows with an empty text or label", name, before - len(table), before)
    if len(table) == 0:
        raise AirlockError("DATASET_EMPTY", f"{name} has no rows with both a text and a label.",
                           hint=f"Check that {text_column} and {label_column} are the right columns and hold values.",
                           field=field)
    return table


def stratified_split(labels: list[str], share: float, seed: int) -> tuple[list[int], list[int]]:
    """Row indices (train, val): `share` of each label held out with the seed, at least one validation row."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
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


def load_tables(config: dict, base_dirs: list[str], cache_dir: str, progress: Progress) -> Tables:
    """Reads, cleans and splits train/val/test as the config says; labels come from the training rows."""
    data, seed = config["data"], config["training"]["seed"]
    train_path = resolve_data_path(data["train_path"], "data.train_path", base_dirs)
    paths = {"val": data["val_path"], "test": data["test_path"]}
    resolved = {key: resolve_data_path(path, f"data.{key}_path", base_dirs) if path else None
                for key, path in paths.items()}
    progress(f"Reading {os.path.basename(train_path)}", 0.0)
    train = clean(read_table(train_path, "data.train_path", cache_dir), data, "data.train_path",
                  os.path.basename(train_path))
    labels = sorted(set(train[LABEL]))
    if len(labels) < 2:
        raise AirlockError("LABEL_COLUMN_SINGLE_CLASS", f"The label column '{data['label_column']}' has only one "
                           f"value ({labels[0]!r}); a classifier needs at least two.",
                           hint="Pick another data.label_column, or add rows with other labels.",
                           field="data.label_column")
    if resolved["val"]:
        progress(f"Reading {os.path.basename(resolved['val'])}", 0.5)
        val = _known_labels(clean(read_table(resolved["val"], "data.val_path", cache_dir), data, "data.val_path",
                                  os.path.basename(resolved["val"])), labels, "validation")
    else:
        train_rows, val_rows = stratified_split(train[LABEL], data["val_split"], seed)
        if not val_rows:
            raise AirlockError("DATASET_EMPTY", "There are too few training rows to hold some out for validation.",
                               hint="Add rows, or set data.val_path to a separate validation file.",
                               field="data.train_path")
        train, val = train.select(train_rows), train.select(val_rows)
    test = None
    if resolved["test"]:
        progress(f"Reading {os.path.basename(resolved['test'])}", 0.8)
        test = _known_labels(clean(read_table(resolved["test"], "data.test_path", cache_dir), data, "data.test_path",
                                   os.path.basename(resolved["test"])), labels, "test")
    progress(f"{len(train)} training, {len(val)} validation" + (f", {len(test)} test" if test is not None else "")
             + " rows", 1.0)
    return Tables(train=train, val=val, test=test, labels=labels)


def _known_labels(table, labels: list[str], name: str):
    known = set(labels)
    kept = table.filter(lambda batch: [label in known for label in batch[LABEL]], batched=True)
    if len(kept) < len(table):
        log.warning("%s data: dropped %d rows whose label never occurs in the training data", name, len(table) - len(kept))
    if len(kept) == 0:
        raise AirlockError("DATASET_EMPTY", f"No {name} row has a label seen in the training data.",
                           hint="Check that the files use the same label column and values.",
                           field=f"data.{'val' if name == 'validation' else name}_path")
    return kept


def tokenize(table, tokenizer, max_length: int, labels: list[str], progress: Progress):
    """Fast batched tokenization with truncation and no padding; adds labels (ids) and length columns."""
    label_ids = {label: index for index, label in enumerate(labels)}
    total, done, last = max(1, len(table)), [0], [0.0]

    def encode(batch: dict) -> dict:
        encoded = tokenizer(batch[TEXT], truncation=True, max_length=max_length, padding=False)
        encoded = {key: value for key, value in encoded.items() if key in ("input_ids", "attention_mask", "token_type_ids")}
        encoded["labels"] = [label_ids[label] for label in batch[LABEL]]
        encoded["length"] = [len(ids) for ids in encoded["input_ids"]]
        done[0] += len(batch[TEXT])
        if time.monotonic() - last[0] >= 0.5:
            last[0] = time.monotonic()
            progress(f"Tokenized {done[0]} of {total} rows", done[0] / total)
        return encoded

    return table.map(encode, batched=True, batch_size=1000, remove_columns=[TEXT, LABEL])
