"""Audio in: WAV reading and resampling, end-of-question detection, devices and the live microphone.

Speech is real espeak-ng output; format conversions are made with sox; the microphone is the private
PulseAudio server's virtual microphone (the ``pulse`` fixture), reached through the real PortAudio.
"""

from __future__ import annotations

import functools
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.virtual_audio import VirtualAudio, virtual_audio
from voice_assist.audio_in import AudioFileError, Microphone, read_wav
from voice_assist.config import Settings
from voice_assist.devices import find_input_device, list_devices, refresh_devices
from voice_assist.errors import AudioDeviceError, VoiceAssistError
from voice_assist.resample import Resampler, resample
from voice_assist.vad import EndReason, Phase, Step, UtteranceDetector, frame_level

RATE = 16_000
FRAME = 960
"""Bytes in 30 ms of 16 kHz mono s16le."""


# --- Helpers: real speech and sox conversions -------------------------------------------------------------

@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio_in")


def espeak_wav(folder: Path, text: str, speed: int = 140) -> Path:
    path = folder / f"{text.replace(' ', '_')}_{speed}.wav"
    if not path.exists():
        subprocess.run(["espeak-ng", "-s", str(speed), "-w", str(path), text], check=True, timeout=60)
    return path


def sox(source: Path, target: Path, *options: str) -> Path:
    """Convert ``source`` with sox output options (rate, channels, bits, encoding) and effects."""
    subprocess.run(["sox", str(source), *_split(options, target)], check=True, timeout=60)
    return target


def _split(options: tuple[str, ...], target: Path) -> list[str]:
    """sox wants format options before the output file and effects after it: '|' separates them."""
    if "|" in options:
        cut = options.index("|")
        return [*options[:cut], str(target), *options[cut + 1:]]
    return [*options, str(target)]


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def trimmed(pcm: bytes) -> np.ndarray:
    """Speech without espeak-ng's leading and trailing silence, so inserted pauses are exact."""
    values = samples(pcm)
    loud = np.nonzero(np.abs(values) > 64)[0]
    return values[loud[0]:loud[-1] + 1]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(RATE * seconds))


def pcm16(values: np.ndarray) -> bytes:
    return np.clip(np.rint(values), -32768, 32767).astype("<i2").tobytes()


def white_noise(length: int, level_dbfs: float, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 32768 * 10 ** (level_dbfs / 20), length)


def level_db(values: np.ndarray) -> float:
    return 10 * np.log10(np.mean(values * values) / 32768**2 + 1e-12)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    length = min(len(a), len(b))
    return float(np.corrcoef(a[:length], b[:length])[0, 1])


@pytest.fixture(scope="module")
def question(sounds: Path) -> Path:
    return espeak_wav(sounds, "what are the first symptoms of A L S")


# --- read_wav ---------------------------------------------------------------------------------------------

FORMATS = {  # sox options, and how alike the result must be to the 16 kHz original (low rates lose treble)
    "16k-mono-16bit": (("-r", "16000", "-c", "1", "-b", "16"), 0.999),
    "44k1-stereo-16bit": (("-r", "44100", "-c", "2", "-b", "16"), 0.99),
    "48k-mono-24bit": (("-r", "48000", "-b", "24"), 0.99),
    "8k-mono-8bit-unsigned": (("-r", "8000", "-b", "8", "-e", "unsigned-integer"), 0.9),
    "22k05-mono-32bit": (("-r", "22050", "-b", "32"), 0.99),
    "16k-mono-float32": (("-r", "16000", "-e", "floating-point", "-b", "32"), 0.999),
    "11k025-stereo-float64": (("-r", "11025", "-c", "2", "-e", "floating-point", "-b", "64"), 0.95),
    "32k-6-channels-extensible": (("-r", "32000", "-c", "6", "-b", "16"), 0.99),
}


@pytest.mark.parametrize(("options", "alike"), FORMATS.values(), ids=FORMATS.keys())
def test_read_wav_gives_the_same_speech_at_16k_mono_from_any_format(question: Path, sounds: Path,
                                                                    options: tuple[str, ...], alike: float) -> None:
    reference = samples(read_wav(sox(question, sounds / "ref16k.wav", "-r", "16000", "-b", "16")))
    converted = sox(question, sounds / f"{'_'.join(options)}.wav", *options)

    pcm = read_wav(converted)

    assert len(pcm) % 2 == 0
    got = samples(pcm)
    assert abs(len(got) - len(reference)) <= 2  # same duration, to a sample or two of rounding
    assert correlation(got, reference) > alike
    assert abs(level_db(got) - level_db(reference)) < 1.0


def test_read_wav_resamples_like_sox(question: Path, sounds: Path) -> None:
    """espeak-ng writes 22,050 Hz; our resampler and sox's must agree closely."""
    by_sox = samples(read_wav(sox(question, sounds / "sox16k.wav", "-r", "16000")))
    ours = samples(read_wav(question))
    assert correlation(ours, by_sox) > 0.995


def test_read_wav_averages_channels(question: Path, sounds: Path) -> None:
    """Speech on the left only, silence on the right: the mono mix is the speech at half amplitude."""
    left_only = sox(question, sounds / "left.wav", "-r", "16000", "-c", "2", "|", "remix", "1", "0")
    mono = samples(read_wav(sox(question, sounds / "mono16k.wav", "-r", "16000")))
    mixed = samples(read_wav(left_only))
    assert correlation(mixed, mono) > 0.999
    assert level_db(mixed) == pytest.approx(level_db(mono) - 6.02, abs=0.2)


def test_read_wav_accepts_a_truncated_file(question: Path, sounds: Path) -> None:
    """A recording cut off mid-write (data size says more than there is) keeps what is there."""
    whole = sox(question, sounds / "whole.wav", "-r", "16000", "-b", "16")
    cut = sounds / "cut.wav"
    data = whole.read_bytes()
    cut.write_bytes(data[:len(data) // 2 + 1])  # odd length: half a sample at the end
    assert len(read_wav(cut)) == (len(data) // 2 + 1 - 44) // 2 * 2


BAD_FILES = {
    "empty": (b"", "is empty"),
    "text": (b"what is ALS\n", "is not a WAV file"),
    "riff-but-not-wave": (b"RIFF\x04\x00\x00\x00AVI LIST", "is not a WAV file"),
    "no-format-chunk": (b"RIFF\x0c\x00\x00\x00WAVEdata\x00\x00\x00\x00", "no format chunk"),
    "header-only": (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"
                    b"\x00\x7d\x00\x00\x02\x00\x10\x00", "no data chunk"),
    "no-samples": (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"
                   b"\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00", "0 samples"),
}


@pytest.mark.parametrize(("content", "problem"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_read_wav_explains_bad_files(sounds: Path, content: bytes, problem: str) -> None:
    path = sounds / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFileError) as raised:
        read_wav(path)
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)
    assert isinstance(raised.value, VoiceAssistError)  # caught at the edge like every user-fixable error


def test_read_wav_names_an_unsupported_encoding(question: Path, sounds: Path) -> None:
    alaw = sox(question, sounds / "alaw.wav", "-e", "a-law")
    with pytest.raises(AudioFileError, match=r"alaw\.wav: uses an unsupported encoding \(A-law, 8-bit\)"):
        read_wav(alaw)


def test_read_wav_explains_a_missing_file(sounds: Path) -> None:
    with pytest.raises(AudioFileError, match=r"nowhere\.wav: cannot be read .* Check the file name"):
        read_wav(sounds / "nowhere.wav")


# --- Resampler -------------------------------------------------------------------------------------------

def tone(frequency: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * frequency * np.arange(round(rate * seconds)) / rate)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000])
def test_resampling_keeps_a_tone_in_band(rate: int) -> None:
    out = resample(tone(440, rate), rate, RATE)
    assert len(out) == RATE
    expected = tone(440, RATE)
    inner = slice(400, -400)  # the edges meet the silence assumed around the signal
    assert np.max(np.abs(out[inner] - expected[inner])) < 1e-3


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_resampling_down_removes_what_16k_cannot_hold(rate: int) -> None:
    """A 9 kHz whistle is above 16 kHz audio's 8 kHz limit: it must vanish, not fold back to 7 kHz."""
    out = resample(tone(9000, rate), rate, RATE)
    assert level_db(out[400:-400] * 32768) < -60


def test_resampling_in_chunks_equals_resampling_at_once() -> None:
    signal = np.random.default_rng(3).normal(0, 0.1, 44100)
    whole = resample(signal, 44100, RATE)
    streaming = Resampler(44100, RATE)
    pieces = [streaming.process(signal[start:start + 441]) for start in range(0, len(signal), 441)]
    assert np.allclose(np.concatenate([*pieces, streaming.flush()]), whole)


@settings(max_examples=25, deadline=None)
@given(rate=st.integers(4000, 96000), length=st.integers(0, 5000),
       chunks=st.lists(st.integers(1, 700), min_size=1, max_size=8))
def test_resampling_any_rate_in_any_chunks(rate: int, length: int, chunks: list[int]) -> None:
    """Output length is the input's duration at 16 kHz, however the input is cut into chunks."""
    signal = np.random.default_rng(length).normal(0, 0.1, length)
    whole = resample(signal, rate, RATE)
    assert len(whole) == -(-length * RATE // rate)
    streaming, start = Resampler(rate, RATE), 0
    pieces: list[np.ndarray] = []
    while start < length:
        size = chunks[len(pieces) % len(chunks)]
        pieces.append(streaming.process(signal[start:start + size]))
        start += size
    assert np.allclose(np.concatenate([*pieces, streaming.flush()]), whole)


# --- UtteranceDetector ------------------------------------------------------------------------------------

def run_detector(pcm: bytes, detector: UtteranceDetector | None = None) -> list[tuple[float, Step]]:
    """Push 30 ms frames; return (time at the end of the frame in seconds, step) for every frame."""
    detector = detector or UtteranceDetector()
    steps = []
    for start in range(0, len(pcm), FRAME):
        steps.append(((start + FRAME) / (2 * RATE), detector.push(pcm[start:start + FRAME])))
    return steps


def utterances(steps: list[tuple[float, Step]]) -> list[tuple[float, float, EndReason | None]]:
    """(start time, end time, why it ended) of each utterance found."""
    found: list[tuple[float, float, EndReason | None]] = []
    start = None
    for time, step in steps:
        if step.started:
            start = time
        if step.ended is not None and start is not None:
            found.append((start, time, step.ended))
            start = None
    if start is not None:
        found.append((start, steps[-1][0], None))
    return found


@pytest.fixture(scope="module")
def halting_question(sounds: Path) -> tuple[np.ndarray, float, float]:
    """A slow question with two 1.2 s pauses in it; returns (samples, speech start, speech end) in seconds."""
    parts = [trimmed(read_wav(espeak_wav(sounds, text, speed=100))) for text in ("what are the first",
                                                                                 "symptoms", "of A L S")]
    pieces = [silence(1.0), parts[0], silence(1.2), parts[1], silence(1.2), parts[2], silence(3.0)]
    speech_end = sum(len(piece) for piece in pieces[:-1]) / RATE
    return np.concatenate(pieces), 1.0, speech_end


@pytest.mark.parametrize("noise_dbfs", [None, -60.0, -45.0, -35.0], ids=["clean", "quiet-room", "fan", "loud-fan"])
def test_pauses_in_the_middle_do_not_end_the_question(halting_question: tuple[np.ndarray, float, float],
                                                      noise_dbfs: float | None) -> None:
    signal, speech_start, speech_end = halting_question
    if noise_dbfs is not None:
        signal = signal + white_noise(len(signal), noise_dbfs)

    steps = run_detector(pcm16(signal))

    found = utterances(steps)
    assert len(found) == 1, found
    start, end, reason = found[0]
    assert reason is EndReason.SILENCE
    assert speech_start <= start <= speech_start + 0.2
    end_silence = Settings().end_silence
    # The fading end of the last word can sink below a loud fan's noise: the silence then starts earlier.
    assert speech_end + end_silence - 0.3 <= end <= speech_end + end_silence + 0.2
    pauses = [step.trailing_silence for _, step in steps if step.phase is Phase.PAUSE]
    assert 1.0 <= max(pauses) < end_silence  # the 1.2 s pauses were seen as pauses, and let pass


def test_trailing_silence_lets_the_caller_end_early(halting_question: tuple[np.ndarray, float, float]) -> None:
    """After the last word, trailing silence passes quick_end_silence well before end_silence."""
    signal, _, speech_end = halting_question
    quick = Settings().quick_end_silence
    steps = run_detector(pcm16(signal))
    first_quick = next(time for time, step in steps if time > speech_end and step.trailing_silence >= quick)
    assert first_quick == pytest.approx(speech_end + quick, abs=0.1)


def test_the_utterance_audio_keeps_the_first_syllable(halting_question: tuple[np.ndarray, float, float]) -> None:
    signal, speech_start, speech_end = halting_question
    steps = run_detector(pcm16(signal))
    audio = samples(b"".join(step.audio for _, step in steps))
    pre_roll = np.argmax(np.abs(audio) > 64) / RATE
    assert 0.2 <= pre_roll <= 0.6  # the audio starts this long before the first sound
    # Everything from the first sound to the end of the last word was passed on, unchanged.
    first = round(speech_start * RATE)
    spoken = signal[first:round(speech_end * RATE)]
    offset = round(pre_roll * RATE)
    assert np.array_equal(audio[offset:offset + len(spoken)], spoken)


def test_two_questions_apart_are_two_utterances(sounds: Path) -> None:
    first = trimmed(read_wav(espeak_wav(sounds, "what is riluzole")))
    second = trimmed(read_wav(espeak_wav(sounds, "how is it diagnosed")))
    signal = np.concatenate([silence(0.8), first, silence(2.5), second, silence(2.5)])
    found = utterances(run_detector(pcm16(signal)))
    assert [reason for _, _, reason in found] == [EndReason.SILENCE, EndReason.SILENCE]


def test_reset_ends_an_utterance_early_and_the_next_is_found(sounds: Path) -> None:
    """The caller ends the first question after a short pause; the second question still starts."""
    first = trimmed(read_wav(espeak_wav(sounds, "what is riluzole")))
    second = trimmed(read_wav(espeak_wav(sounds, "stop")))
    pcm = pcm16(np.concatenate([silence(0.8), first, silence(0.9), second, silence(2.5)]))
    detector = UtteranceDetector()
    starts, quick_ends = 0, 0
    for start in range(0, len(pcm), FRAME):
        step = detector.push(pcm[start:start + FRAME])
        starts += step.started
        assert step.ended is not EndReason.MAX_LENGTH
        if step.trailing_silence >= Settings().quick_end_silence:
            detector.reset()
            quick_ends += 1
            assert detector.phase is Phase.WAITING and detector.trailing_silence == 0.0
    assert (starts, quick_ends) == (2, 2)


def test_the_hard_cap_ends_endless_speech(sounds: Path) -> None:
    talk = trimmed(read_wav(espeak_wav(sounds, "the weather was nice yesterday and we went to the market")))
    signal = np.concatenate([silence(0.5), talk, talk, silence(1.0)])
    detector = UtteranceDetector(end_silence=1.8, max_utterance=3.0)
    found = utterances(run_detector(pcm16(signal), detector))
    assert found[0][2] is EndReason.MAX_LENGTH
    assert found[0][1] - found[0][0] == pytest.approx(3.0 - 0.5, abs=0.1)  # the 3 s include the pre-roll


def test_steady_noise_alone_is_not_a_question() -> None:
    steps = run_detector(pcm16(white_noise(RATE * 8, -30.0)))
    assert utterances(steps) == []
    assert steps[-1][1].noise_floor == pytest.approx(-30.0, abs=1.5)


def test_the_noise_floor_follows_a_fan_switched_on(halting_question: tuple[np.ndarray, float, float]) -> None:
    """Quiet, then a loud fan: at most a short false start, then the floor adapts and a question is found."""
    speech, _, _ = halting_question
    quiet = white_noise(RATE * 3, -65.0, seed=1)
    fan = white_noise(RATE * 8 + len(speech), -35.0, seed=2)
    fan[RATE * 8:] += speech
    steps = run_detector(pcm16(np.concatenate([quiet, fan])))
    found = utterances(steps)
    assert all(reason is not EndReason.MAX_LENGTH for _, _, reason in found)
    assert all(end < 3.0 + 6.0 for start, end, _ in found if start < 3.0 + 4.0)  # false start ends soon
    questions = [(start, end) for start, end, reason in found if start > 3.0 + 8.0]
    assert len(questions) == 1 and found[-1][2] is EndReason.SILENCE
    assert steps[-1][1].noise_floor == pytest.approx(-35.0, abs=1.5)


def test_a_knock_is_not_a_question() -> None:
    knock = white_noise(round(RATE * 0.06), -10.0)
    signal = np.concatenate([silence(1.0), knock, silence(2.5)])
    found = utterances(run_detector(pcm16(signal)))
    assert all(reason is EndReason.TOO_SHORT for _, _, reason in found)


def test_an_empty_frame_changes_nothing() -> None:
    detector = UtteranceDetector()
    run_detector(pcm16(white_noise(RATE, -40.0)), detector)
    floor = detector.noise_floor
    for _ in range(100):
        step = detector.push(b"")
        assert (step.phase, step.audio, step.started, step.ended) == (Phase.WAITING, b"", False, None)
    assert detector.noise_floor == floor


def test_frame_level() -> None:
    assert frame_level(b"") == -100.0
    assert frame_level(bytes(FRAME)) == -100.0
    full_scale_square = pcm16(np.tile([32767.0, -32767.0], FRAME // 4))
    assert frame_level(full_scale_square) == pytest.approx(0.0, abs=0.01)


# --- The live microphone (private PulseAudio server) ------------------------------------------------

def capture_while_playing(pulse: VirtualAudio, mic: Microphone, sound: Path | bytes, seconds: float) -> list[bytes]:
    """Frames heard while a WAV file (or raw 16 kHz PCM) is played into the virtual microphone."""
    play = pulse.play_into_microphone if isinstance(sound, Path) else pulse.play_pcm_into_microphone
    player = threading.Thread(target=play, args=(sound,))
    frames = []
    player.start()
    try:
        for frame in mic:
            frames.append(frame)
            if len(frames) * FRAME / (2 * RATE) >= seconds:
                break
    finally:
        player.join(timeout=60)
    return frames


@functools.cache
def loud_seconds(pcm: bytes) -> float:
    """How much of the audio is clearly sound (30 ms frames above -40 dBFS)."""
    levels = [frame_level(pcm[start:start + FRAME]) for start in range(0, len(pcm), FRAME)]
    return sum(level > -40 for level in levels) * FRAME / (2 * RATE)


@pytest.mark.audio
@pytest.mark.parametrize("capture_rate", [None, 44100, 48000], ids=["16k", "44k1-resampled", "48k-resampled"])
def test_the_microphone_hears_what_is_played_into_it(pulse: VirtualAudio, question: Path,
                                                     capture_rate: int | None) -> None:
    played = read_wav(question)
    duration = len(played) / (2 * RATE)
    with Microphone(find_input_device("pulse"), capture_rate=capture_rate) as mic:
        assert mic.capture is not None and mic.capture.rate == (capture_rate or RATE)
        frames = capture_while_playing(pulse, mic, question, duration + 1.0)
    assert all(len(frame) == FRAME for frame in frames)
    heard = b"".join(frames)
    assert loud_seconds(heard) == pytest.approx(loud_seconds(played), abs=0.15)
    loudest_heard = max(frame_level(frame) for frame in frames)
    loudest_played = max(frame_level(played[start:start + FRAME]) for start in range(0, len(played), FRAME))
    assert loudest_heard == pytest.approx(loudest_played, abs=3.0)


@pytest.mark.audio
def test_a_halting_question_from_the_microphone_is_one_utterance(
        pulse: VirtualAudio, halting_question: tuple[np.ndarray, float, float]) -> None:
    signal, _, _ = halting_question
    detector = UtteranceDetector.from_settings(Settings())
    ended = []
    with Microphone() as mic:
        for frame in capture_while_playing(pulse, mic, pcm16(signal), len(signal) / RATE + 0.5):
            step = detector.push(frame)
            if step.ended is not None:
                ended.append(step.ended)
    assert ended == [EndReason.SILENCE]


# --- Faults: no sound server, a server that goes away ----------------------------------------------------

@pytest.fixture
def own_server(pulse: VirtualAudio) -> Iterator[VirtualAudio]:
    """A second private server just for this test; the shared one is reconnected afterwards."""
    try:
        with virtual_audio() as audio:
            refresh_devices()
            yield audio
    finally:
        refresh_devices()


@pytest.mark.audio
def test_a_microphone_that_goes_away_is_reported(own_server: VirtualAudio) -> None:
    with Microphone(find_input_device("pulse"), timeout=1.0) as mic, pytest.raises(AudioDeviceError) as raised:
        assert mic.read()
        subprocess.run(["pulseaudio", "--kill"], env=own_server.env, check=True, timeout=30)
        for _ in range(400):  # 12 s of frames at most: it must fail long before
            mic.read()
    assert "microphone" in str(raised.value) and "plugged in" in str(raised.value)


@pytest.mark.audio
def test_no_sound_server_means_no_microphone(pulse: VirtualAudio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse/native")
    try:
        refresh_devices()
        assert list_devices() == []
        with pytest.raises(AudioDeviceError, match="no usable microphone"):
            Microphone().open()
        with pytest.raises(AudioDeviceError, match="Known microphones: none at all"):
            find_input_device("pulse")
    finally:
        monkeypatch.delenv("PULSE_SERVER")
        refresh_devices()
    assert find_input_device("pulse") is not None
