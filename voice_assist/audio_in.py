"""Audio in: WAV files and the microphone, always delivered in the pipeline's format (``audio_format``)."""

from __future__ import annotations

import contextlib
import logging
import queue
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice_assist.audio_format import BYTES_PER_SECOND, SAMPLE_RATE, bytes_for
from voice_assist.devices import list_devices
from voice_assist.errors import AudioDeviceError, VoiceAssistError
from voice_assist.resample import Resampler, resample

__all__ = ["AudioFileError", "CaptureFormat", "Microphone", "read_wav", "to_pcm16"]

log = logging.getLogger(__name__)

_PCM = 1
_IEEE_FLOAT = 3
_EXTENSIBLE = 0xFFFE
_INT_DTYPES = {1: "u1", 2: "<i2", 4: "<i4"}
_FLOAT_DTYPES = {4: "<f4", 8: "<f8"}
MIN_WAV_RATE, MAX_WAV_RATE = 4_000, 384_000
"""Hertz: sample rates a WAV file may have (telephone audio to studio recorders)."""
_CONVERT_HINT = "Use a WAV file (16-bit PCM is safest); sox converts others: 'sox input.mp3 -b 16 output.wav'."


class AudioFileError(VoiceAssistError):
    """An audio file that cannot be used: ``str(error)`` names the file, what is wrong, and what to do."""

    def __init__(self, path: Path, problem: str, fix: str = _CONVERT_HINT) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}. {fix}")


@dataclass(frozen=True)
class WavFormat:
    """The ``fmt `` chunk of a WAV file."""

    encoding: int
    """1 = integer PCM, 3 = IEEE float (WAVE_FORMAT_EXTENSIBLE is resolved to one of these)."""
    channels: int
    rate: int
    """Hertz."""
    sample_bytes: int
    """Bytes per sample of one channel."""


def read_wav(path: Path | str) -> bytes:
    """Read a WAV file of any rate and channel count as 16 kHz mono s16le bytes.

    Integer PCM of 8, 16, 24 or 32 bits and 32/64-bit float are supported; channels are averaged.
    Raises AudioFileError when the file is missing, not a WAV, empty or in an unsupported format.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AudioFileError(path, f"cannot be read ({error.strerror or error})",
                             "Check the file name and that the file is readable.") from error
    wav_format, payload = _parse_riff(path, data)
    samples = _decode(path, wav_format, payload)
    mono = samples.mean(axis=1) if wav_format.channels > 1 else samples[:, 0]
    if wav_format.rate != SAMPLE_RATE:
        mono = resample(mono, wav_format.rate, SAMPLE_RATE)
    return to_pcm16(mono)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as s16le bytes; louder samples are clipped."""
    scaled = np.rint(np.clip(np.asarray(samples), -1.0, 1.0) * 32767.0)  # clip first: huge floats overflow
    return scaled.astype("<i2").tobytes()


def _parse_riff(path: Path, data: bytes) -> tuple[WavFormat, bytes]:
    if len(data) == 0:
        raise AudioFileError(path, "is empty (0 bytes)")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFileError(path, "is not a WAV file (no RIFF/WAVE header)")
    wav_format: WavFormat | None = None
    position = 12
    while position + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, position)
        body = data[position + 8:position + 8 + size]  # a truncated last chunk keeps what is there
        if chunk_id == b"fmt ":
            wav_format = _parse_fmt(path, body)
        elif chunk_id == b"data":
            if wav_format is None:
                raise AudioFileError(path, "is a broken WAV file (no format chunk before the audio data)")
            return wav_format, body
        position += 8 + size + (size & 1)  # chunks are padded to an even length
    if wav_format is None:
        raise AudioFileError(path, "is a broken WAV file (no format chunk)")
    raise AudioFileError(path, "contains no audio (no data chunk)")


def _parse_fmt(path: Path, body: bytes) -> WavFormat:
    if len(body) < 16:
        raise AudioFileError(path, "is a broken WAV file (format chunk too short)")
    encoding, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if encoding == _EXTENSIBLE and len(body) >= 26:
        encoding = struct.unpack_from("<H", body, 24)[0]  # first two bytes of the sub-format GUID
    if channels == 0 or rate == 0:
        raise AudioFileError(path, f"has an invalid format ({channels} channels at {rate} Hz)")
    if not MIN_WAV_RATE <= rate <= MAX_WAV_RATE:
        # A damaged header can claim any rate; resampling 4 GHz or 1 Hz audio would need gigabytes.
        raise AudioFileError(path, f"has an unusable sample rate ({rate} Hz; {MIN_WAV_RATE}-{MAX_WAV_RATE} Hz "
                                   "can be used)")
    if not 1 <= bits <= 64:
        raise AudioFileError(path, f"is a broken WAV file ({bits} bits per sample)")
    return WavFormat(encoding=encoding, channels=channels, rate=rate, sample_bytes=(bits + 7) // 8)


def _decode(path: Path, wav_format: WavFormat, payload: bytes) -> np.ndarray:
    """Samples as float64 in [-1, 1], shaped (frames, channels)."""
    frame_bytes = wav_format.sample_bytes * wav_format.channels
    frames = len(payload) // frame_bytes
    if frames == 0:
        raise AudioFileError(path, "contains no audio (0 samples)")
    payload = payload[:frames * frame_bytes]
    width = wav_format.sample_bytes
    if wav_format.encoding == _PCM and width == 3:
        samples = _decode_int24(payload)
    elif wav_format.encoding == _PCM and width in _INT_DTYPES:
        raw = np.frombuffer(payload, dtype=_INT_DTYPES[width]).astype(np.float64)
        # 8-bit WAV is unsigned with silence at 128; wider integers are signed.
        samples = (raw - 128.0) / 128.0 if width == 1 else raw / 2.0 ** (8 * width - 1)
    elif wav_format.encoding == _IEEE_FLOAT and width in _FLOAT_DTYPES:
        samples = np.nan_to_num(np.frombuffer(payload, dtype=_FLOAT_DTYPES[width]).astype(np.float64))
    else:
        raise AudioFileError(path, f"uses an unsupported encoding ({_describe(wav_format)})")
    return samples.reshape(frames, wav_format.channels)


def _decode_int24(payload: bytes) -> np.ndarray:
    triples = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
    values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
    values = np.where(values >= 1 << 23, values - (1 << 24), values)
    return values / float(1 << 23)


def _describe(wav_format: WavFormat) -> str:
    names = {_PCM: "integer PCM", _IEEE_FLOAT: "float", 6: "A-law", 7: "mu-law", 2: "ADPCM", 0x11: "IMA ADPCM"}
    name = names.get(wav_format.encoding, f"format code {wav_format.encoding}")
    return f"{name}, {wav_format.sample_bytes * 8}-bit"


# --- Microphone ----------------------------------------------------------------------------------------

FRAME_SECONDS = 0.03
"""Frames handed to the caller: 30 ms, a common unit for voice activity detection."""
_STREAM_ENDED = None
"""Queued by PortAudio's finished callback: wakes a waiting reader when the stream stops."""


@dataclass(frozen=True)
class CaptureFormat:
    """What the device is actually asked for; converted to 16 kHz mono on the way out."""

    rate: int
    """Hertz."""
    channels: int


class Microphone:
    """A live microphone yielding 16 kHz mono s16le frames of ``frame_seconds``; use it with ``with``.

    Nothing is recorded: audio lives only in a short in-memory queue between the sound card's thread and
    the reader. ``read`` raises AudioDeviceError when no audio arrives for ``timeout`` seconds, so a
    microphone that was unplugged is noticed instead of waiting forever.
    """

    def __init__(self, device: int | None = None, *, frame_seconds: float = FRAME_SECONDS, timeout: float = 2.0,
                 capture_rate: int | None = None, max_queued_seconds: float = 30.0,
                 start_timeout: float = 6.0) -> None:
        """``capture_rate`` forces a device rate (normally 16 kHz if the device can, else its own rate)."""
        self.device = device
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.frame_bytes = bytes_for(frame_seconds)
        self._forced_rate = capture_rate
        self._max_queued_seconds = max_queued_seconds
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._stream: Any = None
        self._buffer = bytearray()
        self._dropped = 0
        self._overflows = 0
        self._reported = (0, 0)
        self.capture: CaptureFormat | None = None
        self._resampler: Resampler | None = None
        self.name = "the default microphone"

    def __enter__(self) -> Microphone:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        """Frames until the microphone is closed."""
        while self._stream is not None:
            frame = self.read()
            if frame:
                yield frame

    def open(self) -> None:
        import sounddevice as sd

        self.name = self._device_name()
        self.capture = _capture_format(self.device, self._forced_rate, self.name)
        self._resampler = Resampler(self.capture.rate, SAMPLE_RATE) if self.capture.rate != SAMPLE_RATE else None
        chunk_frames = max(1, round(self.capture.rate * self.frame_bytes / 2 / SAMPLE_RATE))
        self._queue = queue.Queue(maxsize=max(1, round(self._max_queued_seconds * BYTES_PER_SECOND / self.frame_bytes)))
        try:
            self._stream = sd.RawInputStream(
                samplerate=self.capture.rate, blocksize=chunk_frames, device=self.device,
                channels=self.capture.channels, dtype="int16", latency="high",
                callback=self._on_audio, finished_callback=self._on_finished)
            self._stream.start()
            self._wait_for_first_audio()
        except AudioDeviceError:
            self.close()
            raise
        except (sd.PortAudioError, ValueError) as error:
            self.close()
            raise AudioDeviceError(f"cannot open {self.name} ({error}). Check that it is plugged in and not "
                                   f"used by another program, or choose another with --input-device "
                                   f"(see 'voice-assist devices').") from error
        log.info("Listening on %s (%d Hz, %d channel%s).", self.name, self.capture.rate, self.capture.channels,
                 "" if self.capture.channels == 1 else "s")

    def _wait_for_first_audio(self) -> None:
        """Return once audio flows, so "listening" is true when it is said.

        Through ALSA's PulseAudio plugin the first stream a process opens stays silent for about two
        seconds (seen with PortAudio 19.6 on Debian 12); whatever is said then is lost, so it must not
        count as listening yet.
        """
        try:
            first = self._queue.get(timeout=self.start_timeout)
        except queue.Empty:
            raise AudioDeviceError(f"{self.name} was opened but sent no audio within {self.start_timeout:g} "
                                   f"seconds. Check that it is switched on and not muted, or choose another with "
                                   f"--input-device (see 'voice-assist devices').") from None
        if first is not _STREAM_ENDED:
            self._buffer += self._to_16k_mono(first)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        self._buffer.clear()

    def read(self) -> bytes:
        """The next frame (``frame_bytes`` of 16 kHz mono s16le); b"" once the microphone is closed."""
        while len(self._buffer) < self.frame_bytes:
            if self._stream is None:
                return b""
            self._buffer += self._next_chunk()
        frame = bytes(self._buffer[:self.frame_bytes])
        del self._buffer[:self.frame_bytes]
        return frame

    def discard_pending(self) -> None:
        """Drop audio captured but not yet read, e.g. the assistant's own voice while it was speaking."""
        self._buffer.clear()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        if self._resampler is not None:
            self._resampler = Resampler(self._resampler.from_rate, SAMPLE_RATE)

    # Runs on PortAudio's thread: only queue the bytes; everything else happens in the reader.
    def _on_audio(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        if status:
            self._overflows += 1
        try:
            self._queue.put_nowait(bytes(indata))
        except queue.Full:
            self._dropped += 1

    def _on_finished(self) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_STREAM_ENDED)

    def _next_chunk(self) -> bytes:
        try:
            chunk = self._queue.get(timeout=self.timeout)
        except queue.Empty:
            raise AudioDeviceError(
                f"{self.name} sent no audio for {self.timeout:g} seconds. Check that it is plugged in and "
                f"switched on, or choose another with --input-device (see 'voice-assist devices').") from None
        self._report_losses()
        if chunk is _STREAM_ENDED:
            if self._stream is not None and not self._stream.active:
                raise AudioDeviceError(f"{self.name} stopped. Check that it is still plugged in.")
            return b""
        return self._to_16k_mono(chunk)

    def _to_16k_mono(self, chunk: bytes) -> bytes:
        assert self.capture is not None
        if self.capture.channels == 1 and self._resampler is None:
            return chunk
        samples = np.frombuffer(chunk, dtype="<i2").astype(np.float64) / 32768.0
        if self.capture.channels > 1:
            samples = samples.reshape(-1, self.capture.channels).mean(axis=1)
        if self._resampler is not None:
            samples = self._resampler.process(samples)
        return to_pcm16(samples)

    def _report_losses(self) -> None:
        current = (self._overflows, self._dropped)
        if current == self._reported:
            return
        overflows, dropped = current[0] - self._reported[0], current[1] - self._reported[1]
        self._reported = current
        if overflows:
            log.warning("%s: %d audio overflow%s (the computer was busy; a little audio may be lost).",
                        self.name, overflows, "" if overflows == 1 else "s")
        if dropped:
            log.warning("%s: %d audio blocks dropped because nobody was listening.", self.name, dropped)

    def _device_name(self) -> str:
        import sounddevice as sd

        try:
            info = sd.query_devices(self.device, "input")
        except (sd.PortAudioError, ValueError) as error:
            known = "; ".join(f"{device.index}: {device.name}" for device in list_devices()
                              if device.input_channels > 0) or "none"
            raise AudioDeviceError(f"no usable microphone ({error}). Microphones found: {known}. "
                                   f"Plug one in, or check the sound settings.") from error
        return f"microphone {info['index']} ({info['name']})"


def _capture_format(device: int | None, forced_rate: int | None, name: str) -> CaptureFormat:
    """16 kHz mono if the device can; otherwise its own rate and/or two channels, converted later."""
    import sounddevice as sd

    info = sd.query_devices(device, "input")
    rates = [forced_rate] if forced_rate else [SAMPLE_RATE, round(info["default_samplerate"])]
    channel_counts = sorted({1, min(2, info["max_input_channels"])})
    for channels in channel_counts:
        for rate in rates:
            try:
                sd.check_input_settings(device=device, samplerate=rate, channels=channels, dtype="int16")
            except (sd.PortAudioError, ValueError):
                continue
            return CaptureFormat(rate=rate, channels=channels)
    raise AudioDeviceError(f"{name} accepts none of {rates} Hz with 1 or 2 channels of 16-bit audio. "
                           f"Choose another with --input-device (see 'voice-assist devices').")
