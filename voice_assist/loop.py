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

from voice_assist.config import Settings, save_voice
from voice_assist.dialogue import Dialogue, Reply
from voice_assist.errors import AudioDeviceError
from voice_assist.match import Match, MatchKind
from voice_assist.recognize import Recognizer, Transcript
from voice_assist.recordings import Recorder, recorder_for
from voice_assist.speak import SpeechOutput
from voice_assist.vad import EndReason, Phase, Step, UtteranceDetector

log = logging.getLogger(__name__)

QUICK_END_SCORE = 80.0
"""A pause of ``quick_end_silence`` ends the question early only when what was heard so far already
matches this well: a half-said question waits for the full ``end_silence``."""

BARGE_IN_WORDS = 3
"""While speaking, the last few words heard are checked for a command: the rest may be our own echo."""

RECHECK_SECONDS = 0.3
"""How often a pause or speech-over-speech is re-examined (partial results cost a little CPU)."""

RETRY_SECONDS = (1.0, 2.0, 4.0, 8.0)
"""Back-off between attempts to reopen a microphone that went away; the last value repeats."""


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
                 recorder: Recorder | None = None) -> None:
        """``recorder`` defaults to one into data_dir()/recordings when ``record_audio`` is on, else none."""
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

    def say(self, text: str, *, interrupt: bool = False) -> None:
        if interrupt:
            self.speaker.stop()
        if text:
            self.speaker.say(text)
            self.update(state=State.SPEAKING, said=text)

    def greet(self) -> None:
        self.say(self.dialogue.greeting())

    def hear(self, frame: bytes) -> None:
        """One frame of microphone audio (16 kHz mono s16le)."""
        step = self.detector.push(frame)
        if step.audio:
            self.recognizer.accept(step.audio)
        if step.started:
            self._spoke_over = self.speaker.speaking
            self._next_check = 0.0
            if not self.speaker.speaking:
                self.update(state=State.HEARING, heard="")
        if step.ended is not None:
            self._finish(step.ended)
        elif step.phase is not Phase.WAITING and step.duration >= self._next_check:
            self._next_check = step.duration + RECHECK_SECONDS
            self._check_early_end(step.trailing_silence)
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

    def _check_early_end(self, trailing_silence: float) -> None:
        """End the question before ``end_silence`` when it already makes sense, or barge in on a command."""
        partial = self.recognizer.partial()
        if not partial:
            return
        if self.speaker.speaking or self._spoke_over:
            command = self._command_at_end(partial)
            if command is not None:
                self._act_on_speech_over(command)
            return
        if trailing_silence >= self.settings.quick_end_silence:
            match = self.dialogue.matcher.match([partial])
            confident = match.kind is MatchKind.COMMAND or (
                match.kind is MatchKind.ANSWER and match.score >= QUICK_END_SCORE)
            if confident:
                self.detector.reset()
                self._finish(EndReason.SILENCE)

    def _command_at_end(self, partial: str) -> Match | None:
        words = partial.split()[-BARGE_IN_WORDS:]
        for count in range(1, len(words) + 1):
            match = self.dialogue.matcher.match([" ".join(words[-count:])])
            if match.kind is MatchKind.COMMAND:
                return match
        return None

    def _act_on_speech_over(self, command: Match) -> None:
        self.detector.reset()
        self.recognizer.finish()
        self._spoke_over = False
        log.info("Heard %r over speech: command %s", command.heard, command.command)
        self._apply(self.dialogue.reply_to(command), command.heard)

    def _finish(self, reason: EndReason) -> None:
        self.update(state=State.THINKING)
        transcript: Transcript = self.recognizer.finish()
        spoke_over, self._spoke_over = self._spoke_over, False
        if reason is EndReason.TOO_SHORT:
            self.update(state=State.SPEAKING if self.speaker.speaking else State.LISTENING)
            return
        match = self.dialogue.matcher.match(list(transcript.alternatives))
        if (spoke_over or self.speaker.speaking) and match.kind is not MatchKind.COMMAND:
            log.info("Ignored %r heard while speaking (only commands are taken then)", transcript.text)
            self.update(state=State.SPEAKING if self.speaker.speaking else State.LISTENING)
            return
        log.info("Heard %r → %s %s (score %.0f, %s)", transcript.text, match.kind, match.section or match.command,
                 match.score, self.recognizer.description.split(" [")[0])
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
