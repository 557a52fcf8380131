"""``Conversation``: the one place the conversation's state changes, ``handle`` an event, get the actions to take.

It hands each event to the mode it concerns (``listening``, ``answering``, ``scanner``, ``learning``, ``help``)
and does what crosses modes: what the screen shows, the clock and the assistant's own voice (``Moment``), faults,
the history, the alarm, and what an event of one mode ends in the others (a call for help ends scanning, learning
and any question asked; scanning and learning drop a half question and the thread, a typed question the half
question; talk undoes what its first sound selected).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from voice_assist import enrolment
from voice_assist.by_example import combined, vouches
from voice_assist.commands import Command
from voice_assist.confidence import described, tiered
from voice_assist.config import Settings
from voice_assist.content import Library
from voice_assist.conversation.adjustments import SCANNING_SETTINGS
from voice_assist.conversation.answering import FORGET_QUESTION, SAY_YES_AGAIN, Answering, Deletion, Thread
from voice_assist.conversation.faults import Faults
from voice_assist.conversation.help import ALARM_OFF, HELP_SIGNAL_WINDOW, HELP_SIGNALS, HelpSignals
from voice_assist.conversation.learning import Learner
from voice_assist.conversation.listening import (
    AFRESH_MAX_SECONDS,
    Fragment,
    Listening,
    command_at_end,
    guesses,
    is_fragment,
    makes_sense,
    sounds_finished,
    taken_over_speech,
)
from voice_assist.conversation.scanner import Scanner
from voice_assist.conversation.stage import Moment
from voice_assist.events import (
    Action,
    AlarmFailed,
    CaregiverKey,
    ChangeVoice,
    ContinueUtterance,
    DecodeAfresh,
    EndUtterance,
    Event,
    ForgetHistory,
    Heard,
    HeardSoFar,
    HistoryForgotten,
    ListeningFailed,
    MicrophoneLost,
    MicrophoneOpened,
    NoMicrophoneAtStart,
    Paused,
    Reply,
    Scanning,
    SentenceStarted,
    Silence,
    SilenceAlarm,
    SoundAlarm,
    SoundEnded,
    SoundStarted,
    SpeechFailed,
    Started,
    State,
    Status,
    SwitchChanged,
    SwitchTrouble,
    TakeMeasured,
    TakesSaved,
    TooShort,
    TryFinishing,
    Typed,
    UtteranceEnded,
    UtteranceStarted,
    Voice,
    VoiceForgotten,
)
from voice_assist.match import Match, Matcher, MatchKind
from voice_assist.problems import Problem
from voice_assist.scanning import (
    START_SCANNING,
    Scan,
)
from voice_assist.voicing import SpeechSound

log = logging.getLogger(__package__)

_DEFAULTS = Settings()

PROBLEMS_NAMED_ALOUD = 2
"""Start-up problems named one by one in the greeting; more are only counted (the screen lists them all)."""

UNDO_SAME_SOUND_SECONDS = 0.05
"""A sound's end (its start = end - length) and a selection made at its start are the same sound within this."""


@dataclass(frozen=True)
class _Before:
    """The conversation as it was before a sound acted on it."""

    at: float
    """When the sound started."""
    scan: Scan | None
    thread: Thread


class Conversation:
    """The one place the conversation's state changes: ``handle`` an event, get the actions to take."""

    def __init__(self, library: Library, voice: Voice, matcher: Matcher | None = None, *,
                 engine: str = "", quick_end_silence: float = 0.45, normal_voice: Voice | None = None,
                 scanning: Scanning | None = None, scanning_way_in: bool = False,
                 help_sounds: int = HELP_SIGNALS) -> None:
        """``engine`` names the recognizer for the caregiver view; ``quick_end_silence`` is the pause
        (seconds) at which a question that already makes sense is answered; ``normal_voice`` is the settings
        file's voice, which "normal voice" goes back to (None: ``voice``); ``scanning`` is the pace and sound
        level of scanning (None: the settings' defaults); ``scanning_way_in``: the user does not speak, and any
        sound starts scanning; ``help_sounds`` short sounds in quick succession call for help (0: never)."""
        self.library = library
        self.matcher = matcher or Matcher(library)
        self.quick_end_silence = quick_end_silence
        self.scanning_way_in = scanning_way_in
        self.help_sounds = help_sounds
        self.status = Status(State.LISTENING, voice, engine=engine, normal_voice=normal_voice or voice,
                             scanning=scanning or Scanning(_DEFAULTS.scan_seconds, _DEFAULTS.sound_level))
        self._answering = Answering(library)
        self._listening = Listening()
        self._moment = Moment()
        self._scanner = Scanner(self._answering, say=self._say, show=self._show, fall_quiet=self._fall_quiet,
                                way_in=scanning_way_in)
        self._help_signals = HelpSignals()
        self._alarm_on = False
        """The call for help sounds: the screen shows ALARM whatever else happens, until it is stopped."""
        self._before_sound: _Before | None = None
        """The scan and the thread as they were before the last sound selected: undone if it was talk."""
        self._learner = Learner(library, say=self._say, show=self._show)
        self._faults = Faults(say=self._say, show=self._show)
        self._handlers: dict[type, Callable[[Any], list[Action]]] = {
            Started: self._started, Typed: self._typed, UtteranceStarted: self._utterance_started,
            Paused: self._paused, HeardSoFar: self._heard_so_far, UtteranceEnded: self._utterance_ended,
            Heard: self._heard, TooShort: self._too_short, Silence: self._silence,
            SpeechFailed: self._faults.speech_failed, ListeningFailed: self._listening_failed,
            MicrophoneLost: self._lost_microphone, MicrophoneOpened: self._faults.opened_microphone,
            NoMicrophoneAtStart: self._no_microphone_at_start, SentenceStarted: self._sentence_started,
            HistoryForgotten: self._history_forgotten, SoundStarted: self._sound_started,
            SoundEnded: self._sound_ended, SwitchChanged: self._switch_changed, CaregiverKey: self._caregiver_key,
            SwitchTrouble: self._switch_trouble, AlarmFailed: self._faults.alarm_failed,
            TakeMeasured: self._take_measured, TakesSaved: self._learner.saved, VoiceForgotten: self._learner.forgotten,
        }

    @property
    def voice(self) -> Voice:
        return self.status.voice

    @property
    def scanning(self) -> Scanning:
        assert self.status.scanning is not None  # set by __init__
        return self.status.scanning

    @property
    def alarm_sounding(self) -> bool:
        return self._alarm_on

    def handle(self, event: Event) -> list[Action]:
        """The actions for one event, in the order they must be taken."""
        if isinstance(event, Typed | Heard | HeardSoFar | Silence):
            self._moment = replace(self._moment, now=event.at, speaking=event.speaking)
        elif isinstance(event, SoundStarted | SoundEnded | SwitchChanged | CaregiverKey):
            self._moment = replace(self._moment, now=event.at)
        return self._handlers[type(event)](event)

    # --- greeting and fixed texts

    def greeting(self) -> str:
        example = "what are the symptoms" if any(s.id == "symptoms" for s in self.library.sections) else "topics"
        return f"Hello. Ask me a question, for example: {example}? Say topics to hear what I know. Say stop to stop me."

    def topics_text(self) -> str:
        return self._answering.topics_text()

    def _started(self, event: Started) -> list[Action]:
        """One reply, so that the view shows all of it: the problems first (said once, shown until the next
        start), then how to ask."""
        self._show(problems=event.problems)
        if event.typed:
            how_to_ask = "Type a question and press Enter. " + self.topics_text()
        elif self.scanning_way_in:
            self._scanner.greeted()
            how_to_ask = f"Hello. I will read the topics one at a time. {START_SCANNING}"
        elif event.enrol:
            return self._learning_turn(self._learner.begin(), before=_problems_notice(event.problems))
        else:
            how_to_ask = self.greeting()
        return self._say(_problems_notice(event.problems) + how_to_ask)

    # --- utterances (listening.py: when one is over, what is taken over the assistant's voice, half questions)

    def _typed(self, typed: Typed) -> list[Action]:
        """A typed question or command is a turn of its own: no half question waits for its rest after it. While
        learning the voice, only learning answers it (``enrolment.typed``)."""
        self._listening = replace(self._listening, fragment=None)
        if self._learner.active:  # typed text is no take, and answered by nothing but learning
            self._show(heard=typed.text)
            return self._learning_turn(self._learner.typed(typed.text), interrupt=True)
        learning = self._learning_asked(typed.text, typed=True)
        if learning is not None:
            return learning
        return self._reply_to(self.matcher.match(guesses([typed.text])), typed.text)

    def _utterance_started(self, started: UtteranceStarted) -> list[Action]:
        speaking = started.speaking
        self._listening = replace(self._listening, spoke_over=speaking,
                                  answering_over_speech=self._listening.answering_over_speech and speaking,
                                  pause_start=None)
        if not speaking:
            self._show(state=State.HEARING, heard="")
        return []

    def _paused(self, pause: Paused) -> list[Action]:
        """At a short pause, see whether the question is complete; over our own speech, look for a command."""
        self._listening = self._listening.at_pause(pause)
        if self._learner.active:  # a take ends at the full end_silence, never early
            return []
        self._listening, actions = self._listening.checks_at_pause(pause, self.quick_end_silence)
        return actions

    def _heard_so_far(self, partial: HeardSoFar) -> list[Action]:
        if self._learner.active:
            return []
        if not self._listening.over_speech(partial.speaking):
            return [TryFinishing()] if partial.text else []
        command = command_at_end(self.matcher, partial.text) if partial.text else None
        if command is None or not taken_over_speech(command) or self._listening.is_own_echo(command, self.status.said):
            return []
        self._listening = replace(self._listening, answering_over_speech=True, spoke_over=False)
        log.info("Heard %r over speech: command %s", command.heard, command.command)
        return [EndUtterance(), *self._reply_to(command, command.heard)]

    def _heard(self, heard: Heard) -> list[Action]:
        if self._learner.active:
            return [] if heard.afresh else self._heard_while_learning(heard)
        if heard.afresh:
            return self._heard_afresh(heard)
        if self._scanner.active or self.alarm_sounding:
            return self._heard_aside(heard)
        learning = None if self._listening.over_speech(heard.speaking) else self._learning_asked(
            next(iter(guesses(heard.alternatives)), ""))
        if learning is not None:
            return [EndUtterance(), *learning] if heard.at_pause else learning
        match, alternatives, sound = self._matched(heard)
        said = match.heard or (alternatives[0] if alternatives else "")
        if heard.at_pause:
            if not (makes_sense(match) and sounds_finished(said)):
                return [ContinueUtterance()]
            self._show(state=State.THINKING)
        spoke_over = self._listening.over_speech(heard.speaking)
        self._listening = replace(self._listening, spoke_over=False)
        ended: list[Action] = [EndUtterance()] if heard.at_pause else []
        if spoke_over and (not taken_over_speech(match) or self._listening.is_own_echo(match, self.status.said)):
            return ended + self._ignored_over_speech(heard, said)
        self._listening = replace(self._listening, answering_over_speech=spoke_over, fragment=None)
        if not (spoke_over or heard.at_pause or heard.whole) and is_fragment(match, said):
            return self._held_for_its_rest(heard, alternatives, said)
        return ended + self._reply_to(self._weighed(match, heard, said, alternatives, sound), said)

    def _matched(self, heard: Heard) -> tuple[Match, list[str], SpeechSound | None]:
        """What ``heard`` matches, the guesses matched (after a half question waiting for its rest, if it is
        that), and the sound to weigh it by (None after a half question: its first words had their own)."""
        texts = guesses(heard.alternatives)
        alone = self.matcher.match(texts)
        fragment = self._listening.fragment if self._listening.joins_fragment(alone, heard.speaking) else None
        sound = None if fragment else heard.sound
        alternatives = fragment.before(texts) if fragment else texts
        match = combined(self.matcher.match(alternatives) if fragment else alone, heard.example, self.library)
        return match, alternatives, sound

    def _ignored_over_speech(self, heard: Heard, said: str) -> list[Action]:
        """Over the assistant's voice only some commands are taken; a short utterance gets a second opinion."""
        log.info("Ignored %r heard while speaking (only commands are taken then)", said)
        self._show(state=State.SPEAKING if heard.speaking else State.LISTENING)
        worth_a_second_opinion = heard.speaking and not heard.at_pause and heard.seconds <= AFRESH_MAX_SECONDS
        return [DecodeAfresh()] if worth_a_second_opinion else []

    def _held_for_its_rest(self, heard: Heard, alternatives: list[str], said: str) -> list[Action]:
        log.info("Heard %r: half a question, waiting for the rest", said)
        fragment = Fragment(tuple(alternatives), heard.at, heard.word_confidences, heard.sound)
        self._listening = replace(self._listening, fragment=fragment)
        self._show(state=State.HEARING, heard=f"{said} …")
        return []

    def _weighed(self, match: Match, heard: Heard, said: str, alternatives: list[str],
                 sound: SpeechSound | None) -> Match:
        """``match`` as the recognizer's confidence and the sound's voicing let it stand (unless an example of the
        user's voice vouches for it), logged."""
        best_guess = alternatives[0] if alternatives else ""  # with a half question heard before in front
        if not vouches(heard.example):
            match = tiered(match, best_guess, heard.word_confidences, sound=sound)
        chosen = match.section or match.command or match.confirm or match.offered_command
        details = [f"score {match.score:.0f}", described(best_guess, heard.word_confidences),
                   *([str(sound)] if sound else []), *([self.status.engine] if self.status.engine else [])]
        log.info("Heard %r → %s %s (%s)", said, match.kind, chosen, ", ".join(details))
        return match

    def _heard_afresh(self, heard: Heard) -> list[Action]:
        """A second opinion on an utterance over speech: only "stop" is taken from it, at worst a silence; and
        while the alarm sounds, "stop the alarm"."""
        match = self.matcher.match(guesses(heard.alternatives))
        wanted = Command.IM_HERE if self.alarm_sounding else Command.STOP
        if match.kind is not MatchKind.COMMAND or match.command != wanted:
            return []
        log.info("Heard %r over speech: command %s (on a second hearing)", match.heard, match.command)
        return self._reply_to(match, match.heard)

    def _heard_aside(self, heard: Heard) -> list[Action]:
        """While scanning or while the alarm sounds, speech only steers (stop, help, I'm here, the scanning
        settings): the sound that selected was a sound, and a hum heard as words must not answer."""
        self._listening = replace(self._listening, spoke_over=False, fragment=None)
        ended: list[Action] = [EndUtterance()] if heard.at_pause else []
        match = combined(self.matcher.match(guesses(heard.alternatives)), heard.example, self.library)
        if self.alarm_sounding and match.command != Command.IM_HERE:
            log.info("Heard %r while the alarm sounds: not taken", match.heard)
            short = not heard.at_pause and heard.seconds <= AFRESH_MAX_SECONDS
            return [*ended, DecodeAfresh()] if short else ended  # a drifted recognizer heard "stop it"
        if match.kind is not MatchKind.COMMAND or (
                self._listening.over_speech(heard.speaking) and self._listening.is_own_echo(match, self.status.said)):
            log.info("Heard %r while %s: not taken", match.heard, self.status.state)
            return ended
        return ended + self._reply_to(match, match.heard)

    def _utterance_ended(self, _ended: UtteranceEnded) -> list[Action]:
        self._show(state=State.THINKING)
        return []

    def _too_short(self, noise: TooShort) -> list[Action]:
        self._listening = replace(self._listening, spoke_over=False)
        self._show(state=State.SPEAKING if noise.speaking else State.LISTENING)
        return []

    def _silence(self, silence: Silence) -> list[Action]:
        if not silence.speaking and self._moment.quiet_since is None:
            self._moment = replace(self._moment, quiet_since=silence.at)
            if self.status.state is State.SPEAKING:
                self._show(state=State.NO_MICROPHONE if self._faults.microphone_lost else State.LISTENING)
        if self._help_signals.held_long(silence.at) and not self.alarm_sounding:
            self._help_signals = replace(self._help_signals, switch_down_at=None)
            return self._call_for_help("the switch was held down")
        if self._scanner.active:
            return self._scanner.quiet(silence, self._moment, self.scanning.seconds)
        if self._learner.active:
            return self._learning_turn(self._learner.quiet(silence, self._moment))
        fragment = self._listening.fragment  # answered as it is once its wait is over, not over the assistant's voice
        if fragment is not None and not silence.speaking and fragment.lapsed(silence.at):
            return self._fragment_alone(fragment)
        return []

    def _fragment_alone(self, fragment: Fragment) -> list[Action]:
        """No rest came: the half question is weighed and answered as it is."""
        self._listening = replace(self._listening, fragment=None)
        words = self.matcher.match(list(fragment.alternatives))
        match = tiered(words, fragment.alternatives[0], fragment.word_confidences, sound=fragment.sound)
        log.info("Heard %r and nothing more → %s %s (%s)", words.heard, match.kind, match.section or "",
                 described(fragment.alternatives[0], fragment.word_confidences))
        return self._reply_to(match, words.heard or fragment.alternatives[0])

    def _sentence_started(self, started: SentenceStarted) -> list[Action]:
        if self.status.state is State.SPEAKING:
            self._show(sentence=started.text)
        return []

    # --- faults (faults.py), and what a failure of listening or the microphone's loss drops

    def _listening_failed(self, failure: ListeningFailed) -> list[Action]:
        self._drop_utterance()
        return self._faults.listening_failed(failure.at)

    def _lost_microphone(self, lost: MicrophoneLost) -> list[Action]:
        self._drop_utterance()
        return self._faults.lost_microphone(lost)

    def _no_microphone_at_start(self, missing: NoMicrophoneAtStart) -> list[Action]:
        """Questions will be typed; learning the voice (``voice-assist enrol``) cannot go on, and ends at once."""
        if not self._learner.active:
            return self._faults.no_microphone_at_start(missing)
        ended = self._learner.dropped()
        return [*ended, *self._faults.no_microphone_at_start(missing, before=enrolment.NO_MICROPHONE_TO_LEARN)]

    def _drop_utterance(self) -> None:
        """Listening starts afresh: the utterance under way, and a half question waiting for its rest, are gone."""
        self._listening = replace(self._listening, spoke_over=False, answering_over_speech=False, pause_start=None,
                                  fragment=None)

    # --- the history

    def _forget_history(self, heard: str) -> list[Action]:
        """ "Forget history": what is being said stops, and the reply waits for ``HistoryForgotten``."""
        log.info("Heard %r → forget the history", heard)
        self._answering.thread = self._answering.thread.closed()
        self._show(state=State.THINKING, heard=heard, section=None, said="")
        return [Reply("", interrupt=True), ForgetHistory()]

    def _history_forgotten(self, forgotten: HistoryForgotten) -> list[Action]:
        """Say what was deleted, so that a "forget history" said by accident is noticed."""
        if forgotten.failed:
            self._show(problem=f"The history could not be deleted: {forgotten.failed}")
            return self._say("I could not delete the history. A caregiver can see why on the screen.")
        asked = {0: "", 1: " of the one question asked"}.get(forgotten.questions,
                                                               f" of the {forgotten.questions} questions asked")
        return self._say(f"I deleted the history{asked}. I will keep no history from now on.")

    # --- sounds and the switch: they select while scanning (scanner.py), start it, or call for help (help.py)

    def _sound_started(self, sound: SoundStarted) -> list[Action]:
        """A sound selects while scanning, and starts scanning when that is the way in. What it did is undone if
        it turns out to be talk (``_sound_ended``)."""
        if self.alarm_sounding or self._learner.active:  # learning takes sounds as the user's takes
            return []
        before = _Before(sound.at, self._scanner.scan, self._answering.thread)
        if self._scanner.active:
            actions = self._scanner.select(self._moment)
        elif self.scanning_way_in:
            actions = self._start_scanning()
        else:
            return []
        self._before_sound = before if actions else None
        return actions

    def _sound_ended(self, sound: SoundEnded) -> list[Action]:
        """Talk undoes what its start did; three short sounds out of quiet, none of them a spoken word, call for
        help."""
        signals, self._help_signals = self._help_signals, self._help_signals.after_sound(sound)
        if sound.talk:
            return self._undo_for_talk(sound.at - sound.seconds)
        if not signals.may_signal(sound):
            return []
        if self._help_signals.sounds_call(self.help_sounds) and not self.alarm_sounding:
            first = self._help_signals.sound_starts[0]
            return self._call_for_help(f"{self.help_sounds} short sounds in {sound.at - first:.1f} s")
        offer_stands = self._answering.thread.scan_offered and self._moment.just_said() and not self._learner.active
        if not self._scanner.active and offer_stands and not self.scanning_way_in:
            return self._start_scanning()  # a short sound, not talk, takes the offer (and may begin a call)
        return []

    def _undo_for_talk(self, onset: float) -> list[Action]:
        """Someone talked: what the start of their talk selected (or the scanning it started) is undone, and
        scanning goes on from where it was."""
        before, self._before_sound = self._before_sound, None
        if before is None or abs(before.at - onset) > UNDO_SAME_SOUND_SECONDS or self.alarm_sounding:
            return []
        log.info("That sound was talk, not a selection: undone")
        self._scanner.scan, self._answering.thread = before.scan, before.thread
        self._fall_quiet(self._moment.now)
        self._show(state=State.SCANNING if self._scanner.active else State.LISTENING, said="", section=None)
        return [Reply("", interrupt=True)]

    def _switch_changed(self, change: SwitchChanged) -> list[Action]:
        """A press selects while scanning and starts scanning otherwise; three quick presses, or one held
        down, call for help."""
        if not change.pressed:
            held_long = self._help_signals.held_long(change.at)
            self._help_signals = replace(self._help_signals, switch_down_at=None)
            if held_long and not self.alarm_sounding:
                return self._call_for_help("the switch was held down")
            return []
        self._help_signals = replace(self._help_signals, switch_down_at=change.at)
        if self.alarm_sounding:
            return []
        self._help_signals = self._help_signals.pressed(change.at)
        if self._help_signals.presses_call:
            self._help_signals = replace(self._help_signals, presses=())
            return self._call_for_help(f"{HELP_SIGNALS} presses of the switch in {HELP_SIGNAL_WINDOW:g} s")
        if self._learner.active:
            log.info("A press of the switch while learning the voice: not taken (say stop learning)")
            return []
        return self._scanner.select(self._moment) if self._scanner.active else self._start_scanning()

    def _start_scanning(self) -> list[Action]:
        """Scanning starts now: nothing read goes on, no question asked stands, no half question waits."""
        self._answering.thread = self._answering.thread.interrupted()
        self._listening = replace(self._listening, fragment=None)
        return self._scanner.begin(self._moment)

    def _help_or_scanning(self, match: Match, heard: str) -> list[Action] | None:
        """The reply when the alarm sounds, help is called or scanning is steered; None otherwise. While the alarm
        sounds only "I'm here" is taken, and while scanning only what steers it."""
        command = Command(match.command) if match.kind is MatchKind.COMMAND and match.command else None
        if self.alarm_sounding:
            return self._silence_alarm(heard) if command is Command.IM_HERE else []
        if command is Command.HELP_ME:
            return self._call_for_help(f"heard {heard!r}")
        if command in SCANNING_SETTINGS:
            return self._scanner.change(command, match, self.scanning)
        if command is Command.SCAN:
            if not self._scanner.active:
                self._show(heard=heard, section=None)
            return self._start_scanning()  # again from the topics, if it was scanning
        if self._scanner.active:
            return self._scanner.steer(command, match)
        return None

    # --- the call for help: the alarm, which ends every other mode

    def _call_for_help(self, why: str) -> list[Action]:
        log.warning("Calling for help: %s", why)
        self._scanner.scan = None
        self._help_signals = replace(self._help_signals, sound_starts=())
        self._answering.thread = self._answering.thread.interrupted()
        self._listening = replace(self._listening, answering_over_speech=False, fragment=None)
        learning = self._learner.dropped()
        self._alarm_on = True
        self._show(state=State.ALARM, said="", section=None)
        return [Reply("", interrupt=True), *learning, SoundAlarm(why)]

    def _silence_alarm(self, heard: str) -> list[Action]:
        log.warning("The alarm was stopped (%s)", heard or "a key")
        self._alarm_on = False
        self._show(state=State.LISTENING, heard=heard)
        return [SilenceAlarm(f"heard {heard!r}" if heard else ""), *self._say(ALARM_OFF)]

    def _caregiver_key(self, _key: CaregiverKey) -> list[Action]:
        """A caregiver's key stops the alarm, learning the user's voice, or scanning, whichever is going on."""
        if self.alarm_sounding:
            return self._silence_alarm("")
        if self._learner.active:
            return self._learning_turn(self._learner.stop(), interrupt=True)
        if self._scanner.active:
            return self._scanner.end()
        return []

    def _switch_trouble(self, trouble: SwitchTrouble) -> list[Action]:
        return self._faults.switch_trouble(trouble, alarm_sounding=self.alarm_sounding)

    # --- learning the user's voice (learning.py), and what it sets aside in the other modes

    def _learning_asked(self, said: str, *, typed: bool = False) -> list[Action] | None:
        """ "learn my voice", "learn stop again" or "forget my voice" said whole; None for anything else."""
        request = self._learner.requested(said)
        if request is None:
            return None
        self._answering.thread = self._answering.thread.closed(asking=Deletion.VOICE if request.forget else None)
        self._show(heard=said, section=None)
        if request.forget:
            return self._say(enrolment.FORGET_VOICE_QUESTION, interrupt=True)
        if typed:
            return self._say(enrolment.NEEDS_MICROPHONE)
        return self._learning_turn(self._learner.begin(request.learn), interrupt=True)

    def _learning_turn(self, turn: enrolment.Turn | None, *, interrupt: bool = False,
                       before: str = "") -> list[Action]:
        """Go on as learning says (None: nothing to do); no half question waits for its rest meanwhile."""
        if turn is None:
            return []
        self._listening = replace(self._listening, fragment=None)
        return self._learner.go_on(turn, interrupt=interrupt, before=before)

    def _heard_while_learning(self, heard: Heard) -> list[Action]:
        """An utterance while learning: a take, or the way out (the recognizer's words act on nothing else)."""
        spoke_over = self._listening.over_speech(heard.speaking)
        self._listening = replace(self._listening, spoke_over=False, fragment=None)
        said = next(iter(guesses(heard.alternatives)), "")
        self._show(heard=said)
        if spoke_over:
            self._moment = replace(self._moment, quiet_since=None)  # the reminder counts from now
        ended: list[Action] = [EndUtterance()] if heard.at_pause else []
        return ended + self._learning_turn(self._learner.heard(said, spoke_over=spoke_over))

    def _take_measured(self, take: TakeMeasured) -> list[Action]:
        return self._learning_turn(self._learner.measured(take))

    # --- replies: a yes-or-no question, help and scanning first, then answering.py; what the screen shows

    def _reply_to(self, match: Match, heard: str) -> list[Action]:
        """The reply to a matched utterance, as actions, with the view updated."""
        answering = self._answering
        if answering.unsure_yes_to_deletion(match, self._moment):
            self._show(heard=heard, section=None)
            return self._say(SAY_YES_AGAIN, interrupt=True)
        confirmed = answering.yes_question_answered(match, self._moment)
        if isinstance(confirmed, Match):
            return self._reply_to(confirmed, confirmed.heard)
        beyond_questions = self._help_or_scanning(match, heard)
        if beyond_questions is not None:
            return beyond_questions
        answering.thread = replace(answering.thread, scan_offered=False)
        if confirmed is not None:
            return self._forget_history(heard) if confirmed is Deletion.HISTORY else self._learner.forget(heard)
        if match.kind is MatchKind.COMMAND and match.command == Command.FORGET_HISTORY:
            answering.ask_to_delete(Deletion.HISTORY)
            self._show(heard=heard, section=None)
            return self._say(FORGET_QUESTION, interrupt=True)
        reply, voice = answering.respond(match, self._moment, self.status)
        self._show(heard=heard, section=reply.section)
        actions: list[Action] = []
        if voice is not None:
            self._show(voice=voice)
            actions.append(ChangeVoice(voice))
        actions.append(reply)
        if reply.text:
            self._show(state=State.SPEAKING, said=reply.text)
            self._moment = replace(self._moment, quiet_since=None)
        else:
            self._show(state=State.LISTENING, said="")
        return actions

    def _fall_quiet(self, at: float) -> None:
        """The assistant's voice stopped at ``at``."""
        self._moment = replace(self._moment, quiet_since=at)

    def _say(self, text: str, *, interrupt: bool = False, section: str | None = None) -> list[Action]:
        """Say ``text`` (read from ``section``, if it is the factsheet's), and show it being said."""
        self._show(state=State.SPEAKING, said=text)
        self._moment = replace(self._moment, quiet_since=None)
        return [Reply(text, section=section, interrupt=interrupt)]

    def _show(self, **changes: object) -> None:
        shown_state = changes.get("state")
        if self._alarm_on and shown_state is not None:
            changes["state"] = State.ALARM
        elif self._scanner.active and shown_state not in (None, State.ALARM, State.NO_MICROPHONE):
            changes["state"] = State.SCANNING
        elif self._learner.active and shown_state not in (None, State.ALARM, State.NO_MICROPHONE):
            changes["state"] = State.LEARNING
        if "said" in changes:
            changes.setdefault("sentence", "")  # nothing of what is said now has been heard yet
        if "section" in changes:
            section = changes["section"]
            changes["reading"] = self.library.spoken_title(section) if isinstance(section, str) else ""
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]


def _problems_notice(problems: Sequence[Problem]) -> str:
    """What is said about the start-up problems: each one while they are few, else how many."""
    if not problems:
        return ""
    if len(problems) > PROBLEMS_NAMED_ALOUD:
        said = f"There are {len(problems)} problems with how I am set up."
    else:
        said = " ".join(problem.spoken for problem in problems)
    return f"{said} A caregiver can see what to do on the screen. "
