"""The hands-free conversation: listening → thinking → speaking → listening.

One thread (the caller's) reads microphone frames and owns the conversation state; the speaker has its
own thread. While the assistant speaks it keeps listening, but only for commands ("stop", "repeat",
"slower"...), so its own voice is never taken for a question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from voice_assist.commands import Command
from voice_assist.config import Settings, save_voice
from voice_assist.dialogue import Dialogue, Reply
from voice_assist.errors import AudioDeviceError
from voice_assist.match import Match, MatchKind
from voice_assist.recognize import Recognizer, Transcript
from voice_assist.recordings import Recorder, recorder_for
from voice_assist.speak import SpeechOutput
from voice_assist.text import words as plain_words
from voice_assist.vad import EndReason, Phase, Step, UtteranceDetector

log = logging.getLogger(__name__)

QUICK_END_SCORE = 80.0
"""A pause of ``quick_end_silence`` ends the question early only when what was heard so far already
matches this well: a half-said question waits for the full ``end_silence``."""

QUICK_END_COMMAND_SCORE = 100.0
"""Only a command heard exactly (alone or wrapped in small words) ends an utterance early: the first
words of a question are often close to one ("what to" is near "what topics") when the user pauses."""

UNFINISHED_ENDINGS = frozenset(
    "what how why who where when which whose is are was can could will would should does do did has have "
    "the a an to of and or but my your his her their about for with in on at from if that this".split())
"""A pause after one of these words is a pause in the middle of a question ("what ... is riluzole",
"will I need a ... feeding tube"), even when what was heard so far looks like a command ("what" is a
way to say "repeat") or a question: wait for the rest."""

BARGE_IN_WORDS = 3
"""While speaking, the last few words heard are checked for a command: the rest may be our own echo."""

BARGE_IN_SILENCE = 0.15
"""While speaking, a command is taken once the user pauses after it, not in mid-sentence: the first
word of a question, such as "what" (a way to say "repeat"), must not interrupt the answer."""

RECHECK_SECONDS = 0.3
"""How often a pause over our own speech is re-examined for a command (partial results cost a little
CPU); the first check comes at ``BARGE_IN_SILENCE``."""

QUICK_END_MAX_SECONDS = 8.0
"""Longest utterance that is tried for a quick end. Trying means finishing the recognizer (its final
pass hears far better than its partial result: "will i eat of the to" became "will i need a feeding
tube") and, when the question does not make sense yet, decoding the audio so far again; for longer,
halting questions that costs too much CPU per pause, so they wait for ``end_silence``."""

RETRY_SECONDS = (1.0, 2.0, 4.0, 8.0)
"""Back-off between attempts to reopen a microphone that went away; the last value repeats."""


FAULT_NOTICE_SECONDS = 60.0
"""A fault is announced once; the same fault again within this time is only logged."""


class State(StrEnum):
    LISTENING = "listening"
    HEARING = "hearing"
    THINKING = "thinking"
    SPEAKING = "speaking"
    NO_MICROPHONE = "no microphone"


@dataclass(frozen=True)
class Status:
    """What the caregiver view shows."""

    state: State
    heard: str = ""
    section: str | None = None
    said: str = ""
    engine: str = ""
    rate: int = 0
    """Words per minute."""
    volume: float = 0.0
    """0.0 to 1.0."""
    problem: str = ""


class View(Protocol):
    """Shows the conversation's status to the caregiver."""

    def show(self, status: Status) -> None: ...


class Conversation:
    """Feeds microphone frames through end-of-question detection and recognition into the dialogue,
    and speaks the replies."""

    def __init__(self, dialogue: Dialogue, recognizer: Recognizer, speaker: SpeechOutput, settings: Settings,
                 view: View, *, save_settings: Callable[[Settings], None] = save_voice,
                 recorder: Recorder | None = None,
                 reopen_recognizer: Callable[[], Recognizer] | None = None) -> None:
        """``recorder`` defaults to one into data_dir()/recordings when ``record_audio`` is on, else none.
        ``reopen_recognizer`` builds a fresh recognizer after one has failed."""
        self._reopen_recognizer = reopen_recognizer
        self._last_fault_notice = -FAULT_NOTICE_SECONDS
        self.dialogue = dialogue
        self._recorder = recorder if recorder is not None else recorder_for(settings)
        self._recorded = bytearray()
        """Audio of the current utterance, kept only when recording is on."""
        self.recognizer = recognizer
        self.speaker = speaker
        self.settings = settings
        self.view = view
        self._save_settings = save_settings
        self.detector = UtteranceDetector.from_settings(settings)
        self.status = Status(State.LISTENING, engine=recognizer.description, rate=settings.rate,
                             volume=settings.volume)
        self._next_check = 0.0
        self._spoke_over = False
        self._answering_over_speech = False
        """What is being said answers a command heard over the assistant's own voice (possibly its echo)."""
        self._utterance = bytearray()
        """Audio of the current utterance, to decode again after a quick-end try that did not end it."""
        self._tried_pause = False
        """The current pause has been tried for a quick end already."""

    def say(self, text: str, *, interrupt: bool = False) -> None:
        if interrupt:
            self.speaker.stop()
        if text:
            self.speaker.say(text)
            self.update(state=State.SPEAKING, said=text)

    def speech_failed(self, error: Exception) -> None:
        """Speech output gave up (the speaker thread calls this): the answer is shown in full instead."""
        self.update(problem=f"I could not speak ({error}). The answer is shown above in full.")

    def greet(self) -> None:
        self.say(self.dialogue.greeting())

    def hear(self, frame: bytes) -> None:
        """One frame of microphone audio (16 kHz mono s16le). A fault in recognition or matching never
        stops the assistant: it starts listening afresh, with a new recognizer, and says so."""
        try:
            self._hear(frame)
        except Exception:
            log.exception("Listening failed; starting again")
            self._recover()

    def _recover(self) -> None:
        self.detector.reset()
        self._utterance.clear()
        self._spoke_over = self._answering_over_speech = False
        if self._reopen_recognizer is not None:
            try:
                self.recognizer = self._reopen_recognizer()
            except Exception:
                log.exception("The speech recognizer could not be restarted; keeping the old one")
        now = time.monotonic()
        if now - self._last_fault_notice >= FAULT_NOTICE_SECONDS:
            self._last_fault_notice = now
            self.say("Sorry, something went wrong while I was listening. I am listening again.", interrupt=True)
        self.update(state=State.LISTENING)

    def _hear(self, frame: bytes) -> None:
        step = self.detector.push(frame)
        if step.started:
            self._utterance.clear()
        if step.audio:
            self.recognizer.accept(step.audio)
            self._utterance += step.audio
        if step.phase is Phase.SPEECH:  # (also when it starts) a new pause will be examined afresh
            self._tried_pause = False
            self._next_check = 0.0
        if step.started:
            self._spoke_over = self.speaker.speaking
            self._answering_over_speech = self._answering_over_speech and self.speaker.speaking
            if not self.speaker.speaking:
                self.update(state=State.HEARING, heard="")
        if step.ended is not None:
            self._finish(step.ended)
        elif step.phase is Phase.PAUSE and not self._tried_pause and not self._over_speech() \
                and step.trailing_silence >= self.settings.quick_end_silence:
            self._tried_pause = True
            self._try_quick_end(step.duration)
        elif step.phase is Phase.PAUSE and self._over_speech() and step.trailing_silence >= BARGE_IN_SILENCE \
                and step.duration >= self._next_check:
            self._next_check = step.duration + RECHECK_SECONDS
            self._check_barge_in()
        elif step.phase is Phase.WAITING and self.status.state is State.SPEAKING and not self.speaker.speaking:
            self.update(state=State.LISTENING)
        if self._recorder is not None:
            self._record(step)

    def _record(self, step: Step) -> None:
        """Keep what was heard; save it once the utterance is over, however it ended (silence, the length cap,
        a quick end or a barge-in, which reset the detector). Coughs and knocks (too short) are not kept."""
        self._recorded += step.audio
        if self.detector.phase is Phase.WAITING and self._recorded:
            if step.ended is not EndReason.TOO_SHORT and self._recorder is not None:
                self._recorder.save(bytes(self._recorded))
            self._recorded.clear()

    def answer_typed(self, text: str) -> None:
        match = self.dialogue.matcher.match([text])
        self._apply(self.dialogue.reply_to(match), text)

    def _over_speech(self) -> bool:
        return self.speaker.speaking or self._spoke_over

    def _check_barge_in(self) -> None:
        """While speaking, act on a command at the end of what is heard (the rest may be our own echo)."""
        partial = self.recognizer.partial()
        command = self._command_at_end(partial) if partial else None
        if command is not None and not self._is_own_echo(command):
            self._act_on_speech_over(command)

    def _is_own_echo(self, command: Match) -> bool:
        """A command whose words the assistant is saying itself ("I didn't catch that", "Do you want more?",
        "Speaking slower.") is its own voice coming back through the microphone: acting on it would make it
        answer itself again and again. "stop" is always taken: at worst it silences the assistant."""
        if command.command == Command.STOP or not command.heard:
            return False
        if f" {command.heard} " in f" {' '.join(plain_words(self.status.said))} ":
            log.info("Ignored %r over speech: I am saying that myself (echo)", command.heard)
            return True
        if self._answering_over_speech:
            # Misheard echo ("Speaking louder." heard as "i cant the" = louder) escapes the check above; a
            # loop needs a command heard over the reply to a command heard over speech, so that is refused.
            log.info("Ignored %r over speech: only stop is taken while I answer a command said over my voice "
                     "(echo)", command.heard)
            return True
        return False

    def _try_quick_end(self, duration: float) -> None:
        """At a pause of ``quick_end_silence``: answer now if the question already makes sense, else
        go on listening as if nothing happened (the full ``end_silence`` still ends it)."""
        if duration > QUICK_END_MAX_SECONDS or not self.recognizer.partial():
            return
        transcript = self.recognizer.finish()
        match = self.dialogue.matcher.match(list(transcript.alternatives))
        if _makes_sense(match) and _sounds_finished(match.heard or transcript.text):
            self.detector.reset()
            self._finish(EndReason.SILENCE, transcript, match)
        else:
            self.recognizer.accept(bytes(self._utterance))

    def _command_at_end(self, partial: str) -> Match | None:
        words = partial.split()[-BARGE_IN_WORDS:]
        for count in range(1, len(words) + 1):
            match = self.dialogue.matcher.match([" ".join(words[-count:])])
            if match.kind is MatchKind.COMMAND:
                return match
        return None

    def _act_on_speech_over(self, command: Match) -> None:
        self._answering_over_speech = True
        self.detector.reset()
        self.recognizer.finish()
        self._spoke_over = False
        log.info("Heard %r over speech: command %s", command.heard, command.command)
        self._apply(self.dialogue.reply_to(command), command.heard)

    def _finish(self, reason: EndReason, transcript: Transcript | None = None, match: Match | None = None) -> None:
        """End the utterance (``transcript`` and ``match`` when the recognizer was finished already)."""
        self.update(state=State.THINKING)
        if transcript is None:
            transcript = self.recognizer.finish()
        self._utterance.clear()
        spoke_over, self._spoke_over = self._spoke_over, False
        if reason is EndReason.TOO_SHORT:
            self.update(state=State.SPEAKING if self.speaker.speaking else State.LISTENING)
            return
        if match is None:
            match = self.dialogue.matcher.match(list(transcript.alternatives))
        if (spoke_over or self.speaker.speaking) and (match.kind is not MatchKind.COMMAND
                                                     or self._is_own_echo(match)):
            log.info("Ignored %r heard while speaking (only commands are taken then)", transcript.text)
            self.update(state=State.SPEAKING if self.speaker.speaking else State.LISTENING)
            return
        self._answering_over_speech = spoke_over or self.speaker.speaking
        log.info("Heard %r → %s %s (score %.0f, %s)", match.heard or transcript.text, match.kind,
                 match.section or match.command, match.score, self.recognizer.description.split(" [")[0])
        self._apply(self.dialogue.reply_to(match), match.heard or transcript.text)

    def _apply(self, reply: Reply, heard: str) -> None:
        self.update(heard=heard, section=reply.section)
        if reply.voice is not None:
            self.settings = replace(self.settings, rate=reply.voice.rate, volume=reply.voice.volume)
            self.speaker.set_voice(reply.voice.rate, reply.voice.volume, self.settings.voice)
            self._save_settings(self.settings)
            self.update(rate=reply.voice.rate, volume=reply.voice.volume)
        self.say(reply.text, interrupt=reply.interrupt)
        if not reply.text:
            self.update(state=State.LISTENING, said="")

    def update(self, **changes: object) -> None:
        """Change what the caregiver view shows."""
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]
        self.view.show(self.status)


def _makes_sense(match: Match) -> bool:
    """Confident enough to answer at a short pause."""
    if match.kind is MatchKind.COMMAND:
        return match.score >= QUICK_END_COMMAND_SCORE
    return match.kind is MatchKind.ANSWER and match.score >= QUICK_END_SCORE


def _sounds_finished(heard: str) -> bool:
    words = heard.split()
    return bool(words) and words[-1] not in UNFINISHED_ENDINGS


def run_voice(conversation: Conversation,
              open_microphone: Callable[[bool], AbstractContextManager[Iterable[bytes]]],
              *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Listen until interrupted. A microphone that fails or goes away is retried with back-off
    (``open_microphone(retry=True)`` re-scans the devices), and the user is told, once, in plain words."""
    conversation.greet()
    failures = 0
    while True:
        try:
            with open_microphone(failures > 0) as microphone:
                if failures:
                    conversation.say("I can hear you again.")
                    failures = 0
                conversation.update(state=State.LISTENING, problem="")
                for frame in microphone:
                    conversation.hear(frame)
        except AudioDeviceError as error:
            if not failures:
                log.warning("Microphone problem: %s", error)
                conversation.say("I can't hear the microphone. I will keep trying.", interrupt=True)
            conversation.update(state=State.NO_MICROPHONE, problem=str(error))
            sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
            failures += 1


def run_keyboard(conversation: Conversation, lines: Iterable[str]) -> None:
    """Typed questions, spoken answers: for when there is no microphone."""
    for line in lines:
        if line.strip():
            conversation.answer_typed(line.strip())
