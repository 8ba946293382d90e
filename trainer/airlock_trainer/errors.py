"""Failures with a stable code from schemas/json/error-codes.json, and the mapping of anything else onto one."""

from __future__ import annotations

import errno
import json
import os

from .paths import schema_dir


def _known_codes() -> frozenset[str]:
    with open(os.path.join(schema_dir(), "error-codes.json"), encoding="utf-8") as handle:
        return frozenset(json.load(handle))


class AirlockError(Exception):
    """An error a user can act on: a stable code, plain words, a hint and the field to change."""

    def __init__(self, code: str, message: str, *, hint: str | None = None, field: str | None = None,
                 details: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.field = field
        self.details = list(details or [])

    def payload(self) -> dict:
        """The error event's fields (without the envelope)."""
        return {"code": self.code, "message": self.message, "hint": self.hint, "field": self.field,
                "details": self.details}


class Cancelled(Exception):
    """Raised inside training when the user asked to stop (SIGINT/SIGTERM)."""


def to_airlock_error(error: BaseException) -> AirlockError:
    """Turns anything raised into an AirlockError, hiding internals behind INTERNAL_ERROR."""
    if isinstance(error, AirlockError):
        return error
    if _is_cuda_oom(error):
        return AirlockError(
            "CUDA_OUT_OF_MEMORY", "The GPU ran out of memory.",
            hint="Lower training.batch_size or data.max_length and start the run again.", field="training.batch_size")
    if _is_disk_full(error):
        return AirlockError("DISK_FULL", "The disk is full.", hint="Free some space and start the run again (or resume it).")
    from .ranks import rank_lost_error  # only a run of several processes has ranks to lose

    lost = rank_lost_error(error)
    if lost is not None:
        return lost
    return AirlockError(
        "INTERNAL_ERROR", f"Unexpected error: {type(error).__name__}: {error}",
        hint="This is a bug in Airlock; please report it with the run's stderr.log.")


def _is_cuda_oom(error: BaseException) -> bool:
    if type(error).__name__ == "OutOfMemoryError":
        return True
    return isinstance(error, RuntimeError) and "CUDA out of memory" in str(error)


def _is_disk_full(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        current = current.__cause__ or current.__context__
    return False


KNOWN_CODES = _known_codes()
