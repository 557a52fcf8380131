"""Speech out: the sentence splitter (pure), synthesis with its watchdog and fallbacks (real pyttsx3 and
espeak-ng), and the Speaker through the private PulseAudio server's virtual speaker."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.virtual_audio import VirtualAudio
from voice_assist.config import Settings
from voice_assist.errors import SpeechOutputError
from voice_assist.speak import voices
from voice_assist.speak.speaker import Speaker
from voice_assist.speak.synth import Synthesizer, VoiceSettings, parse_wav
from voice_assist.speak.text import LONG_PIECE, MAX_PIECE, split_sentences

RECORD_RATE = 16_000
FRAME = RECORD_RATE // 100
"""10 ms analysis frames."""
SOUND_LEVEL = 300.0
"""RMS (of 32767) above which a frame counts as speech; the null sink's silence is exactly zero."""
STOP_BOUND = 0.5
"""Seconds: after stop() the speaker must be silent within this (behaviour, not a benchmark)."""

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank"
SHORT_SENTENCE = "The quick brown fox jumps over the lazy dog"
PASSAGE = " ".join([
    "ALS is a disease of the nerve cells that control the muscles.",
    "Over time it weakens the arms, the legs, speech, swallowing and breathing.",
    "There is no cure yet, but treatments and good care help people live better and longer.",
    "A speech therapist can suggest ways to save energy when talking.",
    "An occupational therapist can help with tools for eating, dressing and using a computer.",
    "Breathing support at night often improves sleep and daytime energy.",
] * 2)


# --- Splitting text into sentences (pure) ------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("ALS is rare. It is serious! Is there help? Yes.",
     ["ALS is rare.", "It is serious!", "Is there help?", "Yes."]),
    ("Ask Dr. Smith, e.g. at the clinic. Then rest.", ["Ask Dr. Smith, e.g. at the clinic.", "Then rest."]),
    ("It costs 2.5 dollars. Fine.", ["It costs 2.5 dollars.", "Fine."]),
    ("Talk to J. Brown today.", ["Talk to J. Brown today."]),
    ("# Symptoms\nWeak hands and\nslurred speech.\n- first item\n* second item\n1. third item",
     ["Symptoms", "Weak hands and slurred speech.", "first item", "second item", "third item"]),
    ("One paragraph\n\nAnother paragraph", ["One paragraph", "Another paragraph"]),
    ("**Important:** see [the guide](https://example.org/als) _now_, not `later`.",
     ["Important: see the guide now, not later."]),
    ("Keep snake_case words.", ["Keep snake_case words."]),
    ("  ", []),
    ("... !! --", []),
])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_long_list_is_split_at_semicolons_and_short_one_is_not() -> None:
    items = [f"item number {n} with a few words" for n in range(8)]
    long_text = "You may need: " + "; ".join(items) + "."
    assert len(long_text) > LONG_PIECE
    assert split_sentences(long_text) == ["You may need: item number 0 with a few words", *items[1:7],
                                          "item number 7 with a few words."]
    assert split_sentences("Rest; drink water.") == ["Rest; drink water."]


def test_no_piece_is_longer_than_the_limit_and_no_word_is_lost() -> None:
    text = ", ".join(f"clause number {n} of a very long sentence" for n in range(30)) + " " + "x" * 30
    pieces = split_sentences(text)
    assert len(pieces) > 1
    assert all(len(piece) <= MAX_PIECE for piece in pieces)
    assert " ".join(pieces).replace(",", "").split() == text.replace(",", "").split()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcXYZ .,;!?\n", max_size=2000))
def test_splitting_keeps_every_letter_and_bounds_the_pieces(text: str) -> None:
    pieces = split_sentences(text)
    assert "".join(filter(str.isalnum, " ".join(pieces))) == "".join(filter(str.isalnum, text))
    assert all(len(piece) <= MAX_PIECE or " " not in piece for piece in pieces)


# --- Synthesis: worker, watchdog, fallbacks (real pyttsx3 and espeak-ng, no sound device) --------------

@pytest.fixture
def synthesizer() -> Iterator[Synthesizer]:
    synth = Synthesizer(timeout=1.0)
    yield synth
    synth.close()


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_slower_rate_makes_longer_audio(synthesizer: Synthesizer) -> None:
    fast = synthesizer.synthesize(SENTENCE, VoiceSettings(rate=250))
    slow = synthesizer.synthesize(SENTENCE, VoiceSettings(rate=100))
    again_fast = synthesizer.synthesize(SENTENCE, VoiceSettings(rate=250))
    assert slow.seconds > 1.8 * fast.seconds
    assert again_fast.seconds == pytest.approx(fast.seconds, rel=0.1)  # a rate change is never "stuck"
    assert synthesizer.uses_worker


def test_volume_scales_the_samples(synthesizer: Synthesizer) -> None:
    loud = synthesizer.synthesize(SENTENCE, VoiceSettings(volume=1.0))
    quiet = synthesizer.synthesize(SENTENCE, VoiceSettings(volume=0.25))
    assert _rms(quiet.samples) == pytest.approx(0.25 * _rms(loud.samples), rel=0.05)


def test_an_unknown_voice_still_speaks(synthesizer: Synthesizer) -> None:
    audio = synthesizer.synthesize(SENTENCE, VoiceSettings(voice="no-such-voice"))
    assert audio.seconds > 1.0
    assert synthesizer.uses_worker


@pytest.mark.parametrize("fault", [signal.SIGSTOP, signal.SIGKILL], ids=["hung", "killed"])
def test_a_hung_or_killed_worker_is_replaced(synthesizer: Synthesizer, fault: signal.Signals) -> None:
    synthesizer.warm_up()
    first_pid = synthesizer.worker_pid
    assert first_pid is not None
    os.kill(first_pid, fault)
    audio = synthesizer.synthesize(SENTENCE, VoiceSettings())
    assert audio.seconds > 1.0
    assert synthesizer.worker_pid not in (None, first_pid)
    assert synthesizer.uses_worker


def test_a_worker_that_keeps_failing_gives_way_to_espeak_ng() -> None:
    broken = Synthesizer(timeout=1.0, worker_command=[sys.executable, "-c", "raise SystemExit(3)"])
    try:
        lengths = [broken.synthesize(SENTENCE, VoiceSettings()).seconds for _ in range(4)]
        assert not broken.uses_worker
        assert min(lengths) > 1.0
    finally:
        broken.close()


def test_when_nothing_can_speak_a_speech_output_error_says_so() -> None:
    broken = Synthesizer(timeout=1.0, worker_command=[sys.executable, "-c", "raise SystemExit(3)"],
                         espeak_command=["false"])
    try:
        with pytest.raises(SpeechOutputError, match="espeak-ng"):
            broken.synthesize(SENTENCE, VoiceSettings())
    finally:
        broken.close()


def test_parse_wav_reads_espeak_ng_streamed_output() -> None:
    import subprocess

    streamed = subprocess.run(["espeak-ng", "--stdout"], input=b"Hello there", capture_output=True,
                              check=True).stdout
    audio = parse_wav(streamed)
    assert audio.rate == 22050
    assert audio.seconds > 0.3
    with pytest.raises(ValueError, match="WAV"):
        parse_wav(b"not audio at all")


def test_voices_lists_english() -> None:
    english = voices("en")
    assert any(voice.language == "en-us" for voice in english)
    assert all(voice.id and voice.name for voice in english)


# --- The Speaker through the virtual speaker -----------------------------------------------------------

class Tape:
    """One recording of the virtual speaker for the whole module (a recorder takes ~2 s to start).

    parecord writes raw samples to the file as they arrive, so the file's size is a time mark."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def position(self) -> int:
        """Bytes recorded so far (a whole number of samples)."""
        return self.path.stat().st_size // 2 * 2

    def between(self, start: int, end: int) -> np.ndarray:
        with self.path.open("rb") as tape:
            tape.seek(start)
            return np.frombuffer(tape.read(end - start), dtype="<i2").astype(np.float64)


@dataclass
class Clip:
    """What the speaker played during one ``with listening(tape)`` block (filled in when it ends)."""

    samples: np.ndarray = field(default_factory=lambda: np.zeros(0))


@pytest.fixture(scope="module")
def tape(pulse: VirtualAudio, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tape]:
    """The speaker's recording (the pulse fixture has already made PortAudio see the private server)."""
    path = tmp_path_factory.mktemp("speaker") / "speaker.raw"
    with pulse.record_speaker(path):
        deadline = time.monotonic() + 15
        while not path.exists() or path.stat().st_size < FRAME * 2 * 10:
            assert time.monotonic() < deadline, "the recorder never started"
            time.sleep(0.02)
        yield Tape(path)


@contextmanager
def listening(tape: Tape) -> Iterator[Clip]:
    clip = Clip()
    start = tape.position()
    yield clip
    time.sleep(0.3)  # the last samples' way through the server to the recorder
    clip.samples = tape.between(start, tape.position())


def _sound_frames(samples: np.ndarray) -> np.ndarray:
    """Indices of the 10 ms frames that hold sound."""
    frames = samples[:len(samples) // FRAME * FRAME].reshape(-1, FRAME)
    return np.nonzero(np.sqrt(np.mean(frames ** 2, axis=1)) > SOUND_LEVEL)[0]


def _sound_span(clip: Clip) -> float:
    """Seconds from the first to the last sound in a clip (0 when silent)."""
    frames = _sound_frames(clip.samples)
    return 0.0 if frames.size == 0 else (frames[-1] - frames[0] + 1) / 100


def _sound_rms(clip: Clip) -> float:
    frames = clip.samples[:len(clip.samples) // FRAME * FRAME].reshape(-1, FRAME)
    return float(np.sqrt(np.mean(frames[_sound_frames(clip.samples)] ** 2)))


def _speak(tape: Tape, text: str, **settings: object) -> Clip:
    with Speaker(Settings().with_overrides(**settings)) as speaker, listening(tape) as clip:
        speaker.say(text)
        assert speaker.speaking
        assert speaker.wait(timeout=60)
        assert not speaker.speaking
    return clip


@pytest.mark.audio
def test_speaker_plays_speech_and_keeps_stdout_clean(tape: Tape, capfd: pytest.CaptureFixture[str]) -> None:
    heard: list[str] = []
    with Speaker(on_sentence=heard.append) as speaker, listening(tape) as clip:
        speaker.say("Hello. This is your assistant speaking.")
        assert speaker.wait(timeout=30)
    assert _sound_span(clip) > 1.0
    assert heard == ["Hello.", "This is your assistant speaking."]
    assert capfd.readouterr().out == ""


@pytest.mark.audio
def test_stop_silences_a_long_passage_at_once(tape: Tape, capfd: pytest.CaptureFixture[str]) -> None:
    with Speaker() as speaker, listening(tape) as clip:
        said_at = time.monotonic()
        speaker.say(PASSAGE)
        while speaker.first_sample_time is None and time.monotonic() < said_at + 10:
            time.sleep(0.01)
        time.sleep(1.5)
        stopped_at = time.monotonic()
        speaker.stop()
        assert not speaker.speaking
        time.sleep(1.5)
        assert not speaker.speaking
    # All that was heard fits between say() and stop() plus the bound; the passage itself lasts ~60 s.
    assert 1.0 < _sound_span(clip) < stopped_at - said_at + STOP_BOUND
    assert capfd.readouterr().out == ""


@pytest.mark.audio
def test_speaker_speaks_again_after_a_stop(tape: Tape) -> None:
    with Speaker() as speaker, listening(tape) as clip:
        speaker.say(PASSAGE)
        time.sleep(0.5)
        speaker.stop()
        time.sleep(0.8)
        speaker.say("Here is the next answer.")
        assert speaker.wait(timeout=30)
    frames = _sound_frames(clip.samples)
    gaps = np.nonzero(np.diff(frames) > 50)[0]  # silences of over half a second
    assert gaps.size == 1, "expected the cut-off passage, a silence, then the next answer"
    assert frames.size - gaps[0] - 1 > 50  # more than half a second of the next answer was heard


@pytest.mark.audio
def test_slower_rate_sounds_longer(tape: Tape) -> None:
    slow = _speak(tape, SHORT_SENTENCE, rate=110)
    fast = _speak(tape, SHORT_SENTENCE, rate=260)
    assert _sound_span(slow) > 1.6 * _sound_span(fast)


@pytest.mark.audio
def test_lower_volume_sounds_quieter(tape: Tape) -> None:
    loud = _speak(tape, SHORT_SENTENCE, rate=260, volume=1.0)
    quiet = _speak(tape, SHORT_SENTENCE, rate=260, volume=0.3)
    assert 0.2 < _sound_rms(quiet) / _sound_rms(loud) < 0.45


@pytest.mark.audio
def test_set_voice_changes_the_next_sentence(tape: Tape) -> None:
    with Speaker(Settings(rate=260)) as speaker:
        with listening(tape) as fast:
            speaker.say(SHORT_SENTENCE)
            assert speaker.wait(timeout=30)
        speaker.set_voice(rate=110, volume=0.9, voice="")
        with listening(tape) as slow:
            speaker.say(SHORT_SENTENCE)
            assert speaker.wait(timeout=30)
    assert _sound_span(slow) > 1.6 * _sound_span(fast)


@pytest.mark.audio
def test_speech_still_comes_out_when_the_worker_hangs(tape: Tape, capfd: pytest.CaptureFixture[str]) -> None:
    with Speaker(synthesizer=Synthesizer(timeout=0.5)) as speaker:
        deadline = time.monotonic() + 15
        while speaker.worker_pid is None:
            assert time.monotonic() < deadline, "the speech worker never started"
            time.sleep(0.02)
        hung_pid = speaker.worker_pid
        os.kill(hung_pid, signal.SIGSTOP)  # a real hang: the process exists but never answers
        with listening(tape) as clip:
            speaker.say("The answer is still spoken.")
            assert speaker.wait(timeout=30)
        assert speaker.worker_pid not in (None, hung_pid)
        assert speaker.last_error is None
    assert _sound_span(clip) > 1.0
    assert capfd.readouterr().out == ""


@pytest.mark.audio
def test_a_speech_fault_is_reported_and_does_not_stop_the_speaker(tape: Tape) -> None:
    errors: list[SpeechOutputError] = []
    broken = Synthesizer(timeout=0.5, worker_command=[sys.executable, "-c", "raise SystemExit(3)"],
                         espeak_command=["false"])
    with Speaker(synthesizer=broken, on_error=errors.append) as speaker:
        speaker.say("First answer. Second sentence.")
        assert speaker.wait(timeout=30)
        assert not speaker.speaking
        assert len(errors) == 1  # one report per answer: the rest of it is dropped, to be shown as text
        assert "espeak-ng" in str(errors[0])
        speaker.say("Next answer.")
        assert speaker.wait(timeout=30)
        assert len(errors) == 2


@pytest.mark.audio
def test_output_device_by_name(tape: Tape) -> None:
    assert _sound_span(_speak(tape, "Hello there.", output_device="pulse")) > 0.3
