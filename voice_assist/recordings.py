"""Keeping what was heard: only when the caregiver turns ``record_audio`` on. Off (the default), no audio is
ever written anywhere.

Each utterance becomes one 16 kHz mono 16-bit WAV file in ``data_dir()/recordings``, named by the time it
ended, e.g. ``2026-11-24_14-03-22.517.wav``: useful to hear later what the recognizer got wrong. Only the
newest ``KEEP_RECORDINGS`` are kept, so a device that runs for months does not fill up with old voices.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
import wave
from collections.abc import Callable
from pathlib import Path

from voice_assist.audio_format import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH, seconds_of
from voice_assist.config import Settings, data_dir

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 200 * 1024 * 1024
"""Recording stops while the disk has less free space than this: the assistant matters more than its
recordings (20 s of audio is 640 KB)."""

KEEP_RECORDINGS = 1000
"""Recordings kept; older ones are deleted as new ones come (a question of 3 s is about 100 KB)."""


class Recorder:
    """Writes utterances as WAV files into one folder; never raises (a failure is logged once)."""

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time, keep: int = KEEP_RECORDINGS) -> None:
        self.folder = folder
        self._clock = clock
        self._keep = keep
        self._warned = False

    def save(self, pcm: bytes) -> Path | None:
        """Write one utterance (16 kHz mono s16le); its path, or None if there was nothing or it failed."""
        if len(pcm) < 2:
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if shutil.disk_usage(self.folder).free < MIN_FREE_BYTES:
                self._warn_once("the disk is nearly full")
                return None
            path = self._write(pcm[:len(pcm) // 2 * 2])
            self._delete_oldest()
            return path
        except OSError as error:
            self._warn_once(str(error.strerror or error))
            return None

    def _write(self, pcm: bytes) -> Path:
        path = write_wav(self._free_name(), pcm)
        log.debug("Recorded %.1f s to %s", seconds_of(pcm), path)
        return path

    def _delete_oldest(self) -> None:
        recordings = sorted(self.folder.glob("*.wav"), key=lambda path: (path.stat().st_mtime_ns, path.name))
        for path in recordings[:-self._keep]:
            path.unlink(missing_ok=True)

    def _free_name(self) -> Path:
        now = self._clock()
        stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
        path, number = self.folder / f"{stamp}.wav", 1
        while path.exists():
            number += 1
            path = self.folder / f"{stamp}-{number}.wav"
        return path

    def _warn_once(self, problem: str) -> None:
        if not self._warned:
            log.warning("Cannot keep recordings in %s (%s); the assistant goes on without recording.",
                        self.folder, problem)
            self._warned = True


def write_wav(path: Path, pcm: bytes) -> Path:
    """Write 16 kHz mono s16le audio as a WAV file at ``path``, whole or not at all; raises OSError."""
    partial = path.with_suffix(".part")  # renamed when complete, so every *.wav is a whole recording
    try:
        with wave.open(str(partial), "wb") as out:
            out.setnchannels(CHANNELS)
            out.setsampwidth(SAMPLE_WIDTH)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm)
        partial.replace(path)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return path


def recorder_for(settings: Settings) -> Recorder | None:
    """A Recorder into ``data_dir()/recordings`` when ``record_audio`` is on; None (record nothing) when off."""
    return Recorder(data_dir() / "recordings") if settings.record_audio else None
