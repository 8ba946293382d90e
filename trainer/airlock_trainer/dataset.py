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
from .tasks import LABEL, Task

log = logging.getLogger("airlock_trainer")

READERS = {
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"delimiter": "\t"}),
    ".jsonl": ("json", {}),
    ".json": ("json", {}),
    ".parquet": ("parquet", {}),
}
TEXT = "text"
Progress = Callable[[str, float | None], None]


@dataclasses.dataclass
class Tables:
    """Cleaned splits with columns text and label (as the task parses labels)."""

    train: object
    val: object
    test: object | None


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


def clean(table, data: dict, field: str, name: str, task: Task):
    """Keeps text and label (as the task parses it), dropping rows where either is missing."""
    columns = list(table.column_names)
    for setting in ("text_column", "label_column"):
        if data[setting] not in columns:
            raise AirlockError("DATASET_COLUMN_MISSING", f"The column '{data[setting]}' is not in {name}. "
                               f"Columns found: {', '.join(columns)}.",
                               hint=f"Set data.{setting} to one of: {', '.join(columns)}.", field=f"data.{setting}")
    import datasets

    text_column, label_column = data["text_column"], data["label_column"]

    def parse(batch: dict) -> dict:
        texts = [None if value is None or str(value).strip() == "" else str(value) for value in batch[text_column]]
        return {TEXT: texts, LABEL: [task.parse(value) for value in batch[label_column]]}

    features = datasets.Features({TEXT: datasets.Value("string"), LABEL: task.label_feature()})
    table = table.map(parse, batched=True, remove_columns=columns, features=features, desc=None)
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


def load_tables(config: dict, task: Task, base_dirs: list[str], cache_dir: str, progress: Progress) -> Tables:
    """Reads, cleans and splits train/val/test as the config says; fits the task on the training file's labels."""
    data, seed = config["data"], config["training"]["seed"]
    train_path = resolve_data_path(data["train_path"], "data.train_path", base_dirs)
    paths = {"val": data["val_path"], "test": data["test_path"]}
    resolved = {key: resolve_data_path(path, f"data.{key}_path", base_dirs) if path else None
                for key, path in paths.items()}
    progress(f"Reading {os.path.basename(train_path)}", 0.0)
    train = clean(read_table(train_path, "data.train_path", cache_dir), data, "data.train_path",
                  os.path.basename(train_path), task)
    task.fit(train[LABEL])
    if resolved["val"]:
        progress(f"Reading {os.path.basename(resolved['val'])}", 0.5)
        val = task.restrict(clean(read_table(resolved["val"], "data.val_path", cache_dir), data, "data.val_path",
                                  os.path.basename(resolved["val"]), task), "validation")
    else:
        keys = [task.split_key(label) for label in train[LABEL]]
        train_rows, val_rows = stratified_split(keys, data["val_split"], seed)
        if not val_rows:
            raise AirlockError("DATASET_EMPTY", "There are too few training rows to hold some out for validation.",
                               hint="Add rows, or set data.val_path to a separate validation file.",
                               field="data.train_path")
        train, val = train.select(train_rows), train.select(val_rows)
    test = None
    if resolved["test"]:
        progress(f"Reading {os.path.basename(resolved['test'])}", 0.8)
        test = task.restrict(clean(read_table(resolved["test"], "data.test_path", cache_dir), data, "data.test_path",
                                   os.path.basename(resolved["test"]), task), "test")
    progress(f"{len(train)} training, {len(val)} validation" + (f", {len(test)} test" if test is not None else "")
             + " rows", 1.0)
    return Tables(train=train, val=val, test=test)


def tokenize(table, tokenizer, max_length: int, task: Task, progress: Progress):
    """Fast batched tokenization with truncation and no padding; adds labels (the task's targets) and length columns."""
    total, done, last = max(1, len(table)), [0], [0.0]

    def encode(batch: dict) -> dict:
        encoded = tokenizer(batch[TEXT], truncation=True, max_length=max_length, padding=False)
        encoded = {key: value for key, value in encoded.items() if key in ("input_ids", "attention_mask", "token_type_ids")}
        encoded["labels"] = task.targets(batch[LABEL])
        encoded["length"] = [len(ids) for ids in encoded["input_ids"]]
        done[0] += len(batch[TEXT])
        if time.monotonic() - last[0] >= 0.5:
            last[0] = time.monotonic()
            progress(f"Tokenized {done[0]} of {total} rows", done[0] / total)
        return encoded

    return table.map(encode, batched=True, batch_size=1000, remove_columns=[TEXT, LABEL])
