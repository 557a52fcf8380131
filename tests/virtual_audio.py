"""A private PulseAudio server: a virtual microphone ("cable") and a virtual speaker ("speaker").

What is played into ``cable`` is heard by the default input device; what the assistant plays on the
default output device lands in ``speaker`` and can be recorded from ``speaker.monitor``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODULES = (
    "module-native-protocol-unix",
    "module-null-sink sink_name=speaker",
    "module-null-sink sink_name=cable",
    "module-always-sink",
)


@dataclass(frozen=True)
class VirtualAudio:
    runtime_dir: Path
    env: dict[str, str]

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True,
                              text=True, timeout=10).stdout

    def play_into_microphone(self, wav: Path) -> None:
        """Play a WAV into the virtual microphone in real time; returns when it has been played."""
        subprocess.run(["paplay", "--device=cable", str(wav)], env=self.env, check=True, timeout=120)

    def play_pcm_into_microphone(self, pcm: bytes, rate: int = 16_000) -> None:
        """Play raw mono s16le audio into the virtual microphone in real time; returns when played."""
        subprocess.run(["paplay", "--device=cable", "--raw", f"--rate={rate}", "--channels=1", "--format=s16le"],
                       input=pcm, env=self.env, check=True, timeout=120)

    @contextmanager
    def record_speaker(self, raw_out: Path, sink: str = "speaker") -> Iterator[None]:
        """Record what is played on the speaker (or another ``sink``) as 16 kHz mono s16le into ``raw_out``."""
        recorder = subprocess.Popen(
            ["parecord", f"--device={sink}.monitor", "--raw", "--rate=16000", "--channels=1",
             "--format=s16le", "--latency-msec=20", str(raw_out)], env=self.env)
        try:
            _wait_for_growth(raw_out)
            yield
        finally:
            recorder.terminate()
            recorder.wait(timeout=10)


@contextmanager
def virtual_audio() -> Iterator[VirtualAudio]:
    """Start a private server, make it the default for this process, stop it afterwards."""
    if not shutil.which("pulseaudio"):
        raise RuntimeError("pulseaudio is not installed: run ./test.sh, which installs it")
    runtime_dir = Path(tempfile.mkdtemp(prefix="va-pulse-"))
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir), "PULSE_RUNTIME_PATH": str(runtime_dir / "pulse")}
    env.pop("PULSE_SERVER", None)
    loads = [f"--load={module}" for module in MODULES]
    subprocess.run(["pulseaudio", "-D", "-n", "--exit-idle-time=-1", "--disallow-exit",
                    "--system=false", "--log-target=stderr", *loads], env=env, check=True, timeout=30,
                   capture_output=True)
    audio = VirtualAudio(runtime_dir, env)
    _wait_until_ready(audio)
    audio.pactl("set-default-sink", "speaker")
    audio.pactl("set-default-source", "cable.monitor")
    saved = {key: os.environ.get(key) for key in ("XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH")}
    os.environ.update({key: env[key] for key in saved})
    try:
        yield audio
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        subprocess.run(["pulseaudio", "--kill"], env=env, check=False, timeout=30, capture_output=True)
        shutil.rmtree(runtime_dir, ignore_errors=True)


def _wait_until_ready(audio: VirtualAudio) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            audio.pactl("info")
            return
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _wait_for_growth(path: Path, timeout: float = 10.0) -> None:
    """parecord takes about two seconds before it writes anything; what plays before that is lost."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"parecord wrote nothing to {path} within {timeout:g} s")


RECORDING_RATE = 16_000
"""Hertz of ``record_speaker``'s recordings (mono s16le)."""
TEN_MS = RECORDING_RATE // 100
LOUD = 300.0
"""RMS (of 32767) above which a 10 ms frame of a recording is sound; a null sink's silence is exactly zero."""


def recorded_bytes(path: Path) -> int:
    """How much of a growing recording there is now, in whole samples: a mark to measure from."""
    return path.stat().st_size // 2 * 2


def loud_frames(path: Path, start: int) -> np.ndarray:
    """The indices of the loud 10 ms frames of a recording from byte ``start`` on."""
    with path.open("rb") as tape:
        tape.seek(start)
        samples = np.frombuffer(tape.read(), dtype="<i2").astype(np.float64)
    frames = samples[:len(samples) // TEN_MS * TEN_MS].reshape(-1, TEN_MS)
    return np.nonzero(np.sqrt(np.mean(frames ** 2, axis=1)) > LOUD)[0]
