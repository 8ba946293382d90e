"""Reads supervised fine-tuning rows (model.task causal_lm) from canonical tables, checked row by row.

Each row becomes one normalised example {row, prompt, input, completion, messages, text} (the fields its
data.format uses; `row` is the 1-based row number in the file, for messages). Bad rows stop the run with a
code naming the row: a prompt/completion row with an empty completion (SFT_COMPLETION_EMPTY), a chat that is
not a list of turns, has an unknown role or no assistant answer (CHAT_*). Rows whose prompt is empty are
left out with a count, as the other tasks leave out empty texts.
"""

from __future__ import annotations

import logging
import random

from .dataset import Tables, display_name, resolve_data_path
from .errors import AirlockError
from .rows import Rows
from .sft_format import parse_messages
from .table import Table, read_table

log = logging.getLogger("airlock_trainer")

EXAMPLE = "example"
_FIELDS = {"prompt_completion": ("prompt_column", "completion_column"), "chat": ("messages_column",), "text": ("text_column",)}


def _column(table: Table, data: dict, key: str) -> int:
    name = data[key]
    if name not in table.columns:
        raise AirlockError("SFT_COLUMN_MISSING", f"{display_name(table)} has no column '{name}' (data.{key}). "
                           f"Columns found: {', '.join(table.columns)}.",
                           hint=f"Set data.{key} to one of: {', '.join(table.columns)}.", field=f"data.{key}")
    return table.columns.index(name)


def _text(cell) -> str | None:
    if cell is None:
        return None
    return cell if isinstance(cell, str) else "\n".join(str(part) for part in cell)


def read_examples(table: Table, data: dict) -> list[dict]:
    """The table's rows as examples of data.format; raises on the first bad row."""
    fmt = data["format"]
    indices = [_column(table, data, key) for key in _FIELDS[fmt]]
    extra = _column(table, data, "input_column") if fmt == "prompt_completion" and data.get("input_column") else None
    examples, skipped = [], 0
    for number, cells in enumerate(table.iter_rows(), start=1):
        if fmt == "prompt_completion":
            prompt, completion = _text(cells[indices[0]]), _text(cells[indices[1]])
            if not prompt or not prompt.strip():
                skipped += 1
                continue
            if not completion or not completion.strip():
                raise AirlockError("SFT_COMPLETION_EMPTY", f"{display_name(table)}, row {number}: the completion "
                                   f"('{data['completion_column']}') is empty, so there is nothing to learn.",
                                   hint="Fill in the answer, or remove the row.", field="data.completion_column")
            examples.append({"row": number, "prompt": prompt, "completion": completion,
                             "input": _text(cells[extra]) if extra is not None else None})
        elif fmt == "chat":
            if cells[indices[0]] is None:
                skipped += 1
                continue
            examples.append({"row": number, "messages": parse_messages(cells[indices[0]], number, data["messages_column"])})
        else:
            text = _text(cells[indices[0]])
            if not text or not text.strip():
                skipped += 1
                continue
            examples.append({"row": number, "text": text})
    if skipped:
        log.warning("%s: left out %d of %d rows with an empty prompt or text", display_name(table), skipped, table.rows)
    if not examples:
        raise AirlockError("DATASET_EMPTY", f"{display_name(table)} has no rows to learn from.",
                           hint="Check data.format and the columns it names.", field="data.train_path")
    return examples


def load_sft_tables(config: dict, base_dirs: list[str], progress) -> Tables:
    """train/val/test examples as the config says; without val_path a seeded val_split of the training rows."""
    data, seed = config["data"], config["training"]["seed"]
    folders: dict[str, str] = {}

    def read(key: str) -> Rows:
        field = f"data.{key}_path"
        table = read_table(resolve_data_path(data[f"{key}_path"], field, base_dirs), field)
        folders[key] = table.folder
        progress(f"Reading {display_name(table)}", {"train": 0.0, "val": 0.5, "test": 0.8}[key])
        return Rows({EXAMPLE: read_examples(table, data)})

    train = read("train")
    if data["val_path"]:
        val = read("val")
    else:
        order = list(range(len(train)))
        random.Random(seed).shuffle(order)
        take = max(1, round(len(order) * data["val_split"]))
        if len(order) - take < 1:
            raise AirlockError("DATASET_EMPTY", "There are too few training rows to hold some out for validation.",
                               hint="Add rows, or set data.val_path to a separate validation file.", field="data.train_path")
        train, val = train.select(sorted(order[take:])), train.select(sorted(order[:take]))
    test = read("test") if data["test_path"] else None
    folders.setdefault("val", folders["train"])
    progress(f"{len(train)} training, {len(val)} validation" + (f", {len(test)} test" if test is not None else "")
             + " rows", 1.0)
    return Tables(train=train, val=val, test=test, folders=folders)
