"""The hands-free loop: moves microphone audio through end-of-question detection and recognition, turns
what happens into events for the conversation core, and carries out its actions.

No decisions live here (they are in ``conversation/``): only audio, the recognizer, the speaker, the
view, the recordings and the history. One thread (the caller's) reads microphone frames and drives the core; the
speaker has its own thread, and reports failures through ``speech_failed``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from voice_assist.audio_format import seconds_of
from voice_assist.config import Settings
from voice_assist.conversation import Conversation
from voice_assist.errors import AudioDeviceError
from voice_assist.events import (
    Action,
    CaregiverKey,
    ChangeScanning,
    ChangeVoice,
    CheckPartial,
    ContinueUtterance,
    DecodeAfresh,
    DropTakes,
    EndUtterance,
    Event,
    ForgetHistory,
    ForgetVoice,
    Heard,
    HeardSoFar,
    HistoryForgotten,
    KeepTake,
    ListeningFailed,
    MeasureTake,
    MicrophoneLost,
    MicrophoneOpened,
    Paused,
    Reply,
    SaveTakes,
    Scanning,
    SentenceStarted,
    Silence,
    SilenceAlarm,
    SoundAlarm,
    SoundEnded,
    SoundStarted,
    SpeechFailed,
    Status,
    SwitchChanged,
    SwitchTrouble,
    TooShort,
    TryFinishing,
    Typed,
    UtteranceEnded,
    UtteranceStarted,
    Voice,
    VoiceForgotten,
)
from voice_assist.examples import ExampleMatch
from voice_assist.history import Alert, History, turn_of
from voice_assist.memory import MemoryReleaser
from voice_assist.recognize import Recognizer
from voice_assist.recordings import Recorder, recorder_for
from voice_assist.sounds import SoundEdge
from voice_assist.speak import SpeechOutput
from voice_assist.vad import EndReason, Phase, Step, UtteranceDetector
from voice_assist.voice_takes import VoiceTakes
from voice_assist.voicing import speech_sound

log = logging.getLogger(__name__)

RETRY_SECONDS = (1.0, 2.0, 4.0, 8.0)
"""Back-off between attempts to reopen a microphone that went away; the last value repeats."""

NO_MICROPHONE_TICK_SECONDS = 0.1
"""How often the time is passed on to the conversation while no microphone works. Its clock is the audio heard,
which stops with the microphone; without these ticks scanning stood on one option, so a switch user had no way
in while the microphone was gone, and learning's reminders never came. As often as a few microphone frames."""


class View(Protocol):
    """Shows the conversation's status to the caregiver."""

    def show(self, status: Status) -> None: ...


class AlarmOutput(Protocol):
    """Sounds the call for help (``alarm.py``)."""

    @property
    def sounding(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class SoundListener(Protocol):
    """Finds the sounds that select while scanning (``sounds.py``)."""

    level_db: float

    def push(self, frame: bytes, speaking: bool) -> SoundEdge | None: ...


class VoiceLoop:
    """Feeds microphone frames (and typed lines) to the conversation core and does what it says."""

    def __init__(self, conversation: Conversation, recognizer: Recognizer, speaker: SpeechOutput,
                 settings: Settings, view: View, *, on_voice_change: Callable[[Voice], None] = lambda _voice: None,
                 recorder: Recorder | None = None, history: History | None = None,
                 reopen_recognizer: Callable[[], Recognizer] | None = None, alarm: AlarmOutput | None = None,
                 sounds: SoundListener | None = None,
                 on_scanning_change: Callable[[Scanning], None] = lambda _scanning: None,
                 voice: VoiceTakes | None = None) -> None:
        """``on_voice_change`` keeps voice settings changed by voice (and ``on_scanning_change`` the scanning
        ones); ``recorder`` defaults to one into data_dir()/recordings when ``record_audio`` is on, else none;
        ``history`` keeps each turn (None: no history is kept, and "forget history" has nothing to delete);
        ``reopen_recognizer`` builds a fresh recognizer after one has failed; ``alarm`` sounds the call for
        help (None: the screen shows it, nothing sounds); ``sounds`` finds the sounds that select while
        scanning (None: only the switch selects); ``voice`` holds the recordings of the user's voice, which
        utterances are matched against and "learn my voice" adds to (None: none are made or matched)."""
        self.conversation = conversation
        self.recognizer = recognizer
        self.speaker = speaker
        self.settings = settings
        self.view = view
        self._on_voice_change = on_voice_change
        self._on_scanning_change = on_scanning_change
        self._reopen_recognizer = reopen_recognizer
        self._alarm = alarm
        self._sounds = sounds
        self._voice = voice
        self._heard_seconds = 0.0
        """The conversation's clock: seconds of microphone audio so far (the same as the time of day while
        the microphone runs, and exact when tests or simulations feed audio faster than real time)."""
        self._recorder = recorder if recorder is not None else recorder_for(settings)
        self._history = history
        self._recorded = bytearray()
        """Audio of the current utterance, kept only when recording is on."""
        self.detector = UtteranceDetector.from_settings(settings)
        self._utterance = bytearray()
        """Audio of the current utterance, to decode again after a quick-end try that did not end it."""
        self._ended_utterance = b""
        """Audio of the utterance that ended last, for a second opinion (``DecodeAfresh``)."""
        self._finished_early = False
        """The recognizer was finished at a pause (``TryFinishing``): ending the utterance needs no finish."""
        self._shown: Status | None = None
        self.memory = MemoryReleaser()
        """Hands freed memory back to the system while all is quiet (memory.py)."""
        self._lock = threading.Lock()
        """The speaker's thread reports failures while the listening thread drives the core."""

    @property
    def status(self) -> Status:
        return self.conversation.status

    def send(self, event: Event) -> None:
        """Give the core an event, carry out its actions, show the result."""
        with self._lock:
            actions = self.conversation.handle(event)
        self._carry_out(actions)

    def speech_failed(self, error: Exception) -> None:
        """Speech output gave up (the speaker thread calls this): the answer is shown in full instead."""
        self.send(SpeechFailed(str(error)))

    def sentence_started(self, sentence: str) -> None:
        """The speaker began to play a sentence (the speaker thread calls this): the view shows it."""
        self.send(SentenceStarted(sentence))

    @property
    def _own_sound(self) -> bool:
        """The assistant's voice, or its alarm, is playing: what the microphone hears may be its own."""
        return self.speaker.speaking or (self._alarm is not None and self._alarm.sounding)

    def answer_typed(self, text: str) -> None:
        self.send(Typed(text, at=self._heard_seconds, speaking=self._own_sound))

    def switch_trouble(self, working: bool, problem: str, spoken: str) -> None:
        """The switch stopped working, or works again (its reader thread calls this)."""
        self.send(SwitchTrouble(working, problem, spoken))

    def switch_changed(self, pressed: bool, *, switch_key: bool = True) -> None:
        """The switch was pressed or let go, or (``switch_key`` False) another key was pressed (the switch's
        reader thread, or the terminal's, calls this)."""
        if switch_key:
            self.send(SwitchChanged(pressed, at=self._heard_seconds))
        elif pressed:
            self.send(CaregiverKey(at=self._heard_seconds))

    def time_passes(self, seconds: float) -> None:
        """No microphone: ``seconds`` pass with nothing heard, and the conversation's timers go on (scanning's pace,
        learning's reminders, the half minute an offer stands)."""
        self._heard_seconds += seconds
        self.send(Silence(self._own_sound, at=self._heard_seconds))

    def hear(self, frame: bytes) -> None:
        """One frame of microphone audio (16 kHz mono s16le). A fault in recognition or matching never
        stops the assistant: it starts listening afresh, with a new recognizer, and says so."""
        self._heard_seconds += seconds_of(frame)
        try:
            self._hear(frame)
        except Exception:
            log.exception("Listening failed; starting again")
            self._recover()

    def _recover(self) -> None:
        self.detector.reset()
        self._utterance.clear()
        if self._reopen_recognizer is not None:
            try:
                self.recognizer = self._reopen_recognizer()
            except Exception:
                log.exception("The speech recognizer could not be restarted; keeping the old one")
        self.send(ListeningFailed(self._heard_seconds))

    def _hear(self, frame: bytes) -> None:
        self._listen_for_sounds(frame)
        step = self.detector.push(frame)
        if step.started:
            self._utterance.clear()
        if step.audio:
            self.recognizer.accept(step.audio)
            self._utterance += step.audio
        if step.started:
            self.send(UtteranceStarted(self._own_sound))
        if step.ended is not None:
            self._ended(step.ended, step.duration)
        elif step.phase is Phase.PAUSE:
            self.send(Paused(step.duration, step.trailing_silence, self._own_sound))
        elif step.phase is Phase.WAITING:
            self.send(Silence(self._own_sound, at=self._heard_seconds))
            if not self._own_sound:
                self.memory.release_due(self._heard_seconds)
        if self._recorder is not None:
            self._record(step)

    def _listen_for_sounds(self, frame: bytes) -> None:
        if self._sounds is None:
            return
        edge = self._sounds.push(frame, self._own_sound)
        if edge is None:
            return
        at = self._heard_seconds - seconds_of(frame) + edge.offset
        if edge.started:
            self.send(SoundStarted(at, self._own_sound))
        else:
            self.send(SoundEnded(at, edge.seconds, talk=edge.talk, word=edge.word))

    def _ended(self, reason: EndReason, seconds: float) -> None:
        self.send(UtteranceEnded())
        transcript = self.recognizer.finish()
        self._ended_utterance = bytes(self._utterance)
        self._utterance.clear()
        if reason is EndReason.TOO_SHORT:
            self.send(TooShort(self._own_sound))
        else:
            self.send(Heard(transcript.alternatives, speaking=self._own_sound, seconds=seconds,
                            at=self._heard_seconds, example=self._by_example(self._ended_utterance),
                            word_confidences=transcript.word_confidences,
                            sound=speech_sound(self._ended_utterance)))

    def _record(self, step: Step) -> None:
        """Keep what was heard; save it once the utterance is over, however it ended (silence, the length cap,
        a quick end or a barge-in, which reset the detector). Coughs and knocks (too short) are not kept."""
        self._recorded += step.audio
        if self.detector.phase is Phase.WAITING and self._recorded:
            if step.ended is not EndReason.TOO_SHORT and self._recorder is not None:
                self._recorder.save(bytes(self._recorded))
            self._recorded.clear()

    def _carry_out(self, actions: Sequence[Action]) -> None:
        for action in actions:
            match action:
                case Reply(text=text, interrupt=interrupt):
                    if interrupt:
                        self.speaker.stop()
                    if text:
                        self.speaker.say(text)
                    self._keep(action)
                case ForgetHistory():
                    self.send(self._history.forget() if self._history is not None else HistoryForgotten(0))
                case ChangeVoice(voice):
                    self.speaker.set_voice(voice.rate, voice.volume, self.settings.voice)
                    self._on_voice_change(voice)
                case ChangeScanning(scanning):
                    if self._sounds is not None:
                        self._sounds.level_db = scanning.sound_level
                    self._on_scanning_change(scanning)
                case SoundAlarm(why) | SilenceAlarm(why):
                    self._sound_alarm(isinstance(action, SoundAlarm), why)
                case MeasureTake() | KeepTake() | SaveTakes() | DropTakes() | ForgetVoice():
                    self._learn_voice(action)
                case _:
                    self._steer_recognizer(action)
        if self.status != self._shown:
            self._shown = self.status
            self.view.show(self.status)

    def _steer_recognizer(self, action: Action) -> None:
        match action:
            case CheckPartial():
                self.send(HeardSoFar(self.recognizer.partial(), self._own_sound, at=self._heard_seconds))
            case TryFinishing():
                self._finished_early = True
                transcript = self.recognizer.finish()
                so_far = bytes(self._utterance)
                self.send(Heard(transcript.alternatives, speaking=self._own_sound, at_pause=True,
                                at=self._heard_seconds, example=self._by_example(so_far),
                                word_confidences=transcript.word_confidences, sound=speech_sound(so_far)))
            case DecodeAfresh():
                second = self.recognizer.decode_afresh(self._ended_utterance)
                self.send(Heard(second.alternatives, speaking=self._own_sound, afresh=True,
                                at=self._heard_seconds))
            case EndUtterance():
                self._end_utterance()
            case ContinueUtterance():
                self._finished_early = False
                self.recognizer.accept(bytes(self._utterance))

    def _by_example(self, pcm: bytes) -> ExampleMatch | None:
        """The user's enrolled phrase said in ``pcm`` (the utterance with its silence around), if any."""
        return self._voice.match(pcm) if self._voice is not None else None

    def _learn_voice(self, action: Action) -> None:
        """Carry out what learning the user's voice asks for (``voice_takes.py`` does the work)."""
        voice = self._voice
        match action:
            case ForgetVoice():
                self.send(voice.forget() if voice is not None else VoiceForgotten(0))
            case _ if voice is None:
                log.warning("Cannot learn the user's voice here: no place for the recordings was given")
            case MeasureTake(phrase):
                self.send(voice.measure(phrase, self._ended_utterance))
            case KeepTake(phrase):
                voice.keep(phrase)
            case SaveTakes(phrase):
                self.send(voice.save(phrase))
            case DropTakes():
                voice.drop()

    def _sound_alarm(self, on: bool, why: str) -> None:
        """Start or stop the call for help, and note it in the caregiver's record."""
        if self._alarm is not None:
            if on:
                self._alarm.start()
            else:
                self._alarm.stop()
        if self._history is not None:
            self._history.write(Alert(self._history.now(), "called" if on else "stopped", why))

    def _keep(self, reply: Reply) -> None:
        """Add a reply to an utterance to the history."""
        if self._history is None:
            return
        heard = (reply.match.heard if reply.match else "") or self.status.heard
        title = self.conversation.library.spoken_title(reply.section) if reply.section else ""
        turn = turn_of(reply, heard, title, self._history.now())
        if turn is not None:
            self._history.write(turn)

    def _end_utterance(self) -> None:
        """Reset the detector; a recognizer still in the utterance (a command over speech) is finished."""
        self.detector.reset()
        if not self._finished_early:
            self.recognizer.finish()
        self._finished_early = False
        self._utterance.clear()


def run_voice(loop: VoiceLoop, open_microphone: Callable[[bool], AbstractContextManager[Iterable[bytes]]],
              *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Listen until interrupted. A microphone that fails or goes away is retried with back-off
    (``open_microphone(retry=True)`` re-scans the devices); the core tells the user, once, in plain words."""
    failures = 0
    while True:
        try:
            with open_microphone(failures > 0) as microphone:
                failures = 0
                loop.send(MicrophoneOpened())
                for frame in microphone:
                    loop.hear(frame)
        except AudioDeviceError as error:
            loop.send(MicrophoneLost(str(error)))
            _wait_without_microphone(loop, RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)], sleep)
            failures += 1


def _wait_without_microphone(loop: VoiceLoop, seconds: float, sleep: Callable[[float], None]) -> None:
    """Wait ``seconds`` before trying the microphone again, passing the time on to the conversation as it goes."""
    ticks = max(1, round(seconds / NO_MICROPHONE_TICK_SECONDS))
    for _ in range(ticks):
        sleep(seconds / ticks)
        loop.time_passes(seconds / ticks)


def run_keyboard(loop: VoiceLoop, lines: Iterable[str]) -> None:
    """Typed questions, spoken answers: for when there is no microphone."""
    for line in lines:
        if line.strip():
            loop.answer_typed(line.strip())
