"""Spoken questions for tests: synthesized speech as 16 kHz mono s16le PCM, optionally slowed, noisy or halting.

Everything is made with real programs (espeak-ng, flite, sox) and cached for the test session, so a table of
questions over several voices costs each sound once. espeak-ng's voices are made by formula and sound
unlike any person; flite's voices ("flite:awb") are built from recordings of real speakers, so they are
the closer stand-in for the people who will talk to the assistant.

    pcm = synthesize("what is riluzole", voice="en+f3", speed=110, noise="babble", noise_snr_db=10)
    pcm = synthesize("what is riluzole", voice="flite:awb", speed=110, word_gap_ms=400)
    path = wav_file("stop")            # a WAV file in the session folder, e.g. for paplay
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

import numpy as np

from voice_assist.audio_format import SAMPLE_RATE

VOICES = ("en-us", "en", "en-us+f3", "en-gb+m3", "en-us+f2")
"""espeak-ng voices with different pitch and timbre, men's and women's."""

FLITE_VOICES = ("flite:slt", "flite:awb", "flite:rms", "flite:kal16")
"""flite voices from recordings: a US woman, a Scottish man, two US men."""

SLOW = 110
"""Words per minute for slow, effortful speech (espeak-ng's default is 175)."""

_BABBLE_SENTENCES = (
    "the weather was nice yesterday and we went to the market",
    "could you pass me the salt please",
    "my brother is coming over on sunday afternoon",
    "they finished the painting before the holidays",
    "the train leaves at half past seven in the morning",
)


@dataclass(frozen=True)
class Speech:
    """How one sound is made; also the cache key."""

    text: str
    voice: str = "en-us"
    """An espeak-ng voice, or "flite:" and a flite voice."""
    speed: int = 150
    """Words per minute."""
    pitch: int = 50
    """espeak-ng pitch, 0 to 99 (flite voices keep their own)."""
    word_gap_ms: int = 0
    """Extra silence between words, milliseconds (halting speech)."""
    noise: str | None = None
    """None, "white" or "babble" (other people talking)."""
    noise_snr_db: float = 20.0
    """Speech-to-noise ratio of the mixed noise, decibels."""
    lead_silence_s: float = 0.3
    """Silence before and after the speech, seconds."""


class SpeechOptions(TypedDict, total=False):
    """How a text is said: the optional arguments of :func:`synthesize` (their meaning is in Speech)."""

    voice: str
    speed: int
    pitch: int
    word_gap_ms: int
    noise: str | None
    noise_snr_db: float | None
    lead_silence_s: float


def synthesize(text: str, voice: str = "en-us", speed: int = 150, pitch: int = 50, *,
               word_gap_ms: int = 0, noise: str | None = None, noise_snr_db: float | None = None,
               lead_silence_s: float = 0.3) -> bytes:
    """The text spoken by espeak-ng or flite, as 16 kHz mono s16le PCM.

    ``noise_snr_db`` alone implies white noise; ``noise`` alone mixes it at 20 dB.
    """
    if noise_snr_db is not None and noise is None:
        noise = "white"
    speech = Speech(text, voice, speed, pitch, word_gap_ms, noise,
                    20.0 if noise_snr_db is None else noise_snr_db, lead_silence_s)
    return _render(speech)


def wav_file(text: str, **options: Unpack[SpeechOptions]) -> Path:
    """Like :func:`synthesize`, written to a WAV file in the session folder (same options)."""
    pcm = synthesize(text, **options)
    path = _session_dir() / f"{hashlib.sha1(pcm).hexdigest()[:16]}.wav"
    if not path.exists():
        write_wav(pcm, path)
    return path


def write_wav(pcm: bytes, path: Path, rate: int = SAMPLE_RATE) -> None:
    """Write mono s16le PCM as a WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def read_wav(path: Path) -> bytes:
    """The PCM frames of a 16 kHz mono 16-bit WAV file."""
    with wave.open(str(path), "rb") as source:
        if (source.getframerate(), source.getnchannels(), source.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise ValueError(f"{path} is not 16 kHz mono 16-bit")
        return source.readframes(source.getnframes())


def silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * SAMPLE_RATE))


def mix_noise(pcm: bytes, noise: bytes, snr_db: float) -> bytes:
    """Speech with the noise (looped or cut to length) added at the given speech-to-noise ratio."""
    speech = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    background = np.resize(np.frombuffer(noise, dtype=np.int16).astype(np.float64), speech.shape)
    speech_power = _power(speech[np.abs(speech) > 100]) if np.any(np.abs(speech) > 100) else _power(speech)
    scale = np.sqrt(speech_power / (_power(background) * 10 ** (snr_db / 10))) if _power(background) else 0.0
    mixed = speech + scale * background
    return np.clip(mixed, -32768, 32767).astype(np.int16).tobytes()


def sox_effects(pcm: bytes, *effects: str) -> bytes:
    """16 kHz mono s16le PCM through sox effects, in the same format: ``sox_effects(pcm, "lowpass", "1800",
    "tempo", "0.8", "tremolo", "6", "30")`` makes clear speech muffled, slow and shaky, like slurred speech."""
    raw = ["-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-L"]
    return subprocess.run(["sox", "-D", *raw, "-", *raw, "-", *effects],  # -D: no dither, the same audio each run
                          input=pcm, capture_output=True, check=True).stdout


def babble() -> bytes:
    """Several espeak-ng voices talking at once (about 4 s of 16 kHz PCM, the same each run): background talk."""
    return _babble()


def _power(samples: np.ndarray) -> float:
    return float(np.mean(samples**2)) if samples.size else 0.0


@functools.lru_cache(maxsize=512)
def _render(speech: Speech) -> bytes:
    if speech.voice.startswith("flite:"):
        pcm = _flite(speech.text, speech.voice.removeprefix("flite:"), speech.speed, speech.word_gap_ms)
    else:
        pcm = _espeak(speech.text, speech.voice, speech.speed, speech.pitch, speech.word_gap_ms)
    pad = silence(speech.lead_silence_s)
    pcm = pad + pcm + pad
    if speech.noise == "white":
        pcm = mix_noise(pcm, _white_noise(len(pcm) // 2, seed=len(speech.text)), speech.noise_snr_db)
    elif speech.noise == "babble":
        pcm = mix_noise(pcm, _babble(), speech.noise_snr_db)
    elif speech.noise is not None:
        raise ValueError(f"unknown noise {speech.noise!r}: use 'white' or 'babble'")
    return pcm


@functools.lru_cache(maxsize=1024)
def _espeak(text: str, voice: str, speed: int, pitch: int, word_gap_ms: int) -> bytes:
    """espeak-ng's speech as 16 kHz raw PCM."""
    command = ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout"]
    if word_gap_ms:
        command += ["-g", str(max(1, word_gap_ms // 10))]  # espeak-ng counts in 10 ms units
    return _pcm_of(subprocess.run([*command, text], capture_output=True, check=True).stdout)


@functools.lru_cache(maxsize=1024)
def _flite(text: str, voice: str, speed: int, word_gap_ms: int) -> bytes:
    """flite's speech as 16 kHz raw PCM; halting speech is each word said alone, with a pause after it."""
    if word_gap_ms:
        gap = silence(word_gap_ms / 1000)
        return gap.join(_flite(word, voice, speed, 0) for word in text.split())
    stretch = 150 / speed  # the speed of Speech is words per minute, about 150 in flite's own pace
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.2f}", "-t", text,
                        "-o", str(path)], capture_output=True, check=True)
        return _pcm_of(path.read_bytes())


def _pcm_of(wav: bytes) -> bytes:
    """A WAV file's audio as 16 kHz raw PCM (by sox, or the project's resampler)."""
    if shutil.which("sox") is None:
        return _resample_wav(wav)
    return subprocess.run(["sox", "-D", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1",
                           "-b", "16", "-e", "signed-integer", "-L", "-"],  # -D: no dither, the same audio each run
                          input=wav, capture_output=True, check=True).stdout


def _resample_wav(wav: bytes) -> bytes:
    from voice_assist.resample import resample

    with wave.open(io.BytesIO(wav), "rb") as source:
        rate, frames = source.getframerate(), source.readframes(source.getnframes())
    samples = np.frombuffer(frames, dtype=np.int16).astype(np.float64)
    return np.clip(resample(samples, rate, SAMPLE_RATE), -32768, 32767).astype(np.int16).tobytes()


def _white_noise(samples: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(samples) * 3000).clip(-32768, 32767).astype(np.int16).tobytes()


@functools.lru_cache(maxsize=1)
def _babble() -> bytes:
    """Several voices talking at once, offset in time: noise that sounds like speech."""
    tracks = [np.frombuffer(_espeak(sentence, voice, 160, 40 + 10 * index, 0), dtype=np.int16)
              for index, (sentence, voice) in enumerate(zip(_BABBLE_SENTENCES, VOICES, strict=True))]
    length = max(track.size for track in tracks)
    mixed = np.zeros(length, dtype=np.float64)
    for index, track in enumerate(tracks):
        mixed += np.roll(np.resize(track, length).astype(np.float64), index * length // len(tracks))
    return (mixed / len(tracks)).astype(np.int16).tobytes()


@functools.cache
def _session_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="voice-assist-spoken-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
