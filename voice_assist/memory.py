"""Handing memory the assistant has freed back to the system: it runs for days on a machine with a few GB.

glibc keeps the memory that Python, numpy and pocketsphinx free in its heap, for reuse, and returns little of it:
after a long utterance (a TV programme, up to ``max_utterance`` seconds) the process stays that much bigger.
Measured with scripts/soak.py (seed 2, without knocks, 15 simulated minutes between measurements): without
releasing, resident memory rose from 73 to 124 MB in 3 simulated hours, in steps, while Python's object count
stayed flat (34.6 to 35.9 thousand objects): nothing is held on purpose. Released at each measurement
(``malloc_trim``), it stayed between 88 and 97 MB for 3.5 hours.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

RELEASE_EVERY_SECONDS = 60.0
"""Seconds of listening between two releases. A release costs a few milliseconds, up to about 30 when much was
freed; it is made only while nobody speaks and the assistant is quiet, so a minute is often enough and never
felt."""


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS): then nothing is released."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


class MemoryReleaser:
    """Gives freed memory back to the system at most once every ``every`` seconds of the caller's clock."""

    def __init__(self, every: float = RELEASE_EVERY_SECONDS) -> None:
        self._trim = _malloc_trim()
        self._every = every
        self._next = every
        self.releases = 0
        """How many times memory was released: for the soak test and the tests."""
        if self._trim is None:
            log.info("This C library cannot hand freed memory back (no malloc_trim); memory may grow slowly")

    @property
    def works_here(self) -> bool:
        return self._trim is not None

    def release_due(self, now: float) -> None:
        """Release freed memory if ``every`` seconds have passed since the last release (``now``: seconds)."""
        if self._trim is None or now < self._next:
            return
        self._next = now + self._every
        self._trim(0)
        self.releases += 1
