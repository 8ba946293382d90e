"""The event stream: JSON lines on a private copy of stdout, one envelope per event.

Lightning-free on purpose so that `devices` and `inspect-model` start fast; the Lightning
callback that turns training progress into events lives in callback.py.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import os
import sys
import threading
from typing import IO, Any, Callable

PROTOCOL_VERSION = 1
TERMINAL_TYPES = ("finished", "error")

log = logging.getLogger("airlock_trainer")


def protect_stdout() -> IO[str]:
    """Points file descriptor 1 at stderr and returns a private text stream on the original stdout.

    After this, a library's print or progress bar lands in stderr and cannot corrupt the event stream.
    """
    sys.stdout.flush()
    private_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(private_fd, "w", encoding="utf-8", newline="\n")


def finite_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Metric name to float, leaving out values that are not finite numbers (JSON has no NaN)."""
    clean: dict[str, float] = {}
    for name, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            clean[name] = number
    return clean


class EventWriter:
    """Writes events with the protocol envelope (v, type, run_id, seq, ts) and guarantees one terminal event."""

    def __init__(self, stream: IO[str], run_id: str | None = None, *, muted: bool = False):
        self._stream = stream
        # A rank other than 0 of a multi-process run: it keeps the bookkeeping (its exit code follows its
        # terminal event) but writes nothing, so the stream holds each event once.
        self.muted = muted
        self.run_id = run_id
        self._seq = 0
        self._lock = threading.Lock()
        self.terminal: str | None = None
        self.reader_gone = False
        self.on_reader_gone: Callable[[], None] | None = None

    def emit(self, event_type: str, **payload: Any) -> dict | None:
        """Writes one event line; a second finished/error is dropped (and logged) rather than sent."""
        with self._lock:
            if self.terminal is not None:
                log.warning("dropping %s event after %s", event_type, self.terminal)
                return None
            event = {
                "v": PROTOCOL_VERSION,
                "type": event_type,
                "run_id": self.run_id,
                "seq": self._seq,
                "ts": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                **payload,
            }
            line = json.dumps(event, ensure_ascii=False, allow_nan=False)
            if not self._write(line):
                return None
            self._seq += 1
            if event_type in TERMINAL_TYPES:
                self.terminal = event_type
            return event

    def _write(self, line: str) -> bool:
        # The app reading our events has gone (crashed or killed): nobody will hear the result, so
        # ask the run to stop at its next step with a checkpoint it can be resumed from.
        if self.reader_gone:
            return False
        if self.muted:
            return True
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.reader_gone = True
            log.warning("the event reader has gone; stopping at the next step")
            if self.on_reader_gone:
                self.on_reader_gone()
            return False

    def progress(self, stage: str, message: str, fraction: float | None = None) -> None:
        """A progress event for a stage before or after the training loop."""
        if fraction is not None:
            fraction = min(1.0, max(0.0, float(fraction)))
        self.emit("progress", stage=stage, message=message, fraction=fraction)

    def finished(self, status: str, *, metrics: dict | None = None, model_dir: str | None = None,
                 duration_s: float = 0.0, details: dict | None = None) -> None:
        """The terminal success (or cancelled) event."""
        self.emit("finished", status=status, metrics=finite_metrics(metrics or {}), model_dir=model_dir,
                  duration_s=round(float(duration_s), 3), details=details or {})

    def error(self, payload: dict) -> None:
        """The terminal error event; payload as AirlockError.payload()."""
        self.emit("error", **payload)
