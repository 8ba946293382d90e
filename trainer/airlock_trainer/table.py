"""Reads Airlock's canonical tables: the one reading of a dataset that import writes.

Import (electron/services/datasets) is the only reader of a user's CSV, TSV, JSON or Parquet file.
It writes `table.jsonl` (one JSON array per row: one cell per column exactly as read, None, a string
or a list of strings; then the derived label columns, a column's labels as import read them:
canonical numbers, or lists of labels) and `table.schema.json` (the columns and the derived label
columns with their readings). Nothing here infers types or treats words as missing.
"""

from __future__ import annotations

import json
import os
from typing import Iterator

from .errors import AirlockError

TABLE_FILE = "table.jsonl"
SCHEMA_FILE = "table.schema.json"
Cell = "str | list[str] | None"


class Table:
    """One canonical table: its schema, and its rows read lazily, line by line."""

    def __init__(self, folder: str, schema: dict):
        self.folder, self.schema = folder, schema
        self.columns: list[str] = [column["name"] for column in schema["columns"]]
        self.rows: int = schema["rows"]
        self._derived = {entry["column"]: entry for entry in schema.get("labels", [])}

    @property
    def path(self) -> str:
        """The table.jsonl file."""
        return os.path.join(self.folder, TABLE_FILE)

    def index(self, column: str, field: str) -> int:
        """Position of a column; DATASET_COLUMN_MISSING naming `field` when there is none."""
        if column not in self.columns:
            raise AirlockError("DATASET_COLUMN_MISSING", f"The column '{column}' is not in the dataset. "
                               f"Columns found: {', '.join(self.columns)}.",
                               hint=f"Set {field} to one of: {', '.join(self.columns)}.", field=field)
        return self.columns.index(column)

    def label_readings(self, column: str, field: str) -> tuple[int, dict | None]:
        """A column's own position, and its derived label column ({index, reading}) when import made one."""
        return self.index(column, field), self._derived.get(column)

    def iter_rows(self) -> Iterator[list]:
        """Every row's cells, in file order."""
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    def cells(self, *indices: int) -> list[tuple]:
        """The cells at `indices` of every row, as tuples."""
        return [tuple(row[index] for index in indices) for row in self.iter_rows()]


def table_folder(path: str) -> str | None:
    """The folder of a canonical table named by its folder, its table.jsonl or its schema; None otherwise."""
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    named = os.path.isdir(path) or os.path.basename(path) in (TABLE_FILE, SCHEMA_FILE)
    return folder if named and os.path.isfile(os.path.join(folder, SCHEMA_FILE)) else None


def read_table(path: str, field: str) -> Table:
    """The canonical table at `path` (a dataset folder or its table.jsonl).

    Raises DATASET_NOT_FOUND, naming `field`, when the path holds no table: raw data files are
    imported first (`airlock import`), so that the trainer reads exactly what import showed.
    """
    folder = table_folder(path)
    if folder is None:
        raise AirlockError("DATASET_NOT_FOUND", f"{path} is not a dataset imported by Airlock.",
                           hint=f"Import the file with `airlock import <file>` and set {field} to the dataset id; "
                                "the trainer reads only imported datasets.", field=field)
    with open(os.path.join(folder, SCHEMA_FILE), encoding="utf-8") as handle:
        schema = json.load(handle)
    if schema.get("format") != "airlock-table" or schema.get("version") != 1:
        raise AirlockError("DATASET_NOT_FOUND", f"{folder} holds a dataset table this version of Airlock cannot read.",
                           hint="Import the file again.", field=field)
    return Table(folder, schema)
