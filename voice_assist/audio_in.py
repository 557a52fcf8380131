"""Audio in: WAV files and the microphone, always delivered as 16 kHz mono s16le (``SAMPLE_RATE``)."""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_assist.errors import VoiceAssistError
from voice_assist.recognize import SAMPLE_RATE
from voice_assist.resample import resample

log = logging.getLogger(__name__)

_PCM = 1
_IEEE_FLOAT = 3
_EXTENSIBLE = 0xFFFE
_INT_DTYPES = {1: "u1", 2: "<i2", 4: "<i4"}
_FLOAT_DTYPES = {4: "<f4", 8: "<f8"}
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
    scaled = np.clip(np.rint(np.asarray(samples) * 32767.0), -32768, 32767)
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
                raise AudioFileError(path, "is a broken WAV file (audio data before its format chunk)")
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
