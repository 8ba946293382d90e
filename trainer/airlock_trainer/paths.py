"""Where the trainer finds the generated JSON Schema files."""

from __future__ import annotations

import os


def schema_dir() -> str:
    """schemas/json next to the trainer folder, or $AIRLOCK_SCHEMA_DIR when set (packaged apps)."""
    override = os.environ.get("AIRLOCK_SCHEMA_DIR")
    if override:
        return override
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "schemas", "json"))


def token_cache_dir(table_folder: str) -> str:
    """Where tokenized copies of a dataset's texts are kept: inside the dataset's own folder, so that
    deleting the dataset deletes them too."""
    return os.path.join(table_folder, "tokenized")
