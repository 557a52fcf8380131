"""A test voice that general recognition fails on, the same way every time: slurred, accented, slow English.

English text is spoken by espeak-ng with another language's voice (German by default), so every word is
mispronounced the same way each time, as a dysarthric speaker's words are; then slowed and slurred: vowels
and consonants smeared across frequency (formants lose their edges), high frequencies (most consonant energy)
turned down, a breathy noise that follows the voice added. A take (one recording of a phrase) then differs
from another by tempo, pitch, background noise and room (reverb), drawn from a fixed seed:

    pcm = take("stop", ENROLMENT, seed=1)   # a quiet room, as when enrolling
    pcm = take("stop", TEST, seed=7)        # another day: faster or slower, other pitch, noisier, a bigger room

The same text, kind and seed always make the same audio. ``other_voice`` is a clean, different speaker.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests import spoken
from voice_assist.audio_format import SAMPLE_RATE

ACCENT_VOICE = "de"
"""espeak-ng's German voice reading English: its letter-to-sound rules deviate from English consistently."""

OTHER_VOICES = ("en-us+m3", "flite:slt", "flite:awb", "en-gb+f3")
"""Clean English voices of other speakers: a man and a woman of espeak-ng's, flite's US woman and Scottish man."""

UNTUNED_VOICES = ("flite:rms", "en-us+f4")
"""Two more clean voices, a US man of flite's and a woman of espeak-ng's, that nothing was chosen on: they say the
held-out half of the neighbours written later (``written_neighbours``)."""

WRITTEN_NEIGHBOURS = Path(__file__).parent / "data" / "written_neighbours.csv"
"""72 words and phrases that sound like or contain a phrase "learn my voice" asks for but do not ask for it, four
for each, written by a helper who saw none of the code."""


def written_neighbours() -> dict[str, list[str]]:
    """Each enrolled phrase's neighbours in ``WRITTEN_NEIGHBOURS``, in the file's order."""
    by_phrase: dict[str, list[str]] = {}
    with WRITTEN_NEIGHBOURS.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            by_phrase.setdefault(row["phrase"], []).append(row["neighbour"])
    return by_phrase


@dataclass(frozen=True)
class TakeKind:
    """The ranges a take's conditions are drawn from (each a (lowest, highest) pair)."""

    speed: tuple[int, int]
    """espeak-ng words per minute."""
    pitch: tuple[int, int]
    """espeak-ng pitch, 0 to 99."""
    snr_db: tuple[float, float]
    """Voice to background noise, decibels."""
    reverberance: tuple[int, int]
    """sox reverb's reverberance, percent (0 is a dry room)."""


ENROLMENT = TakeKind(speed=(95, 110), pitch=(40, 50), snr_db=(32.0, 40.0), reverberance=(0, 15))
"""Enrolling: the user repeats the phrase when asked, in a quiet room, near the microphone."""
TEST = TakeKind(speed=(80, 130), pitch=(30, 62), snr_db=(14.0, 28.0), reverberance=(20, 60))
"""Using it: tired or rushed, another pitch, the television or a fan on, further from the microphone."""

_SMEAR_HZ = 180.0
"""Width (standard deviation) of the spectral smearing: formants a few hundred hertz apart run together."""
_CONSONANT_CUT_DB = 18.0
"""How much quieter everything above ``_CONSONANT_HZ`` is made: fricatives and bursts lose their edge."""
_CONSONANT_HZ = 2500.0
_BREATH_DB = -16.0
"""Breath noise relative to the voice, decibels."""
_FRAME = 512
_HOP = 128


def take(text: str, kind: TakeKind, seed: int, voice: str = ACCENT_VOICE) -> bytes:
    """One take of ``text`` in the slurred test voice, as 16 kHz mono s16le PCM (the same for the same arguments)."""
    rng = np.random.default_rng([seed, zlib.crc32(text.encode())])
    speed, pitch = int(rng.integers(*kind.speed, endpoint=True)), int(rng.integers(*kind.pitch, endpoint=True))
    pcm = spoken.synthesize(text, voice=voice, speed=speed, pitch=pitch, lead_silence_s=0.4)
    samples = _slur(np.frombuffer(pcm, dtype=np.int16).astype(np.float64), rng)
    reverberance = int(rng.integers(*kind.reverberance, endpoint=True))
    pcm = _pcm16(samples)
    if reverberance:
        pcm = spoken.sox_effects(pcm, "reverb", str(reverberance))
    noise = (rng.standard_normal(len(pcm) // 2) * 3000).astype(np.int16).tobytes()
    return spoken.mix_noise(pcm, noise, float(rng.uniform(*kind.snr_db)))


def other_voice(text: str, voice: str) -> bytes:
    """``text`` said clearly by another speaker (one of ``OTHER_VOICES`` or ``UNTUNED_VOICES``)."""
    return spoken.synthesize(text, voice=voice, speed=140)


def _slur(samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smeared formants, muted consonants and breathiness, by changing the short-time spectrum's magnitude."""
    padded = np.concatenate([np.zeros(_FRAME), samples, np.zeros(_FRAME)])
    window = np.hanning(_FRAME)
    starts = range(0, len(padded) - _FRAME, _HOP)
    spectra = np.stack([np.fft.rfft(padded[start:start + _FRAME] * window) for start in starts])
    frequencies = np.fft.rfftfreq(_FRAME, 1 / SAMPLE_RATE)
    spread = _SMEAR_HZ / (frequencies[1] - frequencies[0])
    offsets = np.arange(-int(3 * spread), int(3 * spread) + 1)
    kernel = np.exp(-0.5 * (offsets / spread) ** 2)
    magnitude = np.abs(spectra)
    smeared = np.stack([np.convolve(row, kernel / kernel.sum(), mode="same") for row in magnitude])
    tilt = np.where(frequencies > _CONSONANT_HZ, 10 ** (-_CONSONANT_CUT_DB / 20), 1.0)
    voice = smeared * tilt * np.exp(1j * np.angle(spectra))
    envelope = magnitude.mean(axis=1, keepdims=True)
    breath_band = ((frequencies > 800) & (frequencies < 5000)).astype(float)
    noise_phase = np.exp(2j * np.pi * rng.random(spectra.shape))
    breath = envelope * breath_band * noise_phase * 10 ** (_BREATH_DB / 20)
    out = np.zeros(len(padded))
    for index, start in enumerate(starts):
        out[start:start + _FRAME] += np.fft.irfft(voice[index] + breath[index], _FRAME) * window
    out = out[_FRAME:_FRAME + len(samples)] / (np.sum(window**2) / _HOP)
    return out * (0.5 * 32767 / max(1.0, float(np.max(np.abs(out)))))


def _pcm16(samples: np.ndarray) -> bytes:
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()
