"""`inspect-media`: opens every file of a media dataset with the decoder training uses, at import.

Input: a JSON file holding a list of {"path": absolute path, "kind": "image" | "audio"}.
Output: one JSON line per file, in input order, in `--out`:
  {"sha256", "bytes", "ok": true, image: "width", "height", "mode", "format", "frames", "rotated", "converted";
   audio: "sample_rate", "channels", "seconds", "format", "subtype"}
  or {"sha256", "bytes", "ok": false, "code", "reason"} for a file that cannot be used.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from .events import EventWriter
from .media_decode import MediaUnreadable, audio_facts, image_conversion, open_image

#: Seconds between progress events.
_PROGRESS_EVERY_S = 0.5


def _sha256(path: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def describe(path: str, kind: str) -> dict:
    """One output line for one file (see the module docstring)."""
    sha256, size = _sha256(path)
    line: dict = {"sha256": sha256, "bytes": size}
    try:
        if size == 0:
            raise MediaUnreadable("MEDIA_EMPTY", "the file is empty (0 bytes)")
        if kind == "image":
            image, facts = open_image(path)
            image.close()
            line.update(ok=True, width=facts.width, height=facts.height, mode=facts.mode, format=facts.format,
                        frames=facts.frames, rotated=facts.rotated, converted=image_conversion(facts))
        else:
            facts = audio_facts(path)
            line.update(ok=True, sample_rate=facts.sample_rate, channels=facts.channels, seconds=round(facts.seconds, 4),
                        format=facts.format, subtype=facts.subtype)
    except MediaUnreadable as error:
        line.update(ok=False, code=error.code, reason=str(error))
    return line


#: Below this many files one process is quicker than starting a pool.
_POOL_FROM = 64


def _describe_item(item: dict) -> dict:
    return describe(item["path"], item["kind"])


def _described(files: list[dict]):
    """Each file's line, in order; decoded by one process per core when there are many."""
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(files) < _POOL_FROM or workers < 2:
        yield from map(_describe_item, files)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_describe_item, files, chunksize=16)


def inspect_media(list_path: str, out_path: str, writer: EventWriter) -> dict:
    """Describes every listed file into `out_path`; returns counts for the finished event's details."""
    with open(list_path, encoding="utf-8") as handle:
        files = json.load(handle)
    unusable, last = 0, 0.0
    partial = f"{out_path}.partial"
    with open(partial, "w", encoding="utf-8") as out:
        for index, line in enumerate(_described(files)):
            unusable += not line["ok"]
            out.write(json.dumps(line) + "\n")
            now = time.monotonic()
            if now - last >= _PROGRESS_EVERY_S:
                last = now
                writer.progress("loading_data", f"Opened {index + 1:,} of {len(files):,} files", (index + 1) / max(1, len(files)))
    os.replace(partial, out_path)
    return {"files": len(files), "unusable": unusable}
