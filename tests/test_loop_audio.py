"""The whole hands-free loop through the private PulseAudio server: ``voice-assist`` (no arguments) runs as
a subprocess with real pocketsphinx, pyttsx3/espeak-ng and PortAudio; questions are played into the virtual
microphone and everything it says is recorded from the virtual speaker.

One assistant process serves the whole module, step by step, as one conversation would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.spoken import synthesize, wav_file
from tests.virtual_audio import VirtualAudio
from voice_assist.config import BUNDLED_CONTENT
from voice_assist.content import load_library
from voice_assist.conversation import NOT_IN_FACTSHEET, RATE_STEP, Conversation
from voice_assist.events import Typed, Voice, replies
from voice_assist.recognize import domain_of
from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer

pytestmark = pytest.mark.audio

RATE = 16_000
"""Hertz, of the speaker recording (mono s16le)."""
FRAME = RATE // 100
"""10 ms analysis frames."""
SOUND_LEVEL = 300.0
"""RMS (of 32767) above which a frame is sound; the null sink's silence is exactly zero."""
SENTENCE_GAP = 0.8
"""Seconds of silence that still belong to one reply (the gaps between its sentences are shorter)."""
STOP_BOUND = 1.0
"""Seconds from the end of a spoken "stop" to silence: behaviour, not a benchmark (see bench_loop.py)."""
TIMEOUT = 40.0
"""Seconds to wait for any one step: far beyond what a step takes."""

QUESTION = "will I need a feeding tube"
SECTION = "treatment/nutrition"
ANSWER_KEY_WORDS = {"nutritional", "nutrition", "swallowing", "feeding", "tube"}
"""Words of the nutrition passage; the recognizer should hear some of them in the spoken answer."""
LONG_QUESTION = "will I need a breathing machine"
OFF_TOPIC = "what is diabetes"
OFF_TOPIC_VOICE = "flite:rms"
REPEAT = "say that again"
"""pocketsphinx often hears espeak-ng's lone "repeat" as "eat" or "the"; a longer way of saying it is heard."""


@dataclass(frozen=True)
class Stretch:
    """A stretch of sound on the speaker, seconds from the start of the recording."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Assistant:
    """The running ``voice-assist`` process, its log, and the recording of its speaker."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, recording: Path) -> None:
        self.process = process
        self.log = log
        self.recording = recording

    def now(self) -> float:
        """Seconds recorded so far: the clock that stretches are measured on."""
        return self.recording.stat().st_size / (2 * RATE)

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def wait_for_log(self, pattern: str, after: int) -> str:
        """The first log line after line ``after`` that matches; fails after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in self.log_lines()[after:]:
                if re.search(pattern, line):
                    return line
            assert self.process.poll() is None, f"voice-assist exited:\n{self.log.read_text()}"
            time.sleep(0.1)
        raise AssertionError(f"no log line matching {pattern!r} in:\n" + "\n".join(self.log_lines()[after:]))

    def wait_until_quiet(self, quiet: float = 1.5) -> None:
        """Until the speaker has been silent for ``quiet`` seconds."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(0.2)
            samples = self.samples()
            tail = samples[-int(quiet * RATE):]
            if tail.size >= int(quiet * RATE) * 0.9 and not np.any(np.abs(tail) > 100):
                return
        raise AssertionError("the speaker did not fall silent")

    def samples(self) -> np.ndarray:
        data = self.recording.read_bytes()
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float64)

    def stretches(self, since: float) -> list[Stretch]:
        """Stretches of sound after ``since`` seconds, sentence gaps bridged."""
        samples = self.samples()
        frames = samples[: samples.size // FRAME * FRAME].reshape(-1, FRAME)
        loud = np.sqrt(np.mean(frames**2, axis=1)) > SOUND_LEVEL
        found: list[Stretch] = []
        for index in np.flatnonzero(loud):
            at = index * FRAME / RATE
            if at < since:
                continue
            if found and at - found[-1].end <= SENTENCE_GAP:
                found[-1] = Stretch(found[-1].start, at + FRAME / RATE)
            else:
                found.append(Stretch(at, at + FRAME / RATE))
        return found

    def rate(self) -> int:
        """The speaking rate in words a minute: as saved by voice, else the default."""
        saved = self.log.parent / "state" / "voice-assist" / "voice.toml"
        found = re.search(r"^rate = (\d+)", saved.read_text(), re.MULTILINE) if saved.is_file() else None
        return int(found.group(1)) if found else 150

    def last_sound(self) -> float:
        samples = self.samples()
        loud = np.flatnonzero(np.abs(samples) > SOUND_LEVEL)
        return loud[-1] / RATE if loud.size else 0.0


def spoken_seconds(text: str, rate: int) -> float:
    """How long espeak-ng takes to say ``text`` at ``rate`` words a minute (the assistant's voice)."""
    pcm = synthesize(text, speed=rate, lead_silence_s=0.0)
    return len(pcm) / (2 * RATE)


@pytest.fixture(scope="module")
def assistant(pulse: VirtualAudio, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    home = tmp_path_factory.mktemp("assistant-home")
    env = {**pulse.env, "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
           "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
           "PYTHONUNBUFFERED": "1"}
    log, recording = home / "stderr.log", home / "speaker.raw"
    command = [str(Path(sys.executable).with_name("voice-assist"))]
    if not os.access(command[0], os.X_OK):
        command = [sys.executable, "-m", "voice_assist"]
    with pulse.record_speaker(recording), log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=stderr)
        running = Assistant(process, log, recording)
        try:
            running.wait_for_log(r"Listening on microphone", after=0)
            running.wait_until_quiet()  # the greeting
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


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
    _, again = ask(pulse, assistant, REPEAT, r"→ command repeat")
    assert abs(again.seconds - answer.seconds) < 0.15 * answer.seconds, (answer, again)


def test_slower_is_kept_and_the_next_answer_takes_longer(pulse, assistant, first_answer):
    _, answer = first_answer
    ask(pulse, assistant, "slower", r"command slower")
    assert assistant.rate() == 150 - RATE_STEP
    _, slower = ask(pulse, assistant, REPEAT, r"→ command repeat")
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
