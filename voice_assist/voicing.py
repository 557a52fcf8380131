"""Whether a sound has speech in it: a voice's pitch (the vocal folds vibrating), or the quick changes of
spectrum of a mouth shaping sounds, as in a whisper. Breathing has neither, yet the recognizer, biased to the
factsheet's words, makes words of it. (A cough, a clap or a knock changes its spectrum as fast as speech does,
so they are not told from it here.)

Pure: 16 kHz mono s16le samples in, numbers out, on 30 ms frames. A frame's periodicity is the peak of its
normalised autocorrelation at a pitch period of 2.5 to 12.5 ms (80-400 Hz): near 1 for a steady vowel, near 0
for noise. Used by the sound listener (is a short sound one spoken word?) and by the conversation (was anything
said at all?).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_assist.audio_format import SAMPLE_RATE

FRAME = 480
"""30 ms, long enough for two periods of a low voice's pitch."""
VOICED_CORRELATION = 0.5
"""A frame is voiced when its periodicity is at least this."""
LOUD_FRAMES_DB = 20.0
"""Only frames within this of the sound's loudest count: its quiet edges are room noise."""
CLEAREST_FRAMES = 3
"""``SpeechSound.pitch`` is the mean periodicity of this many of the clearest loud frames: one vowel of 90 ms is
enough, one chance frame of a noise is not."""
BAND_BINS = slice(4, 160)
"""The spectrum's bins (33 Hz each) whose changes count for articulation: 133 Hz to 5.3 kHz."""
BAND_WIDTH = 12
"""Bins per band: 13 bands of 400 Hz."""

PITCHED = 0.35
"""``SpeechSound.pitch`` from which a voice is heard. On tuning material: breathing 0.23-0.29, coughs
0.23-0.27, claps 0.15-0.18, throat clearing 0.35-0.37 (the off-topic set's tuning split, 7 clips of each);
spoken questions and commands (bench_recognition's tuning and more sets, 990 utterances, 8 voices, noisy and
slow ones among them) 0.59 or more; the slurred test voice's single words (tests/slurred.py) 0.41 or more;
whispered questions (espeak-ng) 0.31-0.41, which is why articulation counts too. Praat's own voicing threshold
for a frame is 0.45."""
ARTICULATED = 0.7
"""``SpeechSound.articulation`` from which a mouth is heard shaping sounds: breathing 0.60-0.62, coughs
0.59-0.87 (tuning split, as above); whispered words 0.78 or more, whispered questions 1.15 or more, clean words
0.98 or more; the slurred voice's words go down to 0.48, but its pitch is heard."""


def frames_of(samples: np.ndarray) -> np.ndarray:
    """The loud frames of ``samples`` (floats), each less its mean, as rows; an empty array when none."""
    count = samples.size // FRAME
    if not count:
        return np.empty((0, FRAME))
    frames = samples[:count * FRAME].reshape(count, FRAME)
    energies = np.sum(frames ** 2, axis=1) + 1e-9
    loud = frames[energies >= energies.max() / 10 ** (LOUD_FRAMES_DB / 10)]
    return loud - loud.mean(axis=1, keepdims=True)


def periodicities(frames: np.ndarray) -> np.ndarray:
    """Each frame's periodicity (0-1; 0 for a silent frame)."""
    spectra = np.fft.rfft(frames, 2 * FRAME, axis=1)
    correlations = np.fft.irfft(np.abs(spectra) ** 2, axis=1)[:, :FRAME]
    energy = correlations[:, 0]
    peaks = correlations[:, SAMPLE_RATE // 400:SAMPLE_RATE // 80].max(axis=1)
    return np.where(energy > 0, peaks / np.maximum(energy, 1e-9), 0.0)


def power_spectra(frames: np.ndarray) -> np.ndarray:
    """Each frame's power spectrum (Hann window), as rows: ``FRAME // 2 + 1`` bins of 33 Hz."""
    return np.abs(np.fft.rfft(frames * np.hanning(FRAME), axis=1)) ** 2


@dataclass(frozen=True)
class SpeechSound:
    """What of speech is in an utterance's sound."""

    pitch: float
    """How clearly a voice's pitch is heard in its loudest part (``CLEAREST_FRAMES``), 0-1."""
    articulation: float
    """How much its spectrum changes from one loud frame to the next: the mean absolute change of the log
    energy of 400 Hz bands."""

    @property
    def could_be_speech(self) -> bool:
        """Voiced, or shaped like a whisper: not breathing."""
        return self.pitch >= PITCHED or self.articulation >= ARTICULATED

    def __str__(self) -> str:
        return f"pitch {self.pitch:.2f}, articulation {self.articulation:.2f}"


def speech_sound(pcm: bytes) -> SpeechSound:
    """Measure an utterance (16 kHz mono s16le); nothing of speech when it is shorter than two frames."""
    frames = frames_of(np.frombuffer(pcm, dtype="<i2").astype(np.float64))
    if frames.shape[0] < 2:
        return SpeechSound(0.0, 0.0)
    pitch = float(np.sort(periodicities(frames))[-CLEAREST_FRAMES:].mean())
    return SpeechSound(pitch, _articulation(frames))


def _articulation(frames: np.ndarray) -> float:
    bands = power_spectra(frames)[:, BAND_BINS].reshape(frames.shape[0], -1, BAND_WIDTH).sum(axis=2)
    return float(np.mean(np.abs(np.diff(np.log(bands + 1e-3), axis=0))))
