from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.virtual_audio import VirtualAudio, virtual_audio
from voice_assist.config import BUNDLED_CONTENT
from voice_assist.content import Library, load_library
from voice_assist.match import Matcher

AUDIO_FIXTURES = frozenset({"pulse"})
"""Fixtures that start the private PulseAudio server (tests using any fixture built on them count too)."""
SLOW_FIXTURES = frozenset({"recognizer", "content_recognizer", "make_conversation", "cache_dir", "set_up"})
"""Fixtures that load a real pocketsphinx recognizer (``cache_dir`` is its model cache: tests taking it build
one) or run the setup and test scripts. Tiny generated vosk models load in milliseconds and stay fast."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests from the fixtures they use: ``audio`` for the sound server, ``slow`` for that or a real
    recognizer, so that ``pytest -m "not slow"`` runs the rest quickly. Tests that load a recognizer or run
    the program on audio without such a fixture carry ``slow`` themselves."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & AUDIO_FIXTURES:
            item.add_marker(pytest.mark.audio)
        if used & (AUDIO_FIXTURES | SLOW_FIXTURES) or item.get_closest_marker("audio"):
            item.add_marker(pytest.mark.slow)


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
