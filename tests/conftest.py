from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.virtual_audio import VirtualAudio, virtual_audio
from voice_assist.config import BUNDLED_CONTENT
from voice_assist.content import Library, load_library
from voice_assist.match import Matcher


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped factsheets (the ALS one)."""
    return load_library([BUNDLED_CONTENT])


@pytest.fixture(scope="session")
def matcher(library: Library) -> Matcher:
    return Matcher(library)


@pytest.fixture(scope="session")
def pulse() -> Iterator[VirtualAudio]:
    """The private PulseAudio server, with PortAudio re-initialised so that it lists its devices.

    PortAudio enumerates devices once, when it starts; after this fixture it sees ``pulse`` and
    ``default``. Call ``voice_assist.devices.refresh_devices()`` again only while no stream is open.
    """
    from voice_assist.devices import refresh_devices

    with virtual_audio() as audio:
        refresh_devices()
        yield audio
