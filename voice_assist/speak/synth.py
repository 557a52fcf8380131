"""Making speech audio: the pyttsx3 worker process under a watchdog, with espeak-ng as the fallback.

Only one thread (the Speaker's speech thread) may use a Synthesizer: it owns the worker's pipes.
"""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_assist.errors import SpeechOutputError
from voice_assist.speak.channel import WorkerChannel, WorkerError

log = logging.getLogger(__name__)

MIN_RATE = 80
MAX_RATE = 450
"""Words per minute that espeak-ng accepts."""
SYNTH_TIMEOUT = 4.0
"""Seconds a sentence may take to synthesize before the worker is presumed hung. espeak-ng makes audio
tens of times faster than real time, so even a slow machine stays far below this."""
SYNTH_SECONDS_PER_CHARACTER = 0.01
"""Extra allowance for long sentences."""
WORKER_GIVE_UP = 3
"""Sentences in a row the worker may fail (after a restart each) before espeak-ng is used directly."""


@dataclass(frozen=True)
class VoiceSettings:
    """How to speak; a change takes effect from the next sentence synthesized."""

    rate: int = 150
    """Words per minute."""
    volume: float = 0.9
    """0.0 to 1.0, applied by scaling the samples."""
    voice: str = ""
    """An espeak-ng voice name or file id ("en-us", "gmw/en-US"); empty means the default voice."""

    def clamped(self) -> VoiceSettings:
        return VoiceSettings(rate=min(max(int(self.rate), MIN_RATE), MAX_RATE),
                             volume=min(max(float(self.volume), 0.0), 1.0), voice=self.voice.strip())


@dataclass(frozen=True)
class Audio:
    """One synthesized sentence."""

    samples: np.ndarray
    """Mono signed 16-bit samples."""
    rate: int
    """Hertz."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def parse_wav(data: bytes) -> Audio:
    """Mono 16-bit PCM WAV bytes as Audio. Tolerates the oversized chunk lengths espeak-ng writes when
    it streams to stdout (it cannot know the length in advance). Raises ValueError when unusable."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    rate = 0
    position = 12
    while position + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, position)
        body = data[position + 8:position + 8 + size]
        if chunk_id == b"fmt ":
            encoding, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if (encoding, channels, bits) != (1, 1, 16):
                raise ValueError(f"unexpected WAV format ({encoding=}, {channels=}, {bits=})")
        elif chunk_id == b"data" and rate:
            samples = np.frombuffer(body[:len(body) // 2 * 2], dtype="<i2")
            if samples.size == 0:
                raise ValueError("the WAV file holds no audio")
            return Audio(samples=samples.astype(np.int16), rate=rate)
        position += 8 + size + (size & 1)
    raise ValueError("no audio data in the WAV file")


def scaled(audio: Audio, volume: float) -> Audio:
    if volume >= 1.0:
        return audio
    samples = np.rint(audio.samples.astype(np.float32) * volume).astype(np.int16)
    return Audio(samples=samples, rate=audio.rate)


class Synthesizer:
    """Text to Audio, one sentence at a time: pyttsx3 in a watched worker process, else espeak-ng."""

    def __init__(self, *, timeout: float = SYNTH_TIMEOUT, worker_command: Sequence[str] | None = None,
                 espeak_command: Sequence[str] = ("espeak-ng",)) -> None:
        """``worker_command`` replaces the whole worker command line: for fault tests."""
        self._timeout = timeout
        self._folder = Path(tempfile.mkdtemp(prefix="voice-assist-speech-"))
        self._channel = WorkerChannel(worker_command, timeout=max(timeout, 10.0))
        self._espeak = tuple(espeak_command)
        self._failures_in_a_row = 0
        self._count = 0

    @property
    def worker_pid(self) -> int | None:
        """The pyttsx3 worker's process id, None when none is running."""
        return self._channel.pid

    @property
    def uses_worker(self) -> bool:
        """False once the worker has failed too often and espeak-ng is used directly."""
        return self._failures_in_a_row < WORKER_GIVE_UP

    def warm_up(self) -> None:
        """Start the worker now, so the first sentence is not delayed by its start-up."""
        try:
            self._channel.ensure_started()
        except WorkerError as fault:
            log.warning("The speech worker did not start (%s); will retry on the first sentence.", fault)

    def synthesize(self, text: str, voice: VoiceSettings) -> Audio:
        """Raises SpeechOutputError when neither pyttsx3 nor espeak-ng could make the audio."""
        voice = voice.clamped()
        worker_problem = "not used after repeated failures"
        if self.uses_worker:
            try:
                return scaled(self._with_worker(text, voice), voice.volume)
            except WorkerError as fault:
                worker_problem = str(fault)
        try:
            return scaled(self._with_espeak(text, voice), voice.volume)
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            raise SpeechOutputError(
                f"Speech could not be made: pyttsx3 {worker_problem}; espeak-ng failed too ({error}). "
                "Answers are shown as text. Check that espeak-ng works: run 'espeak-ng hello'.") from error

    def close(self) -> None:
        self._channel.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _with_worker(self, text: str, voice: VoiceSettings) -> Audio:
        """Two tries, the second in a fresh worker; raises WorkerError when both fail."""
        timeout = self._timeout + SYNTH_SECONDS_PER_CHARACTER * len(text)
        for attempt in (1, 2):
            self._count += 1
            path = self._folder / f"sentence-{self._count}.wav"
            try:
                self._channel.request({"text": text, "path": str(path), "rate": voice.rate,
                                       "voice": voice.voice}, timeout=timeout)
                audio = parse_wav(path.read_bytes())
                self._failures_in_a_row = 0
                return audio
            except (WorkerError, OSError, ValueError) as error:
                log.warning("Speech worker failed (try %d of 2): %s. Restarting it.", attempt, error)
                self._channel.kill()
                last_error = error
            finally:
                path.unlink(missing_ok=True)
        self._failures_in_a_row += 1
        if not self.uses_worker:
            log.warning("The pyttsx3 speech worker failed %d sentences in a row; using espeak-ng directly.",
                        WORKER_GIVE_UP)
        raise WorkerError(str(last_error))

    def _with_espeak(self, text: str, voice: VoiceSettings) -> Audio:
        command = [*self._espeak, "--stdout", "-s", str(voice.rate)]
        if voice.voice:
            command += ["-v", voice.voice]
        # The text goes on stdin, so text starting with "-" is never read as an option.
        timeout = self._timeout + SYNTH_SECONDS_PER_CHARACTER * len(text)
        result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=timeout,
                                check=False)
        if result.returncode != 0 and voice.voice:
            log.warning("espeak-ng rejected voice %r; using its default voice.", voice.voice)
            return self._with_espeak(text, VoiceSettings(rate=voice.rate, volume=voice.volume))
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip()
            raise ValueError(f"exit status {result.returncode}: {message}")
        return parse_wav(result.stdout)
