"""The audio every stage hands on: 16 kHz mono signed 16-bit little-endian PCM ("s16le").

``audio_in`` converts the microphone and WAV files to it; end-of-question detection, the recognizers and
the recordings take it as it comes.
"""

from __future__ import annotations

SAMPLE_RATE = 16_000
"""Hertz. Both engines' English models are trained on 16 kHz audio."""
SAMPLE_WIDTH = 2
"""Bytes per sample: signed 16-bit, little-endian."""
CHANNELS = 1
BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH * CHANNELS


def seconds_of(pcm: bytes) -> float:
    """How long ``pcm`` lasts, in seconds."""
    return len(pcm) / BYTES_PER_SECOND


def bytes_for(seconds: float) -> int:
    """Bytes of ``seconds`` of audio, rounded to whole samples."""
    return round(seconds * SAMPLE_RATE) * SAMPLE_WIDTH * CHANNELS
