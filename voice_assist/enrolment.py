"""Learning the user's voice, guided by voice: which phrases, what to say, and when a take is good enough.

"learn my voice" (or ``voice-assist enrol``) asks for each enrollable phrase (the commands and the topic names)
``TAKES_PER_PHRASE`` times: "Say: stop." / "Again." / "Once more.". Each utterance is measured by the loop as a
take (``MeasureTake`` -> ``TakeMeasured``); a take with no voice, far too short or long, or unlike the phrase's
other takes is asked for again (at most ``MAX_RETAKES`` times, then the phrase is left for later). When a
phrase has its takes they replace its old recordings (``SaveTakes``), so stopping half way loses nothing
learned before. "learn stop again" records one phrase again the same way; "forget my voice" asks for a yes
first, then deletes every recording (``ForgetVoice``).

While learning, the recognizer's words act on nothing (the user says "stop" on purpose) except two phrases
that are not enrolled and that a slurred take of an enrolled phrase is unlikely to be heard as, since each
is two words heard whole: ``WAY_OUT`` ("stop learning", which a caregiver can say too; a caregiver's key or
the call for help end learning as well) and ``REDO`` ("redo that": begin the phrase again). Typed, these two act
the same; anything else typed is answered only with ``TYPED_WHILE_LEARNING`` and the prompt again.

Pure, like the conversation core that drives it: a state in, a ``Turn`` (what to say, what to do) out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from voice_assist.commands import Command
from voice_assist.content import Library
from voice_assist.events import (
    Action,
    DropTakes,
    KeepTake,
    LearningProgress,
    MeasureTake,
    SaveTakes,
    TakeMeasured,
)
from voice_assist.examples import REJECT_DISTANCE
from voice_assist.text import words as plain_words

ENROLLED_COMMANDS = (Command.STOP, Command.REPEAT, Command.MORE, Command.YES, Command.NO, Command.SLOWER,
                     Command.FASTER, Command.LOUDER, Command.QUIETER, Command.TOPICS, Command.HELP_ME)
"""The commands learned, each as its shortest saying. "help me" belongs: the user whose speech the recognizer
fails on is the one who most needs to be heard calling for help (the wordless ways, three sounds or the switch
held, stay). Not "normal voice", "scan", "forget history" and the scanning settings: said seldom, often by a
caregiver, and each phrase learned costs the user three takes."""

TAKES_PER_PHRASE = 3
"""Takes of each phrase: the example matcher counts the closest two (``examples.TAKES_COUNTED``), so one odd
take does not decide; three take about 4 minutes for 18 phrases with the prompts (scripts/bench_examples.py)."""

REMINDER_SECONDS = 10.0
"""Quiet this long after a prompt, the prompt is said again: the user may have spoken over it (an utterance
begun while the assistant speaks is not taken, as it holds the prompt's own sound) or lost the thread."""
MAX_REMINDERS = 2
"""Prompts said again for one take with nothing coming; then learning stops, rather than wait for ever."""

MAX_RETAKES = 2
"""A take asked for again at most this many times; then the phrase is left for later ("learn stop again"),
so that learning never goes round in circles."""

MIN_TAKE_SECONDS = 0.25
"""Voice shorter than this is a click or a breath, not a phrase (as ``vad.VadTuning.min_speech``). The enrolment
takes of the test voice hold 0.59 to 1.48 s of voice (scripts/bench_examples.py --through-core, tune part)."""
MAX_TAKE_SECONDS = 4.0
"""Voice longer than this is a sentence, not one phrase said when asked: over twice the longest take measured."""

RETAKE_DISTANCE = REJECT_DISTANCE
"""A take further than this from every take of its phrase kept so far is asked for again: the matcher would
never match a new utterance that far from a take (``examples.REJECT_DISTANCE``), so such a take only adds
doubt. Each enrolment take of the test voice lies at 1.47 (median) to 2.12 from the closest other take of its
phrase: none is asked again (tune part)."""

WAY_OUT = "stop learning"
REDO = "redo that"
LEARN_SAYINGS = frozenset({"learn my voice", "learn my voice again", "learn how i speak"})
FORGET_SAYINGS = frozenset({"forget my voice", "delete my voice", "delete my recordings",
                            "delete the recordings of my voice"})
LEARN_AGAIN = "learn {} again"
"""Records one phrase again: "learn stop again", "learn treatment again"."""

INTRODUCTION = ("I will learn your voice. When I ask, say each word alone, three times. "
                f"To stop, say {WAY_OUT}. To begin a word again, say {REDO}.")
FORGET_VOICE_QUESTION = "Shall I delete the recordings of your voice? Say yes to delete them."
"""Asked first, like "forget history": it cannot be undone, and learning again takes minutes."""
NEEDS_MICROPHONE = "Learning your voice needs the microphone. Say learn my voice."
NO_MICROPHONE_TO_LEARN = "I cannot learn your voice without a microphone."
"""Said when ``voice-assist enrol`` starts and no microphone opens: learning ends at once rather than waiting for
takes that cannot come, with the screen showing LEARNING while questions are typed."""
TYPED_WHILE_LEARNING = f"I am learning your voice now. To stop, type {WAY_OUT}."
"""The reply to a question or command typed while learning (a caregiver at the keyboard while the user records):
not its answer, which would bury the prompt under a passage while the user's next word is still taken as a take,
but how to stop; the prompt follows it. Typed text is never a take."""


def enrollable_phrases(library: Library) -> tuple[str, ...]:
    """The phrases that can be learned, as said: the commands, then the topic names."""
    titles = (phrase_of(section.title) for section in library.topics())
    return tuple(dict.fromkeys([*map(str, ENROLLED_COMMANDS), *titles]))


def phrase_of(text: str) -> str:
    """A phrase as it is learned and kept (the name of its folder of recordings): plain lower-case words."""
    return " ".join(plain_words(text))


def spoken_phrases(library: Library) -> tuple[str, ...]:
    """What the recognizer must be able to hear to steer learning (for its domain)."""
    again = [LEARN_AGAIN.format(phrase) for phrase in enrollable_phrases(library)]
    return (WAY_OUT, REDO, *sorted(LEARN_SAYINGS), *sorted(FORGET_SAYINGS), *again)


@dataclass(frozen=True)
class Request:
    """What was asked of learning, read from the recognizer's first guess (or the typed text)."""

    learn: tuple[str, ...] = ()
    """Phrases to learn (all of them for "learn my voice", one for "learn stop again")."""
    forget: bool = False


def requested(said: str, phrases: Sequence[str]) -> Request | None:
    """What ``said`` asks of learning, or None when it asks nothing of it. Only the whole utterance counts:
    "learn my voice" said in a longer sentence is not a request."""
    plain = phrase_of(said)
    if plain in LEARN_SAYINGS:
        return Request(learn=tuple(phrases))
    if plain in FORGET_SAYINGS:
        return Request(forget=True)
    for phrase in phrases:
        if plain == LEARN_AGAIN.format(phrase):
            return Request(learn=(phrase,))
    return None


@dataclass(frozen=True)
class Enrolment:
    """Where learning is: the phrase asked for, and its takes so far."""

    phrases: tuple[str, ...]
    index: int = 0
    kept: int = 0
    """Takes of the current phrase kept in this session."""
    retakes: int = 0
    """Times the current take has been asked for again."""
    reminders: int = 0
    """Times the prompt was said again because nothing came."""
    learned: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def phrase(self) -> str:
        return self.phrases[self.index]

    @property
    def progress(self) -> LearningProgress:
        return LearningProgress(self.phrase, self.kept + 1, TAKES_PER_PHRASE, self.index + 1, len(self.phrases))


@dataclass(frozen=True)
class Turn:
    """What learning does next: say ``text``, carry out ``actions`` (before speaking, in order), and go on
    with ``enrolment`` (None: learning is over)."""

    enrolment: Enrolment | None
    text: str
    actions: tuple[Action, ...] = ()


def begin(phrases: Sequence[str]) -> Turn:
    enrolment = Enrolment(tuple(phrases))
    intro = INTRODUCTION if len(phrases) > 1 else f"I will learn how you say {phrases[0]}, three times."
    return Turn(enrolment, f"{intro} {_ask(enrolment.phrase)}", (DropTakes(),))


def heard(enrolment: Enrolment, said: str, *, spoke_over: bool) -> Turn:
    """An utterance ended while learning: the way out, a redo, or a take to measure. One begun over the
    assistant's own voice is none of them."""
    if spoke_over:  # it holds the prompt's own sound, or is only that ("To stop, say stop learning."): the
        return Turn(enrolment, "")  # reminder asks again if need be
    plain = phrase_of(said)
    if plain == WAY_OUT:
        return stop(enrolment)
    if plain == REDO:
        return Turn(replace(enrolment, kept=0, retakes=0), f"Again from the start. {_ask(enrolment.phrase)}",
                    (DropTakes(),))
    return Turn(replace(enrolment, reminders=0), "", (MeasureTake(enrolment.phrase),))


def typed(enrolment: Enrolment, text: str) -> Turn:
    """Text typed while learning: the way out or a redo, as when said; anything else gets how to stop, and the
    prompt again."""
    if phrase_of(text) in (WAY_OUT, REDO):
        return heard(enrolment, text, spoke_over=False)
    return Turn(enrolment, f"{TYPED_WHILE_LEARNING} {_ask(enrolment.phrase)}")


def quiet(enrolment: Enrolment) -> Turn:
    """Nothing was said for ``REMINDER_SECONDS`` after a prompt: say it again, or stop after ``MAX_REMINDERS``."""
    if enrolment.reminders >= MAX_REMINDERS:
        return stop(enrolment)
    return Turn(replace(enrolment, reminders=enrolment.reminders + 1), _ask(enrolment.phrase))


def measured(enrolment: Enrolment, take: TakeMeasured) -> Turn:
    """Keep a good take and ask for the next; ask again for a bad one, or leave the phrase after ``MAX_RETAKES``."""
    if take.phrase != enrolment.phrase:  # measured for a phrase begun again since: nothing to do
        return Turn(enrolment, "")
    problem = _problem(take)
    if problem is None or (problem is _UNLIKE and enrolment.retakes >= MAX_RETAKES):
        return _kept(enrolment)
    if enrolment.retakes >= MAX_RETAKES:
        later = f"Let's leave {enrolment.phrase} for now. " \
                f"A caregiver can say {LEARN_AGAIN.format(enrolment.phrase)} later."
        return _next_phrase(replace(enrolment, skipped=(*enrolment.skipped, enrolment.phrase)), later,
                            (DropTakes(),))
    return Turn(replace(enrolment, retakes=enrolment.retakes + 1), f"{problem} {_ask(enrolment.phrase)}")


def stop(enrolment: Enrolment) -> Turn:
    """The way out: what was saved stays; the phrase under way keeps its old recordings."""
    learned = len(enrolment.learned)
    done = f"I learned {learned} of the {len(enrolment.phrases)} words." if learned else "I learned no words."
    return Turn(None, f"Stopped learning. {done} Say learn my voice to begin again.", (DropTakes(),))


def _kept(enrolment: Enrolment) -> Turn:
    kept = enrolment.kept + 1
    if kept < TAKES_PER_PHRASE:
        return Turn(replace(enrolment, kept=kept, retakes=0), _AGAIN[kept], (KeepTake(enrolment.phrase),))
    phrase = enrolment.phrase
    return _next_phrase(replace(enrolment, learned=(*enrolment.learned, phrase)), "",
                        (KeepTake(phrase), SaveTakes(phrase)))


def _next_phrase(enrolment: Enrolment, before: str, actions: tuple[Action, ...]) -> Turn:
    if enrolment.index + 1 < len(enrolment.phrases):
        following = replace(enrolment, index=enrolment.index + 1, kept=0, retakes=0)
        return Turn(following, f"{before} {_ask(following.phrase)}".strip(), actions)
    return Turn(None, f"{before} {_finished(enrolment)}".strip(), actions)


def _finished(enrolment: Enrolment) -> str:
    learned = len(enrolment.learned)
    if not learned:
        return "I learned no words this time."
    said = "Thank you. I learned how you say " + (enrolment.learned[0] if learned == 1 else f"{learned} words")
    skipped = f" I left out {', '.join(enrolment.skipped)}." if enrolment.skipped else ""
    return f"{said}.{skipped}"


def _ask(phrase: str) -> str:
    return f"Say: {phrase}."


_AGAIN = {1: "Again.", 2: "Once more."}
"""The prompt for the second and third take: short, as the user knows the word by now."""

_NO_VOICE, _TOO_SHORT, _TOO_LONG = "I heard nothing.", "That was very short.", "Just the word, please."
_UNLIKE = "That sounded different."


def _problem(take: TakeMeasured) -> str | None:
    """What is wrong with a take, as said to the user; None when nothing is."""
    if take.voiced_seconds <= 0:
        return _NO_VOICE
    if take.voiced_seconds < MIN_TAKE_SECONDS:
        return _TOO_SHORT
    if take.voiced_seconds > MAX_TAKE_SECONDS:
        return _TOO_LONG
    if take.distance is not None and not (math.isfinite(take.distance) and take.distance <= RETAKE_DISTANCE):
        return _UNLIKE
    return None
