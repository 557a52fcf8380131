"""Bad audio in: empty, endless, not a WAV, odd formats, pure noise, clipping. Each gives a clear message or a
sensible reply: never a traceback, never a hang.

The command-line runs are real (``voice-assist ask --wav`` / ``transcribe`` in a subprocess with pocketsphinx);
their timeout only guards against a hang.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.spoken import synthesize
from tests.tiny_vosk import write_tiny_model
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.audio_in import AudioFileError, read_wav
from voice_assist.config import BUNDLED_CONTENT
from voice_assist.content import load_library
from voice_assist.recognize import Recognizer, domain_of
from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer
from voice_assist.recognize.vosk_engine import VoskRecognizer

ROOT = Path(__file__).resolve().parents[1]
HANG_GUARD = 300
"""Seconds: far beyond any normal run; only a hang reaches it."""


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "VOICE_ASSIST_MODEL": ""}
    return subprocess.run([sys.executable, "-m", "voice_assist", *args], capture_output=True, text=True,
                          timeout=HANG_GUARD, cwd=ROOT, env=env, check=False)


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())
    return path


def riff(fmt: bytes, payload: bytes, *, extra_chunks: bytes = b"") -> bytes:
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
            + b"data" + struct.pack("<I", len(payload)) + payload)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(encoding: int, channels: int, rate: int, bits: int) -> bytes:
    block = channels * ((bits + 7) // 8)
    return struct.pack("<HHIIHH", encoding, channels, rate, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, bits)


def question_samples(text: str = "what causes als") -> np.ndarray:
    return np.frombuffer(synthesize(text, speed=150), dtype="<i2").astype(np.float64)


def noise(seconds: float, level: float, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * SAMPLE_RATE)) * level


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


# --- files that cannot be used: one clear line, exit code 2 ----------------------------------------------

UNUSABLE = {
    "empty.wav": (b"", "is empty"),
    "text.wav": (b"what are the symptoms\n", "is not a WAV file"),
    "song.mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(400), "is not a WAV file"),
    "header-only.wav": (riff(fmt_chunk(1, 1, 16000, 16), b""), "contains no audio"),
    "mulaw.wav": (riff(fmt_chunk(7, 1, 8000, 8), bytes(800)), "unsupported encoding (mu-law, 8-bit)"),
    "adpcm.wav": (riff(fmt_chunk(2, 1, 16000, 4), bytes(800)), "unsupported encoding (ADPCM"),
    "zero-bits.wav": (riff(fmt_chunk(1, 1, 16000, 0), bytes(800)), "0 bits per sample"),
    "giga-rate.wav": (riff(fmt_chunk(1, 1, 4_000_000_000, 16), bytes(800)), "unusable sample rate"),
    "one-hertz.wav": (riff(fmt_chunk(1, 1, 1, 16), bytes(8000)), "unusable sample rate"),
    "no-channels.wav": (riff(fmt_chunk(1, 0, 16000, 16), bytes(800)), "invalid format"),
    "no-fmt.wav": (b"RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00", "broken WAV file"),
}


@pytest.mark.parametrize("name", UNUSABLE)
def test_an_unusable_file_gets_one_clear_line(tmp_path: Path, name: str) -> None:
    content, problem = UNUSABLE[name]
    path = tmp_path / name
    path.write_bytes(content)
    line = error_line(run(tmp_path, "ask", "--wav", str(path)))
    assert line.startswith(f"voice-assist: {path}: ") and problem in line


def test_a_directory_or_missing_file_is_named(tmp_path: Path) -> None:
    assert "cannot be read" in error_line(run(tmp_path, "transcribe", str(tmp_path)))
    assert str(tmp_path / "gone.wav") in error_line(run(tmp_path, "ask", "--wav", str(tmp_path / "gone.wav")))


def test_a_ten_minute_recording_is_refused_at_once_with_what_to_do(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "ten-minutes.wav", noise(600, 300))
    for command in (["ask", "--wav"], ["transcribe"]):
        line = error_line(run(tmp_path, *command, str(path)))
        assert "10.0 minutes long" in line and "sox" in line and "trim" in line


def test_a_bad_file_among_good_ones_is_reported_before_the_recognizer_starts(tmp_path: Path) -> None:
    good = write_wav(tmp_path / "good.wav", question_samples())
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF")
    result = run(tmp_path, "ask", "--wav", str(good), str(bad))
    assert str(bad) in error_line(result)
    assert "Listening with" not in result.stderr


# --- odd but usable audio: a reply for every file --------------------------------------------------------

@pytest.mark.slow
def test_noise_silence_clipping_and_odd_formats_each_get_a_reply(tmp_path: Path) -> None:
    question = question_samples()
    files = {
        "white-noise": write_wav(tmp_path / "white-noise.wav", noise(8, 6000)),
        "loud-noise": write_wav(tmp_path / "loud-noise.wav", noise(5, 30000)),
        "hum": write_wav(tmp_path / "hum.wav", 8000 * np.sin(2 * np.pi * 50 * np.arange(5 * SAMPLE_RATE)
                                                              / SAMPLE_RATE)),
        "silence": write_wav(tmp_path / "silence.wav", np.zeros(3 * SAMPLE_RATE)),
        "one-sample": write_wav(tmp_path / "one-sample.wav", np.array([1000.0])),
        "dc-offset": write_wav(tmp_path / "dc-offset.wav", np.full(2 * SAMPLE_RATE, 20000.0)),
        "clipped-question": write_wav(tmp_path / "clipped-question.wav", question * 40),
        "quiet-question": write_wav(tmp_path / "quiet-question.wav", question / 200),
        "question-8k-stereo": write_wav(tmp_path / "question-8k-stereo.wav",
                                        np.repeat(question[::2], 2), rate=8000, channels=2),
        "question-in-noise": write_wav(tmp_path / "question-in-noise.wav",
                                       np.concatenate([noise(10, 200), question, noise(10, 200, seed=4)])),
    }
    float_path = tmp_path / "float-inf-nan.wav"
    float_path.write_bytes(riff(fmt_chunk(3, 1, 16000, 32),
                                np.array([np.nan, np.inf, -np.inf, 1e30, 0.5] * 3200, dtype="<f4").tobytes()))
    files["float-inf-nan"] = float_path
    result = run(tmp_path, "ask", "--json", "--wav", *map(str, files.values()))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    records = {Path(record["input"]).stem: record for record in map(json.loads, result.stdout.splitlines())}
    assert list(records) == list(files)
    for name in ("white-noise", "loud-noise", "hum", "silence", "one-sample", "dc-offset", "float-inf-nan"):
        assert records[name]["kind"] != "answer", (name, records[name]["transcript"])  # noise is never answered
    for record in records.values():
        assert isinstance(record["answer"], str) and record["kind"] in ("answer", "command", "clarify", "no_match")


@pytest.mark.slow
def test_transcribe_prints_nothing_for_noise_and_the_words_for_a_question(tmp_path: Path) -> None:
    question = write_wav(tmp_path / "question.wav", question_samples())
    quiet = write_wav(tmp_path / "quiet.wav", noise(4, 30))
    result = run(tmp_path, "transcribe", str(question), str(quiet))
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("\t") for line in result.stdout.splitlines())
    assert lines[str(quiet)] == ""
    assert lines[str(question)] == "what causes als"


# --- the WAV reader and the recognizers take anything ----------------------------------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(header=st.tuples(st.sampled_from([0, 1, 2, 3, 6, 7, 0x11, 0xFFFE, 0x55]) | st.integers(0, 0xFFFF),
                        st.integers(0, 8) | st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF),
                        st.sampled_from([0, 1, 8, 12, 16, 20, 24, 32, 64, 65]) | st.integers(0, 0xFFFF)),
       payload=st.binary(max_size=4096), junk=st.binary(max_size=64), declared_size=st.integers(0, 0xFFFFFFFF))
def test_any_wav_header_gives_audio_or_a_clear_error(tmp_path: Path, header: tuple[int, int, int, int],
                                                     payload: bytes, junk: bytes, declared_size: int) -> None:
    """(encoding, channels, rate, bits) of any value, a junk chunk, and sometimes a lying data size."""
    path = tmp_path / "fuzz.wav"
    data = bytearray(riff(fmt_chunk(*header), payload,
                          extra_chunks=b"LIST" + struct.pack("<I", len(junk)) + junk))
    if declared_size % 3 == 0:  # a lying data size, as in truncated or still-growing recordings
        data[-len(payload) - 4:-len(payload) or None] = struct.pack("<I", declared_size)
    path.write_bytes(bytes(data))
    try:
        pcm = read_wav(path)
    except AudioFileError as error:
        assert str(error).startswith(f"{path}: ")
        return
    assert len(pcm) % 2 == 0 and len(pcm) <= 200 * len(payload) + 2


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_audio_or_a_clear_error(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.wav"
        path.write_bytes(b"RIFF\x00\x00\x00\x00WAVE" + data if data[:1] == b"R" else data)
        try:
            read_wav(path)
        except AudioFileError as error:
            assert str(error).startswith(f"{path}: ")


ODD_BUFFERS = [b"", b"\x01", b"\x01\x02\x03", b"\xff" * 32001, b"\x00\x80" * 16000, b"\xff\x7f" * 48000,
               np.random.default_rng(1).integers(-32768, 32767, 80000).astype("<i2").tobytes()]


def feed_odd_buffers(recognizer: Recognizer) -> None:
    assert recognizer.partial() == "" and recognizer.finish().alternatives == ()
    for pcm in ODD_BUFFERS:
        recognizer.accept(pcm)
        assert isinstance(recognizer.partial(), str)
        assert all(isinstance(text, str) and text for text in recognizer.finish().alternatives)
    for pcm in ODD_BUFFERS:  # all in one utterance
        recognizer.accept(pcm)
    recognizer.finish()
    assert recognizer.finish().alternatives == ()


@pytest.mark.slow
def test_pocketsphinx_takes_empty_odd_and_noisy_buffers(tmp_path: Path) -> None:
    domain = domain_of(load_library([BUNDLED_CONTENT]))
    feed_odd_buffers(PocketsphinxRecognizer(domain, cache_dir=tmp_path))


def test_vosk_takes_empty_odd_and_noisy_buffers(tmp_path: Path) -> None:
    feed_odd_buffers(VoskRecognizer(write_tiny_model(tmp_path / "model"), None))
