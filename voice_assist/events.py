"""What the conversation core and the ones who drive it say to each other: events in (what happened), actions
out (what to do), and the status the caregiver view shows. Small frozen dataclasses, no behaviour: the voice
loop, ``voice-assist ask`` and the tests speak this language; ``conversation/`` decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from voice_assist.examples import ExampleMatch
from voice_assist.match import Match
from voice_assist.problems import Problem
from voice_assist.voicing import SpeechSound


@dataclass(frozen=True)
class Voice:
    """How the answers sound; changed by voice and kept across restarts. Its one home is the core."""

    rate: int
    """Words per minute."""
    volume: float
    """0.0 to 1.0."""


@dataclass(frozen=True)
class Scanning:
    """How auditory scanning behaves; changed by voice ("scan slower", "more sensitive") and kept across
    restarts, like the voice."""

    seconds: float
    """The pause after each option is read, in which a sound or the switch selects it."""
    sound_level: float
    """Decibels above the room's noise that a selecting sound needs."""


class State(StrEnum):
    LISTENING = "listening"
    HEARING = "hearing"
    THINKING = "thinking"
    SPEAKING = "speaking"
    SCANNING = "scanning"
    """Reading options one at a time; any sound or the switch selects."""
    ALARM = "alarm"
    """The call for help is sounding."""
    LEARNING = "learning"
    """Learning the user's voice: asking for each phrase, three times (``enrolment.py``)."""
    NO_MICROPHONE = "no microphone"


@dataclass(frozen=True)
class LearningProgress:
    """How far learning the user's voice has come, for the caregiver view."""

    phrase: str
    """The phrase being asked for, as said."""
    take: int
    """The take asked for now, from 1."""
    takes: int
    """Takes wanted of each phrase."""
    number: int
    """The phrase's place in this session, from 1."""
    phrases: int
    """Phrases in this session."""


@dataclass(frozen=True)
class Status:
    """What the caregiver view shows."""

    state: State
    voice: Voice
    heard: str = ""
    section: str | None = None
    said: str = ""
    engine: str = ""
    problem: str = ""
    """A fault while running (the microphone went away, speech failed), as reported."""
    problems: tuple[Problem, ...] = ()
    """Start-up problems (a skipped factsheet, a bad setting): shown for as long as the assistant runs."""
    reading: str = ""
    """The title of ``section``, as it is said aloud ("Treatment, Nutrition")."""
    sentence: str = ""
    """The sentence of ``said`` that is being heard now ("" before the first one starts)."""
    normal_voice: Voice | None = None
    """The voice of the settings file, which "normal voice" goes back to."""
    scanning: Scanning | None = None
    """The pace and the sound level of auditory scanning."""
    learning: LearningProgress | None = None
    """Set while the user's voice is being learned."""


# --- Events: what happened. ``speaking`` is whether the assistant's voice is playing at that moment.

@dataclass(frozen=True)
class Started:
    """The assistant is ready: greet the user."""

    typed: bool = False
    """Questions will be typed (keyboard mode), not spoken."""
    problems: tuple[Problem, ...] = ()
    """What is not working as set up (a skipped factsheet, a bad setting, a speech model that failed to load)."""
    enrol: bool = False
    """Start by learning the user's voice (``voice-assist enrol``) instead of the greeting."""


@dataclass(frozen=True)
class Typed:
    """A question (or command) typed at the keyboard or given to ``voice-assist ask``."""

    text: str
    at: float = 0.0
    """A clock reading, seconds (as in every event that carries one)."""
    speaking: bool = False


@dataclass(frozen=True)
class UtteranceStarted:
    speaking: bool


@dataclass(frozen=True)
class Paused:
    """A frame of silence inside an utterance that has not ended yet."""

    utterance_seconds: float
    silence_seconds: float
    speaking: bool


@dataclass(frozen=True)
class HeardSoFar:
    """The recognizer's partial result, asked for with ``CheckPartial``."""

    text: str
    speaking: bool
    at: float = 0.0


@dataclass(frozen=True)
class UtteranceEnded:
    """The end-of-question detector closed the utterance; its transcript follows as ``Heard``."""


@dataclass(frozen=True)
class Heard:
    """What the recognizer heard in an utterance: its guesses, best first."""

    alternatives: tuple[str, ...]
    speaking: bool = False
    seconds: float = 0.0
    """How long the utterance was, trailing silence included."""
    at_pause: bool = False
    """Finished early at a short pause (asked for with ``TryFinishing``): the user may not be done."""
    afresh: bool = False
    """Decoded again from the recognizer's starting state (asked for with ``DecodeAfresh``)."""
    whole: bool = False
    """Nothing can follow (a WAV file given to ``ask``): a half question is answered as it is."""
    at: float = 0.0
    example: ExampleMatch | None = None
    """The user's enrolled phrase the utterance's sound matched (``examples.py``); None when none did or
    nothing is enrolled."""
    word_confidences: tuple[float, ...] = ()
    """The recognizer's posterior (0-1) of each word of the best guess (``Transcript.word_confidences``):
    how sure to be of it (``confidence.tiered``). Empty when unknown: the guesses are then taken as they are."""
    sound: SpeechSound | None = None
    """What of speech the utterance's sound held (``voicing.py``): words made of breathing are not
    taken. None when unknown."""


@dataclass(frozen=True)
class TooShort:
    """The utterance was too short to be speech (a cough, a knock)."""

    speaking: bool


@dataclass(frozen=True)
class Silence:
    """A frame with nobody speaking."""

    speaking: bool
    at: float = 0.0


@dataclass(frozen=True)
class SpeechFailed:
    """Speech output gave up on what it was saying."""

    error: str


@dataclass(frozen=True)
class ListeningFailed:
    """Recognition or matching raised; the loop has started listening afresh."""

    at: float
    """A monotonic clock reading, seconds."""


@dataclass(frozen=True)
class SentenceStarted:
    """The speaker began to play this sentence of what is being said."""

    text: str


@dataclass(frozen=True)
class MicrophoneLost:
    problem: str


@dataclass(frozen=True)
class MicrophoneOpened:
    pass


@dataclass(frozen=True)
class HistoryForgotten:
    """The history was deleted (asked for with ``ForgetHistory``), or could not be."""

    questions: int
    """Questions that were in it (commands not counted)."""
    failed: str = ""
    """Why it could not be deleted ("" when it was)."""


@dataclass(frozen=True)
class NoMicrophoneAtStart:
    """No microphone could be opened at start-up; questions will be typed."""

    checked: str
    """What was looked for, in words to say aloud."""


@dataclass(frozen=True)
class SoundStarted:
    """A sound rose above the room's noise (``sounds.py``): in scanning it selects."""

    at: float
    speaking: bool = False


@dataclass(frozen=True)
class SoundEnded:
    """The sound that started last is over."""

    at: float
    seconds: float
    """How long it lasted."""
    talk: bool = False
    """It rose and fell like three or more syllables of speech: someone talking, not a selecting sound."""
    word: bool = False
    """Short, voiced and with a moving spectrum, like one spoken word: a question asked slowly is a row of these."""


@dataclass(frozen=True)
class SwitchChanged:
    """The user's switch (a key, ``switch.py``) was pressed or let go."""

    pressed: bool
    at: float


@dataclass(frozen=True)
class CaregiverKey:
    """A key other than the switch's was pressed (at the terminal, or on the switch's keyboard)."""

    at: float


@dataclass(frozen=True)
class SwitchTrouble:
    """The switch stopped working (``working`` False: unplugged, unreadable), or works again."""

    working: bool
    problem: str
    """What is wrong, where and what to do, for the screen ("" when working)."""
    spoken: str
    """One short sentence to say."""


@dataclass(frozen=True)
class AlarmFailed:
    """The call for help could not sound on the output it was meant for (``alarm.py``)."""

    problem: str


@dataclass(frozen=True)
class TakeMeasured:
    """The utterance that just ended, measured as a take of ``phrase`` (asked for with ``MeasureTake``)."""

    phrase: str
    voiced_seconds: float
    """How long its voice lasts (0 when it holds none)."""
    distance: float | None
    """Its distance from the closest take of ``phrase`` kept so far in this session (``examples.dtw_distances``;
    infinity when they cannot be compared, None when it is the first)."""


@dataclass(frozen=True)
class TakesSaved:
    """The takes of ``phrase`` were saved (asked for with ``SaveTakes``), or could not be."""

    phrase: str
    takes: int
    failed: str = ""
    """Why they could not be saved ("" when they were)."""


@dataclass(frozen=True)
class VoiceForgotten:
    """The recordings of the user's voice were deleted (asked for with ``ForgetVoice``), or could not be."""

    takes: int
    failed: str = ""


Event = (Started | Typed | UtteranceStarted | Paused | HeardSoFar | UtteranceEnded | Heard | TooShort | Silence
         | SentenceStarted | SpeechFailed | ListeningFailed | MicrophoneLost | MicrophoneOpened | NoMicrophoneAtStart
         | HistoryForgotten | SoundStarted | SoundEnded | SwitchChanged | CaregiverKey | SwitchTrouble
         | AlarmFailed | TakeMeasured | TakesSaved | VoiceForgotten)


# --- Actions: what the loop (or ``ask``) must do, in order.

@dataclass(frozen=True)
class Reply:
    """Say ``text`` (nothing when ""), silencing whatever is being said first when ``interrupt``."""

    text: str
    match: Match | None = None
    """The match the reply answers, if it answers an utterance."""
    section: str | None = None
    """The section being read, if any."""
    interrupt: bool = False


@dataclass(frozen=True)
class ChangeVoice:
    """Apply these voice settings from the next sentence, and keep them for the next start."""

    voice: Voice


@dataclass(frozen=True)
class CheckPartial:
    """Send the recognizer's partial result as ``HeardSoFar``."""


@dataclass(frozen=True)
class TryFinishing:
    """Finish the recognizer now and send what it heard as ``Heard(at_pause=True)``."""


@dataclass(frozen=True)
class DecodeAfresh:
    """Decode the utterance that just ended again, unadapted, and send it as ``Heard(afresh=True)``."""


@dataclass(frozen=True)
class EndUtterance:
    """The utterance is over (answered at a pause, or a command over speech): reset the end-of-question
    detector, and finish the recognizer unless it was finished for ``TryFinishing``."""


@dataclass(frozen=True)
class ContinueUtterance:
    """The utterance finished at a pause did not make sense yet: feed its audio to the recognizer again and
    go on listening."""


@dataclass(frozen=True)
class ForgetHistory:
    """Delete the history of what was asked, keep none from now on, and send ``HistoryForgotten``."""


@dataclass(frozen=True)
class ChangeScanning:
    """Apply these scanning settings (the sound level to the sound detector), and keep them for the next start."""

    scanning: Scanning


@dataclass(frozen=True)
class SoundAlarm:
    """Call for help: sound the alarm, repeating, until ``SilenceAlarm``."""

    why: str
    """What called for help, for the caregiver's record ("heard 'help me'", "the switch was held down")."""


@dataclass(frozen=True)
class SilenceAlarm:
    """Help has come: stop the alarm."""

    why: str = ""
    """Who stopped it, for the caregiver's record ("heard 'i'm here'"; "" for a key)."""


@dataclass(frozen=True)
class MeasureTake:
    """Measure the utterance that just ended as a take of ``phrase`` and send ``TakeMeasured``; hold it."""

    phrase: str


@dataclass(frozen=True)
class KeepTake:
    """Keep the take just measured among the takes of ``phrase`` of this session (in memory)."""

    phrase: str


@dataclass(frozen=True)
class SaveTakes:
    """Record ``phrase`` again with the takes kept in this session: the old recordings of it are replaced, on
    disk and in the matcher; send ``TakesSaved``."""

    phrase: str


@dataclass(frozen=True)
class DropTakes:
    """Drop the takes kept in this session and not saved (learning was stopped, or a phrase is begun again)."""


@dataclass(frozen=True)
class ForgetVoice:
    """Delete every recording of the user's voice and unlearn its phrases; send ``VoiceForgotten``."""


Action = (Reply | ChangeVoice | ForgetHistory | CheckPartial | TryFinishing | DecodeAfresh | EndUtterance
          | ContinueUtterance | ChangeScanning | SoundAlarm | SilenceAlarm | MeasureTake | KeepTake | SaveTakes
          | DropTakes | ForgetVoice)


def replies(actions: Sequence[Action]) -> list[Reply]:
    """The replies among ``actions``: what is said, in order."""
    return [action for action in actions if isinstance(action, Reply)]
