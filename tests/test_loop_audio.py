"""The whole hands-free loop through the private PulseAudio server: ``voice-assist`` (no arguments) runs as
a subprocess with real pocketsphinx, pyttsx3/espeak-ng and PortAudio; questions are played into the virtual
microphone and everything it says is recorded from the virtual speaker.

One assistant process serves the whole module, step by step, as one conversation would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.assistant_process import RATE, Assistant, Stretch, running_assistant
from tests.spoken import synthesize, wav_file
from tests.virtual_audio import VirtualAudio
from voice_assist.config import BUNDLED_CONTENT
from voice_assist.content import load_library
from voice_assist.conversation import NOT_IN_FACTSHEET, RATE_STEP, Conversation
from voice_assist.events import Typed, Voice, replies
from voice_assist.recognize import domain_of
from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer

pytestmark = pytest.mark.audio

STOP_BOUND = 1.0
"""Seconds from the end of a spoken "stop" to silence: behaviour, not a benchmark (see bench_loop.py)."""

QUESTION = "will I need a feeding tube"
SECTION = "treatment/nutrition"
ANSWER_KEY_WORDS = {"nutritional", "nutrition", "swallowing", "feeding", "tube"}
"""Words of the nutrition passage; the recognizer should hear some of them in the spoken answer."""
LONG_QUESTION = "will I need a breathing machine"
OFF_TOPIC = "what is diabetes"
OFF_TOPIC_VOICE = "flite:rms"
REPEAT = "say that again"
"""pocketsphinx often hears espeak-ng's lone "repeat" as "eat" or "the"; a longer way of saying it is heard."""


def spoken_seconds(text: str, rate: int) -> float:
    """How long espeak-ng takes to say ``text`` at ``rate`` words a minute (the assistant's voice)."""
    pcm = synthesize(text, speed=rate, lead_silence_s=0.0)
    return len(pcm) / (2 * RATE)


@pytest.fixture(scope="module")
def assistant(pulse: VirtualAudio, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(pulse, tmp_path_factory.mktemp("assistant-home")) as running:
        yield running


def ask(pulse: VirtualAudio, assistant: Assistant, text: str, expected: str,
        voice: str = "en-us") -> tuple[str, Stretch]:
    """Say ``text`` into the microphone; returns the turn's log line and the reply's stretch of sound."""
    lines = len(assistant.log_lines())
    asked = assistant.now()
    pulse.play_into_microphone(wav_file(text, voice=voice))
    line = assistant.wait_for_log(expected, after=lines)
    assistant.wait_until_quiet()
    replies = assistant.stretches(since=asked)
    assert replies, f"nothing was said after {text!r}"
    return line, max(replies, key=lambda stretch: stretch.seconds)


def command(pulse: VirtualAudio, assistant: Assistant, text: str, name: str) -> Stretch:
    """Say a command as a user would: once more after "Sorry, I didn't catch that", and "yes" to "Did you say
    ...?" (the tiers of confidence.py; live posteriors vary from run to run). Returns the longest reply."""
    asked = assistant.now()
    for _ in range(2):
        lines = len(assistant.log_lines())
        pulse.play_into_microphone(wav_file(text))
        line = assistant.wait_for_log(rf"→ (command {name}|no_match)", after=lines)
        assistant.wait_until_quiet()
        if f"no_match {name}" in line:
            ask(pulse, assistant, "yes", rf"Confirmed → command {name}")
        if f"no_match {name}" in line or f"command {name}" in line:
            return max(assistant.stretches(since=asked), key=lambda stretch: stretch.seconds)
    raise AssertionError(f"{text!r} was not taken as {name} in two tries:\n" + "\n".join(assistant.log_lines()))


@pytest.fixture(scope="module")
def first_answer(pulse: VirtualAudio, assistant: Assistant) -> tuple[str, Stretch]:
    return ask(pulse, assistant, QUESTION, r"Heard .* → ")


def reply_text(question: str) -> str:
    conversation = Conversation(load_library([BUNDLED_CONTENT]), Voice(150, 0.9))
    return replies(conversation.handle(Typed(question)))[0].text


def transcribe(assistant: Assistant, stretch: Stretch, cache_dir: Path) -> set[str]:
    """The words the project's own pocketsphinx recognizer hears in a stretch of the speaker recording."""
    samples = assistant.samples()[int(stretch.start * RATE): int(stretch.end * RATE)]
    recognizer = PocketsphinxRecognizer(domain_of(load_library([BUNDLED_CONTENT])), cache_dir=cache_dir)
    recognizer.accept(samples.astype("<i2").tobytes())
    return set(recognizer.finish().text.split())


def test_a_spoken_question_gets_the_spoken_answer_from_its_section(assistant, first_answer, tmp_path):
    line, answer = first_answer
    assert SECTION in line
    expected = spoken_seconds(reply_text(QUESTION), rate=150)
    assert 0.7 * expected < answer.seconds < 1.3 * expected, (answer, expected)
    heard = transcribe(assistant, answer, tmp_path)
    assert heard & ANSWER_KEY_WORDS, f"none of {sorted(ANSWER_KEY_WORDS)} heard in the answer: {sorted(heard)}"


def test_repeat_says_the_answer_again(pulse, assistant, first_answer):
    _, answer = first_answer
    again = command(pulse, assistant, REPEAT, "repeat")
    assert abs(again.seconds - answer.seconds) < 0.15 * answer.seconds, (answer, again)


def test_slower_is_kept_and_the_next_answer_takes_longer(pulse, assistant, first_answer):
    _, answer = first_answer
    command(pulse, assistant, "slower", "slower")
    assert assistant.rate() == 150 - RATE_STEP
    slower = command(pulse, assistant, REPEAT, "repeat")
    assert slower.seconds > 1.1 * answer.seconds, (answer, slower)


def test_stop_during_a_long_answer_silences_it(pulse, assistant):
    lines = len(assistant.log_lines())
    asked = assistant.now()
    pulse.play_into_microphone(wav_file(LONG_QUESTION))
    assistant.wait_for_log(r"→ answer treatment/breathing", after=lines)
    while not assistant.stretches(since=asked):
        time.sleep(0.1)
    time.sleep(3.0)
    pulse.play_into_microphone(wav_file("stop", lead_silence_s=0.0))
    stopped = assistant.now()
    assistant.wait_for_log(r"over speech: command stop", after=lines)
    assistant.wait_until_quiet()
    answer = assistant.stretches(since=asked)[0]
    full = spoken_seconds(reply_text(LONG_QUESTION), rate=assistant.rate())
    assert answer.seconds < 0.6 * full, "the answer was not cut short"
    assert assistant.last_sound() - stopped < STOP_BOUND


def test_an_off_topic_question_gets_the_not_in_factsheet_reply(pulse, assistant):
    """Asked in a voice recorded from a person (flite), since espeak-ng's made-up voices are often misheard
    as the content's words by the content-biased recognizer."""
    line, reply = ask(pulse, assistant, OFF_TOPIC, r"Heard .* → ", voice=OFF_TOPIC_VOICE)
    assert "→ no_match" in line, line
    expected = spoken_seconds(reply_text(OFF_TOPIC), rate=assistant.rate())
    assert reply_text(OFF_TOPIC).startswith(NOT_IN_FACTSHEET)
    assert 0.7 * expected < reply.seconds < 1.3 * expected, (reply, expected)
