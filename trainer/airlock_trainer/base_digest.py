"""The SHA-256 that names a base model's weights, recorded with every LoRA adapter trained on it.

An adapter is only meaningful on the exact weights it was trained beside, so bundles and imports compare this
digest, not the folder's name: SHA-256 over the lines "<relative path> <SHA-256 of the file>\n" of the folder's
*.safetensors files, sorted by path (schemas: ISSUE11 contract; the TypeScript side computes the same string).
"""

from __future__ import annotations

import hashlib
import os

CHUNK = 1 << 20


def file_sha256(path: str) -> str:
    """Hex SHA-256 of one file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def weights_digest(folder: str) -> str:
    """Hex SHA-256 of the folder's safetensors files (paths relative to `folder`, with / separators)."""
    lines = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith(".safetensors"):
                path = os.path.join(root, name)
                relative = os.path.relpath(path, folder).replace(os.sep, "/")
                lines.append(f"{relative} {file_sha256(path)}\n")
    return hashlib.sha256("".join(sorted(lines)).encode("utf-8")).hexdigest()
