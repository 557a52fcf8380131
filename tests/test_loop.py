"""The conversation loop without a sound server: synthesized speech (espeak-ng) is fed frame by frame
into a real ``VoiceLoop`` with the real end-of-question detector, pocketsphinx recognizer, matcher and
conversation core. Only the speech output is a recording double, which "speaks" on the same audio clock as the
frames fed (so "while speaking" is exact); the full path through PulseAudio is in test_loop_audio.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

from tests.spoken import silence, synthesize
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.config import Settings, load_settings, save_voice
from voice_assist.content import Library
from voice_assist.conversation import FRAGMENT_WAIT_SECONDS, MICROPHONE_BACK, RATE_STEP, Conversation
from voice_assist.errors import AudioDeviceError
from voice_assist.events import State, Status, Voice
from voice_assist.loop import VoiceLoop, run_voice
from voice_assist.match import Matcher
from voice_assist.memory import RELEASE_EVERY_SECONDS, MemoryReleaser
from voice_assist.recognize import Transcript, domain_of
from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer
from voice_assist.speak import split_sentences

FRAME_SECONDS = 0.03
"""As the microphone delivers them."""
FRAME_BYTES = int(SAMPLE_RATE * FRAME_SECONDS) * 2
LONG_ANSWER = "will I need a breathing machine"
"""Its answer takes well over ten seconds to say: long enough to talk over."""


@dataclass
class RecordingSpeaker:
    """A SpeechOutput that records what it is asked to say and is "speaking" for as long as the words
    would take at its rate, counted on the audio clock of the frames fed (``advance``)."""

    rate: int = 150
    said: list[str] = field(default_factory=list)
    stops: int = 0
    voices: list[tuple[int, float, str]] = field(default_factory=list)
    remaining: float = 0.0
    """Seconds of speech still to play."""

    @property
    def speaking(self) -> bool:
        return self.remaining > 0

    def say(self, text: str) -> None:
        self.said.append(text)
        self.remaining += len(text.split()) * 60 / self.rate

    def stop(self) -> None:
        self.stops += 1
        self.remaining = 0.0

    def wait(self, timeout: float | None = None) -> bool:
        self.remaining = 0.0
        return True

    def set_voice(self, rate: int, volume: float, voice: str = "") -> None:
        self.rate = rate
        self.voices.append((rate, volume, voice))

    def close(self) -> None:
        self.stop()

    def advance(self, seconds: float) -> None:
        self.remaining = max(0.0, self.remaining - seconds)


@dataclass
class RecordingView:
    shown: list[Status] = field(default_factory=list)

    def show(self, status: Status) -> None:
        self.shown.append(status)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recognizer-cache")


@pytest.fixture
def saved() -> list[Voice]:
    return []


@pytest.fixture
def speaker() -> RecordingSpeaker:
    return RecordingSpeaker()


@pytest.fixture
def make_conversation(library: Library, matcher: Matcher, cache_dir: Path,
                      speaker: RecordingSpeaker) -> Callable[..., VoiceLoop]:
    def make(**options: object) -> VoiceLoop:
        # A fresh recognizer each time: pocketsphinx adapts to the audio it has heard, and tests must
        # not depend on their order. The language model is built once (cached in cache_dir).
        recognizer = PocketsphinxRecognizer(domain_of(library), cache_dir=cache_dir)
        settings = Settings()
        core = Conversation(library, Voice(settings.rate, settings.volume), matcher,
                            quick_end_silence=settings.quick_end_silence)
        return VoiceLoop(core, recognizer, speaker, settings, RecordingView(), **options)  # type: ignore[arg-type]
    return make


@pytest.fixture
def conversation(make_conversation: Callable[..., VoiceLoop], saved: list[Voice]) -> VoiceLoop:
    return make_conversation(on_voice_change=saved.append)


def spoken(*parts: str, pause: float = 1.2) -> bytes:
    """The parts said one after the other with ``pause`` seconds between them, no silence around."""
    pcm = b""
    for index, part in enumerate(parts):
        pcm += (silence(pause) if index else b"") + synthesize(part, lead_silence_s=0.0)
    return pcm


def speech_end(pcm: bytes) -> float:
    """Seconds to the last frame that is clearly voiced (espeak-ng ends words with a quiet tail)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frames = samples[: samples.size // 480 * 480].reshape(-1, 480)
    loud = np.flatnonzero(np.sqrt(np.mean(frames**2, axis=1)) > 300.0)
    return (loud[-1] + 1) * 480 / SAMPLE_RATE if loud.size else 0.0


def feed(conversation: VoiceLoop, speaker: RecordingSpeaker, pcm: bytes) -> float | None:
    """Feed the audio as microphone frames; returns the seconds into ``pcm`` at which something new was
    first said, or None."""
    before = len(speaker.said)
    first: float | None = None
    for offset in range(0, len(pcm), FRAME_BYTES):
        frame = pcm[offset: offset + FRAME_BYTES]
        conversation.hear(frame)
        speaker.advance(len(frame) / (2 * SAMPLE_RATE))
        if first is None and len(speaker.said) > before:
            first = (offset + len(frame)) / (2 * SAMPLE_RATE)
    return first


def ask(conversation: VoiceLoop, speaker: RecordingSpeaker, *parts: str, pause: float = 1.2) -> float | None:
    """Say a question after a moment of quiet (which the detector needs to measure the room) and wait
    well past ``end_silence``; returns the seconds from the end of the speech to the reply, or None."""
    lead = silence(0.6)
    question = spoken(*parts, pause=pause)
    replied = feed(conversation, speaker, lead + question + silence(conversation.settings.end_silence + 1.0))
    return None if replied is None else replied - len(lead) / (2 * SAMPLE_RATE) - speech_end(question)


def answered_section(conversation: VoiceLoop) -> str | None:
    return conversation.status.section


@pytest.mark.parametrize(("first", "rest", "section"), [
    ("what is", "riluzole", "treatment/drugs"),
    ("what is", "edaravone", "treatment/drugs"),
])
def test_a_pause_of_1_2_seconds_mid_question_does_not_cut_it_off(conversation, speaker, first, rest, section):
    """Answered, or (when the recognizer was unsure of the words: confidence.py) offered for one "yes"."""
    assert ask(conversation, speaker, first, rest, pause=1.2) is not None
    assert len(speaker.said) == 1, speaker.said
    if speaker.said[0].startswith("Do you mean "):
        ask(conversation, speaker, "yes")
    assert answered_section(conversation) == section


@pytest.mark.parametrize(("question", "section"), [
    ("what does riluzole do for ALS", "treatment/drugs"),
    ("will I need a breathing machine", "treatment/breathing"),
    ("will I need a feeding tube", "treatment/nutrition"),
    ("can ALS be cured", "treatment"),
])
def test_a_complete_question_is_answered_after_the_quick_pause_not_the_full_one(conversation, speaker,
                                                                                 question, section):
    delay = ask(conversation, speaker, question)
    assert answered_section(conversation) == section
    assert delay is not None
    # Audio time, not wall-clock: the reply came from a pause shorter than end_silence.
    assert delay < conversation.settings.end_silence, f"answered {delay:.2f} s after the speech ended"


def test_a_question_of_one_content_word_is_offered_for_a_yes_after_the_quick_pause(conversation, speaker):
    """One content word is not enough to read without asking (confidence.SURE_ANSWER_WORDS): sound bent into a
    factsheet word often comes out as one. (Said as a question, "what is riluzole", it may be read when the
    recognizer is sure of it: confidence.SURE_ONE_WORD_QUESTION.)"""
    delay = ask(conversation, speaker, "riluzole")
    assert answered_section(conversation) is None
    assert speaker.said[-1] == "Do you mean Treatment, Approved drugs?"
    assert delay is not None and delay < conversation.settings.end_silence


def test_stop_while_speaking_silences_and_says_nothing_more(conversation, speaker):
    ask(conversation, speaker, LONG_ANSWER)
    assert speaker.speaking
    said = len(speaker.said)
    feed(conversation, speaker, spoken("stop") + silence(0.3))
    assert speaker.stops >= 1
    assert not speaker.speaking
    assert len(speaker.said) == said
    feed(conversation, speaker, silence(conversation.settings.end_silence + 0.5))
    assert conversation.status.state is State.LISTENING


def test_repeat_while_speaking_starts_the_answer_again(conversation, speaker):
    ask(conversation, speaker, LONG_ANSWER)
    answer = speaker.said[-1]
    feed(conversation, speaker, spoken("say that again") + silence(0.3))
    assert speaker.said[-1] == answer
    assert len(speaker.said) == 2
    assert speaker.stops >= 1


def test_a_question_heard_while_speaking_is_ignored(conversation, speaker, caplog):
    ask(conversation, speaker, LONG_ANSWER)
    assert speaker.speaking
    stops = speaker.stops
    with caplog.at_level(logging.INFO, logger="voice_assist.conversation"):
        feed(conversation, speaker, spoken("what is riluzole") + silence(2.5))
    assert speaker.speaking, "the answer went on"
    assert len(speaker.said) == 1
    assert speaker.stops == stops
    assert "Ignored" in caplog.text


def noise_burst(seconds: float) -> bytes:
    rng = np.random.default_rng(7)
    return (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 6000).clip(-32768, 32767).astype("<i2").tobytes()


def test_short_noises_are_not_questions(conversation, speaker):
    view = conversation.view
    feed(conversation, speaker, silence(0.6) + noise_burst(0.12) + silence(2.5) + noise_burst(0.15)
         + silence(2.5))
    assert speaker.said == []
    states = [status.state for status in view.shown]
    assert State.HEARING in states, "the burst was loud enough to start an utterance"
    assert conversation.status.state is State.LISTENING


def test_slower_slows_the_voice_and_saves_it(conversation, speaker, saved):
    ask(conversation, speaker, "slower")
    slower = Settings().rate - RATE_STEP
    assert speaker.said == ["Speaking slower."]
    assert speaker.voices[-1][0] == slower
    assert [voice.rate for voice in saved] == [slower]


def test_voice_changes_are_kept_in_voice_toml_for_the_next_start(make_conversation, speaker, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    settings = Settings()
    conversation = make_conversation(  # saves the way the product does
        on_voice_change=lambda voice: save_voice(replace(settings, rate=voice.rate, volume=voice.volume)))
    ask(conversation, speaker, "slower")
    ask(conversation, speaker, "slower")
    assert (tmp_path / "voice-assist" / "voice.toml").is_file()
    assert load_settings(config_file=tmp_path / "no-config.toml").rate == Settings().rate - 2 * RATE_STEP


class DeviceGoneError(AudioDeviceError):
    pass


class EndOfTestError(Exception):
    pass


def microphones(*plans: Callable[[], Iterator[bytes]] | Exception) -> tuple[Callable, list[bool]]:
    """open_microphone for run_voice: each call follows the next plan (frames, or an exception raised
    when opening); records the ``retry`` flag of each call."""
    calls: list[bool] = []
    remaining = list(plans)

    @contextmanager
    def open_microphone(retry: bool) -> Iterator[Iterator[bytes]]:
        calls.append(retry)
        if not remaining:
            raise EndOfTestError
        plan = remaining.pop(0)
        if isinstance(plan, Exception):
            raise plan
        yield plan()

    return open_microphone, calls


def test_a_lost_microphone_is_retried_and_the_user_told_once(conversation, speaker):
    def quiet_then_gone() -> Iterator[bytes]:
        yield from (silence(FRAME_SECONDS) for _ in range(10))
        raise DeviceGoneError("The microphone went away.")

    def quiet() -> Iterator[bytes]:
        yield from (silence(FRAME_SECONDS) for _ in range(10))

    gone = DeviceGoneError("No microphone.")
    open_microphone, calls = microphones(quiet_then_gone, gone, gone, quiet)
    waited: dict[int, float] = {}  # after each attempt to open the microphone, the time waited before the next

    def sleep(seconds: float) -> None:
        waited[len(calls)] = waited.get(len(calls), 0.0) + seconds

    with pytest.raises(EndOfTestError):
        run_voice(conversation, open_microphone, sleep=sleep)
    lost = [text for text in speaker.said if "can't hear the microphone" in text]
    back = [text for text in speaker.said if text == MICROPHONE_BACK]
    assert len(lost) == 1
    assert len(back) == 1
    assert speaker.said.index(lost[0]) < speaker.said.index(back[0])
    assert calls[:4] == [False, True, True, True]
    assert list(waited.values()) == pytest.approx([1.0, 2.0, 4.0])  # in ticks that pass the time on (next test)
    states = [status.state for status in conversation.view.shown]
    assert State.NO_MICROPHONE in states
    assert conversation.status.problem == ""


def test_the_switch_still_scans_and_selects_while_the_microphone_is_gone(conversation, speaker, library):
    """Scanning runs on the clock of the audio heard, which stops with the microphone: the time is passed on while
    the microphone is retried (loop.NO_MICROPHONE_TICK_SECONDS), so a switch user still has a way in."""
    open_microphone, _ = microphones(*[DeviceGoneError("No microphone.")] * 8)  # 47 s without one
    selected: list[str] = []

    def sleep(seconds: float) -> None:
        speaker.advance(seconds)
        if not selected and speaker.said[-1] == "Risk factors" and not speaker.speaking:
            selected.append(speaker.said[-1])
            conversation.switch_changed(True)
            conversation.switch_changed(False)

    conversation.switch_changed(True)  # the switch starts scanning
    conversation.switch_changed(False)
    with pytest.raises(EndOfTestError):
        run_voice(conversation, open_microphone, sleep=sleep)
    assert selected, speaker.said
    chosen = speaker.said[speaker.said.index("Risk factors") + 1:]  # the topic's passages are offered in turn
    assert chosen and library.section("risk-factors").passages[0].startswith(chosen[0]), speaker.said
    assert conversation.status.state is State.NO_MICROPHONE


class CrashingRecognizer:
    """A recognizer whose engine dies at the first audio: a crash cannot be produced on demand for real."""

    engine = "crashing"
    description = "crashing test engine"

    def accept(self, pcm: bytes) -> None:
        raise RuntimeError("engine died")

    def partial(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript()

    def decode_afresh(self, pcm: bytes) -> Transcript:
        raise RuntimeError("engine died")


def test_a_recognizer_crash_restarts_listening_with_a_new_one_and_says_so_once(library, matcher, cache_dir,
                                                                                speaker):
    fresh: list[PocketsphinxRecognizer] = []

    def reopen() -> PocketsphinxRecognizer:
        fresh.append(PocketsphinxRecognizer(domain_of(library), cache_dir=cache_dir))
        return fresh[-1]

    settings = Settings()
    core = Conversation(library, Voice(settings.rate, settings.volume), matcher)
    conversation = VoiceLoop(core, CrashingRecognizer(), speaker, settings, RecordingView(),
                             reopen_recognizer=reopen)
    assert ask(conversation, speaker, "what causes als") is not None
    assert sum("something went wrong" in said for said in speaker.said) == 1
    assert conversation.recognizer is fresh[0]
    speaker.said.clear()
    assert ask(conversation, speaker, "will i need a feeding tube") is not None
    assert answered_section(conversation) == "treatment/nutrition"


DRIFTED_CEPSTRAL_MEAN = ("59.7786,5.02282,-5.82412,30.8318,-19.9952,1.81855,-2.31636,-20.4869,-1.12496,-9.78483,"
                         "13.7082,-7.48042,-8.47485")
"""pocketsphinx's running cepstral mean after the ten questions and nine stops of a scripts/bench_loop.py run,
captured by replaying that run's audio in order. From it, espeak-ng's "stop" (voice "en") decodes as "talk"."""


def test_stop_is_taken_even_when_the_recognizer_has_drifted(conversation, speaker):
    """The stop that did not stop: after some sequences of utterances, pocketsphinx's adapted cepstral mean makes
    "stop" sound like "talk", and the answer read on for 9-16 s. A short utterance over speech that held no
    command gets a second hearing from the recognizer's starting state."""
    ask(conversation, speaker, LONG_ANSWER)
    assert speaker.speaking
    conversation.recognizer._decoder.set_cmn(DRIFTED_CEPSTRAL_MEAN)  # the drift, as measured
    stop = synthesize("stop", voice="en", lead_silence_s=0.0)
    feed(conversation, speaker, stop + silence(conversation.settings.end_silence + 0.5))
    assert speaker.stops >= 1
    assert not speaker.speaking, "the answer read on"
    assert len(speaker.said) == 1


@pytest.mark.parametrize("pause", [2.0, 3.0])
def test_a_pause_longer_than_end_silence_mid_question_joins_the_two_halves(conversation, speaker, pause):
    """People with ALS pause longer than the 1.8 s that end a question: "what is the" (heard as "what is lou",
    which would be refused) waits for its rest."""
    assert pause > conversation.settings.end_silence
    assert ask(conversation, speaker, "what is the", "riluzole", pause=pause) is not None
    assert len(speaker.said) == 1, speaker.said
    assert answered_section(conversation) == "treatment/drugs"


def test_half_a_question_alone_is_answered_once_the_wait_is_over(conversation, speaker):
    feed(conversation, speaker, silence(0.6) + spoken("what is the") + silence(conversation.settings.end_silence))
    assert speaker.said == []
    feed(conversation, speaker, silence(FRAGMENT_WAIT_SECONDS + 0.5))
    assert len(speaker.said) == 1


def test_slower_while_reading_goes_on_reading_from_the_sentence_it_was_at(conversation, speaker):
    ask(conversation, speaker, LONG_ANSWER)
    answer = speaker.said[-1]
    sentence = split_sentences(answer)[1]
    conversation.sentence_started(sentence)  # as the real speaker reports it
    feed(conversation, speaker, spoken("slower") + silence(conversation.settings.end_silence + 0.3))
    assert speaker.voices[-1][0] == Settings().rate - RATE_STEP
    assert speaker.said[-1] == answer[answer.index(sentence):]
    assert speaker.speaking


@pytest.mark.skipif(not MemoryReleaser().works_here, reason="this C library has no malloc_trim")
def test_freed_memory_goes_back_to_the_system_once_a_period_while_all_is_quiet(conversation, speaker):
    feed(conversation, speaker, silence(2 * RELEASE_EVERY_SECONDS + 5))
    assert conversation.memory.releases == 2
