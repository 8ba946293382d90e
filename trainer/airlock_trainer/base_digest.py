"""The fingerprint of a base model's weights, recorded beside a LoRA adapter (airlock_base.json) and in its bundle.

SHA-256 of the lines "<relpath> <sha256 of the file>\\n" over the folder's *.safetensors files (sub-folders included,
'/' separators), sorted by path. electron/services/models/base-digest.ts computes the same string.
"""

from __future__ import annotations

import hashlib
import os

CHUNK = 1 << 20


def file_sha256(path: str) -> str:
    """The SHA-256 of one file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_digest(folder: str) -> str:
    """The SHA-256 fingerprint of the *.safetensors files under `folder`."""
    paths = sorted(os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
                   for root, _, names in os.walk(folder) for name in names if name.endswith(".safetensors"))
    lines = "".join(f"{path} {file_sha256(os.path.join(folder, path))}\n" for path in paths)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()
