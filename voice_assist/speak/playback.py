"""Playing synthesized sentences through a sounddevice output stream that can be cut off at once.

The audio callback only copies samples from a queue of sentences; everything else happens in the
thread that calls ``play``/``finish`` (the speech thread) or ``abort`` (whoever says "stop").
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any

import numpy as np
import sounddevice as sd

from voice_assist.devices import find_output_device
from voice_assist.errors import SpeechOutputError
from voice_assist.resample import resample
from voice_assist.speak.synth import Audio

log = logging.getLogger(__name__)

LATENCY = 0.1
"""Seconds of output buffering asked of PortAudio. Abort discards these buffers, so it does not delay a
stop; a smaller value only risks underruns (clicks) on a busy two-core machine."""


class Player:
    """One output stream per stretch of speech: opened by the first ``play``, closed after ``finish``."""

    def __init__(self, device: str | None = None) -> None:
        """``device``: a PortAudio device index or part of its name (Settings.output_device)."""
        self._device_spec = device
        self._lock = threading.Lock()
        self._chunks: collections.deque[np.ndarray] = collections.deque()
        self._stream: sd.RawOutputStream | None = None
        self._ending = False
        self._finished = threading.Event()
        self._finished.set()
        self._position = 0
        """Samples of the first chunk already copied out; touched only by the callback."""
        self._handed = 0
        """Sentences handed to the current stream (written by play)."""
        self._started = 0
        """Sentences the callback has begun copying out (written by the callback, and by abort/open
        while no callback runs): each counter has one writer, so no lock is needed in the callback."""
        self.first_sample_time: float | None = None
        """time.monotonic() when the callback first copied speech out of the current stream: for benchmarks."""

    @property
    def active(self) -> bool:
        """True while a stream is open and has not finished playing."""
        return not self._finished.is_set()

    def play(self, audio: Audio) -> None:
        """Queue a sentence after whatever is playing, opening the stream if needed (does not wait)."""
        with self._lock:
            if self._stream is None or self._finished.is_set():
                self._open(audio.rate)
            assert self._stream is not None
            samples = audio.samples
            if audio.rate != int(self._stream.samplerate):
                converted = resample(samples.astype(np.float64) / 32768.0, audio.rate, int(self._stream.samplerate))
                samples = np.clip(np.rint(converted * 32767.0), -32768, 32767).astype(np.int16)
            self._chunks.append(samples)
            self._handed += 1

    def queued_seconds(self) -> float:
        """Length of the audio not yet played (an upper bound: the chunk playing counts whole)."""
        stream = self._stream
        if stream is None:
            return 0.0
        return sum(len(chunk) for chunk in list(self._chunks)) / stream.samplerate

    def wait_until_started(self, timeout: float | None = None) -> bool:
        """Wait until every queued sentence has begun playing (or the stream stopped)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._started < self._handed and not self._finished.is_set():
            if deadline is not None and time.monotonic() > deadline:
                return False
            self._finished.wait(0.01)
        return True

    def finish(self) -> None:
        """No more sentences follow: let the stream end after the last sample has been played."""
        self._ending = True

    def wait_finished(self, timeout: float | None = None) -> bool:
        finished = self._finished.wait(timeout)
        if finished:
            self._close()
        return finished

    def abort(self) -> None:
        """Silence now: drop queued audio and discard what is buffered in the device."""
        with self._lock:
            stream = self._stream
            if stream is not None:
                try:
                    stream.abort(ignore_errors=True)
                finally:
                    self._finished.set()
            self._chunks.clear()
            self._started = self._handed
        self._close()

    def close(self) -> None:
        self.abort()

    def _open(self, rate: int) -> None:
        self._close_locked()
        device = find_output_device(self._device_spec)  # looked up per stream: devices come and go
        self._chunks.clear()
        self._handed = self._started = 0
        self._position = 0
        self._ending = False
        self.first_sample_time = None
        self._finished.clear()
        try:
            self._stream = self._new_stream(device, rate)
            self._stream.start()
        except sd.PortAudioError as error:
            self._close_locked()
            self._finished.set()
            raise SpeechOutputError(f"The speaker could not be opened ({error}). Check that it is connected "
                                    "and not used by another program, or choose another one with "
                                    "output_device.") from error

    def _new_stream(self, device: int | None, rate: int) -> sd.RawOutputStream:
        """At the speech's own rate if the device takes it, else at the device's rate (play resamples)."""
        try:
            return self._stream_at(device, rate)
        except sd.PortAudioError:
            device_rate = int(sd.query_devices(device, "output")["default_samplerate"])
            if device_rate == rate:
                raise
            log.info("The speaker does not take %d Hz; resampling speech to %d Hz.", rate, device_rate)
            return self._stream_at(device, device_rate)

    def _stream_at(self, device: int | None, rate: int) -> sd.RawOutputStream:
        return sd.RawOutputStream(samplerate=rate, channels=1, dtype="int16", device=device, latency=LATENCY,
                                  callback=self._callback, finished_callback=self._finished.set)

    def _close(self) -> None:
        with self._lock:
            if self._finished.is_set():
                self._close_locked()

    def _close_locked(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close(ignore_errors=True)

    def _callback(self, outdata: Any, frames: int, _time: Any, _status: sd.CallbackFlags) -> None:
        """Copy queued samples out; pad with silence; stop after the last sample once finish() was called."""
        out = np.frombuffer(outdata, dtype=np.int16)
        filled = 0
        while filled < frames and self._chunks:
            chunk = self._chunks[0]
            if self._position == 0:
                self._started += 1
                if self.first_sample_time is None:
                    self.first_sample_time = time.monotonic()
            count = min(frames - filled, len(chunk) - self._position)
            out[filled:filled + count] = chunk[self._position:self._position + count]
            filled += count
            self._position += count
            if self._position >= len(chunk):
                self._chunks.popleft()
                self._position = 0
        out[filled:] = 0
        if self._ending and not self._chunks:
            raise sd.CallbackStop
