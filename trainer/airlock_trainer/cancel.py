"""Cancel requests: SIGINT and SIGTERM set a flag that training checks at the next step."""

from __future__ import annotations

import logging
import signal
import threading

from .errors import Cancelled

log = logging.getLogger("airlock_trainer")


class CancelFlag:
    """Set by a signal; `check()` raises Cancelled between stages."""

    def __init__(self):
        self._event = threading.Event()

    def install(self) -> "CancelFlag":
        """Replaces the SIGINT/SIGTERM handlers with one that only sets the flag."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self._event.is_set():
            log.info("stop already requested; finishing the current step")
        else:
            log.info("received signal %s: stopping at the next step", signum)
        self._event.set()

    def request(self) -> None:
        """Asks for a stop (as a signal would)."""
        self._event.set()

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()

    def check(self) -> None:
        """Raises Cancelled when a stop was asked for."""
        if self.requested:
            raise Cancelled()
