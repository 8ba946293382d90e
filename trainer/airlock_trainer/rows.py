"""Rows held as columns of Python lists: the small table the trainer cleans, splits and tokenizes.

The trainer used `datasets.Dataset` for this, but its import (pandas, pyarrow: about 2 s) cost more
than everything it did here, for tables that fit in memory anyway (import already read them whole).
"""

from __future__ import annotations

from typing import Iterable


class Rows:
    """Named columns of equal length; a list of indices selects rows, a name reads a column."""

    def __init__(self, columns: dict[str, list]):
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self.columns = columns
        self._length = lengths.pop() if lengths else 0

    @property
    def column_names(self) -> list[str]:
        """The columns, in order."""
        return list(self.columns)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key):
        """A column by name, one row (a dict) by position, or several rows (a dict of lists) by positions."""
        if isinstance(key, str):
            return self.columns[key]
        if isinstance(key, int):
            return {name: values[key] for name, values in self.columns.items()}
        return {name: [values[index] for index in key] for name, values in self.columns.items()}

    def select(self, indices: Iterable[int]) -> "Rows":
        """These rows, in this order."""
        indices = list(indices)
        return Rows({name: [values[index] for index in indices] for name, values in self.columns.items()})

    def select_columns(self, names: Iterable[str]) -> "Rows":
        """Only these columns (the lists are shared, not copied)."""
        return Rows({name: self.columns[name] for name in names})

    def with_column(self, name: str, values: list) -> "Rows":
        """A copy with one column added or replaced."""
        return Rows({**self.columns, name: values})
