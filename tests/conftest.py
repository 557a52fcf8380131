from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.virtual_audio import VirtualAudio, virtual_audio


@pytest.fixture(scope="session")
def pulse() -> Iterator[VirtualAudio]:
    """The private PulseAudio server; PortAudio must be (re)initialised after it starts."""
    with virtual_audio() as audio:
        yield audio
