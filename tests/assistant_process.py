"""``voice-assist`` running as a subprocess on the private PulseAudio server (``virtual_audio.py``): its log,
and a recording of everything it says, for the tests that drive the whole assistant through sound."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.virtual_audio import VirtualAudio

RATE = 16_000
"""Hertz, of the speaker recording (mono s16le)."""
FRAME = RATE // 100
"""10 ms analysis frames."""
SOUND_LEVEL = 300.0
"""RMS (of 32767) above which a frame is sound; the null sink's silence is exactly zero."""
SENTENCE_GAP = 0.8
"""Seconds of silence that still belong to one reply (the gaps between its sentences are shorter)."""
TIMEOUT = 40.0
"""Seconds to wait for any one step: far beyond what a step takes."""


@dataclass(frozen=True)
class Stretch:
    """A stretch of sound on the speaker, seconds from the start of the recording."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Assistant:
    """The running ``voice-assist`` process, its log, and the recording of its speaker."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, recording: Path) -> None:
        self.process = process
        self.log = log
        self.recording = recording

    def now(self) -> float:
        """Seconds recorded so far: the clock that stretches are measured on."""
        return self.recording.stat().st_size / (2 * RATE)

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def wait_for_log(self, pattern: str, after: int) -> str:
        """The first log line after line ``after`` that matches; fails after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in self.log_lines()[after:]:
                if re.search(pattern, line):
                    return line
            assert self.process.poll() is None, f"voice-assist exited:\n{self.log.read_text()}"
            time.sleep(0.1)
        raise AssertionError(f"no log line matching {pattern!r} in:\n" + "\n".join(self.log_lines()[after:]))

    def wait_until_quiet(self, quiet: float = 1.5) -> None:
        """Until the speaker has been silent for ``quiet`` seconds."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(0.2)
            samples = self.samples()
            tail = samples[-int(quiet * RATE):]
            if tail.size >= int(quiet * RATE) * 0.9 and not np.any(np.abs(tail) > 100):
                return
        raise AssertionError("the speaker did not fall silent")

    def samples(self) -> np.ndarray:
        data = self.recording.read_bytes()
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float64)

    def stretches(self, since: float) -> list[Stretch]:
        """Stretches of sound after ``since`` seconds, sentence gaps bridged."""
        samples = self.samples()
        frames = samples[: samples.size // FRAME * FRAME].reshape(-1, FRAME)
        loud = np.sqrt(np.mean(frames**2, axis=1)) > SOUND_LEVEL
        found: list[Stretch] = []
        for index in np.flatnonzero(loud):
            at = index * FRAME / RATE
            if at < since:
                continue
            if found and at - found[-1].end <= SENTENCE_GAP:
                found[-1] = Stretch(found[-1].start, at + FRAME / RATE)
            else:
                found.append(Stretch(at, at + FRAME / RATE))
        return found

    def rate(self) -> int:
        """The speaking rate in words a minute: as saved by voice, else the default."""
        saved = self.log.parent / "state" / "voice-assist" / "voice.toml"
        found = re.search(r"^rate = (\d+)", saved.read_text(), re.MULTILINE) if saved.is_file() else None
        return int(found.group(1)) if found else 150

    def last_sound(self) -> float:
        samples = self.samples()
        loud = np.flatnonzero(np.abs(samples) > SOUND_LEVEL)
        return loud[-1] / RATE if loud.size else 0.0


@contextmanager
def running_assistant(pulse: VirtualAudio, home: Path, config: str = "") -> Iterator[Assistant]:
    """``voice-assist`` (no arguments: the hands-free loop) with its own folders in ``home`` and ``config`` as
    its config.toml, started and greeted; stopped afterwards."""
    env = {**pulse.env, "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
           "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
           "PYTHONUNBUFFERED": "1"}
    if config:
        (home / "config" / "voice-assist").mkdir(parents=True)
        (home / "config" / "voice-assist" / "config.toml").write_text(config, encoding="utf-8")
    log, recording = home / "stderr.log", home / "speaker.raw"
    command = [str(Path(sys.executable).with_name("voice-assist"))]
    if not os.access(command[0], os.X_OK):
        command = [sys.executable, "-m", "voice_assist"]
    with pulse.record_speaker(recording), log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=stderr)
        running = Assistant(process, log, recording)
        try:
            running.wait_for_log(r"Listening on microphone", after=0)
            running.wait_until_quiet()  # the greeting
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
