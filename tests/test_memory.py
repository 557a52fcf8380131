"""Freed memory goes back to the system while the assistant is quiet (memory.py): it runs for days."""

from __future__ import annotations

import numpy as np
import pytest

from voice_assist.memory import RELEASE_EVERY_SECONDS, MemoryReleaser

pytestmark = pytest.mark.skipif(not MemoryReleaser().works_here, reason="this C library has no malloc_trim")


def resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


def test_memory_freed_in_small_pieces_goes_back_to_the_system():
    rng = np.random.default_rng(1)
    pieces = [np.ones(int(rng.integers(2_000, 12_000))) for _ in range(2_000)]  # heap blocks, not mmap'd
    keep = pieces[-1]
    del pieces
    before = resident_mb()
    releaser = MemoryReleaser()
    releaser.release_due(RELEASE_EVERY_SECONDS)
    assert releaser.releases == 1
    assert resident_mb() < before - 30, (before, resident_mb())
    assert keep.sum() == keep.size


def test_memory_is_released_at_most_once_a_period():
    releaser = MemoryReleaser(every=60.0)
    for second in range(0, 150, 5):
        releaser.release_due(float(second))
    assert releaser.releases == 2  # at 60 and 120 s
