from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.virtual_audio import VirtualAudio, virtual_audio


@pytest.fixture(scope="session")
def pulse() -> Iterator[VirtualAudio]:
    """The private PulseAudio server, with PortAudio re-initialised so that it lists its devices.

    PortAudio enumerates devices once, when it starts; after this fixture it sees ``pulse`` and
    ``default``. Call ``voice_assist.audio_in.refresh_devices()`` again only while no stream is open.
    """
    from voice_assist.audio_in import refresh_devices

    with virtual_audio() as audio:
        refresh_devices()
        yield audio
