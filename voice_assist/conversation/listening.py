"""Listening: when an utterance is over, what is taken while the assistant speaks, and half a question held for
its rest. The state of the current utterance, and the rules that read it; what is then said is the other modes'.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from voice_assist.commands import Command
from voice_assist.events import Action, CheckPartial, Paused
from voice_assist.match import Match, Matcher, MatchKind
from voice_assist.text import words as plain_words
from voice_assist.voicing import SpeechSound

log = logging.getLogger(__package__)

QUICK_END_SCORE = 80.0
"""A pause of ``quick_end_silence`` ends the question early only when what was heard so far already
matches this well: a half-said question waits for the full ``end_silence``."""

QUICK_END_COMMAND_SCORE = 100.0
"""Only a command heard exactly (alone or wrapped in small words) ends an utterance early: the first
words of a question are often close to one ("what to" is near "what topics") when the user pauses."""

QUICK_END_MAX_SECONDS = 8.0
"""Longest utterance that is tried for a quick end. Trying means finishing the recognizer (its final
pass hears far better than its partial result: "will i eat of the to" became "will i need a feeding
tube") and, when the question does not make sense yet, decoding the audio so far again; for longer,
halting questions that costs too much CPU per pause, so they wait for ``end_silence``."""

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

SAME_PAUSE_SECONDS = 1e-6
"""Pauses are told apart by where they began (utterance seconds less silence seconds): two pauses are
at least a frame apart, while one pause's start drifts only by rounding as both numbers grow."""

AFRESH_MAX_SECONDS = 4.0
"""An utterance over the assistant's speech that held no command is decoded again, unadapted, when it is this
short (a command said alone, about a second, plus the 1.8 s that end it): the recognizer's adaptation to
earlier speech can drift so that "stop" is heard as "talk" (scripts/bench_loop.py: the answer read on for
9-16 s in 2 of 4 runs). Only "stop" is taken from that second opinion. Longer utterances over speech are
echo or questions, and decoding them again would cost CPU for nothing."""

FRAGMENT_WAIT_SECONDS = 2.5
"""What may be half a question (it would be refused, or it ends on a word like "a", "the", "what") waits this
long after the pause that ended it (``end_silence``, 1.8 s) for its rest, which joins it: pauses of up to
about 4 s mid-question are bridged. With pauses of 2 and 3 s, "will I need a ... feeding tube" had been refused
as "will i need a", and the rest ignored as heard while speaking. The price: a refusal comes this much later."""

_NOT_OVER_SPEECH = frozenset({Command.FORGET_HISTORY, Command.SCAN})


@dataclass(frozen=True)
class Fragment:
    """Half a question, waiting ``FRAGMENT_WAIT_SECONDS`` for its rest; what it was heard as, to be weighed as any
    utterance is if no rest comes."""

    alternatives: tuple[str, ...]
    """The recognizer's guesses for it (with a half question before it in front)."""
    at: float
    """When it ended."""
    word_confidences: tuple[float, ...]
    """The recognizer's posteriors of the words it heard last."""
    sound: SpeechSound | None
    """What of speech the sound it heard last held."""

    def before(self, alternatives: list[str]) -> list[str]:
        """The guesses for its rest with this half question put before them."""
        return [f"{self.alternatives[0]} {text}" for text in alternatives] or list(self.alternatives)

    def lapsed(self, at: float) -> bool:
        """No rest came within ``FRAGMENT_WAIT_SECONDS``: it is weighed on its own."""
        return at - self.at >= FRAGMENT_WAIT_SECONDS


@dataclass(frozen=True)
class Listening:
    """The state of the current utterance."""

    spoke_over: bool = False
    """The utterance started while the assistant was speaking."""
    answering_over_speech: bool = False
    """What is being said answers a command heard over the assistant's own voice (possibly its echo)."""
    pause_start: float | None = None
    """Where (seconds into the utterance) the current pause began."""
    tried_pause: bool = False
    """The current pause has been tried for a quick end already."""
    next_check: float = 0.0
    """Utterance seconds at which the current pause over speech is checked for a command again."""
    fragment: Fragment | None = None
    """A half question waiting for its rest."""

    def over_speech(self, speaking: bool) -> bool:
        return speaking or self.spoke_over

    def at_pause(self, pause: Paused) -> Listening:
        """The state at ``pause``: a new pause is examined afresh."""
        began = pause.utterance_seconds - pause.silence_seconds
        if self.pause_start is None or abs(began - self.pause_start) > SAME_PAUSE_SECONDS:
            return replace(self, pause_start=began, tried_pause=False, next_check=0.0)
        return self

    def checks_at_pause(self, pause: Paused, quick_end_silence: float) -> tuple[Listening, list[Action]]:
        """At a short pause, see whether the question is complete; over our own speech, look for a command."""
        if not self.over_speech(pause.speaking):
            if self.tried_pause or pause.silence_seconds < quick_end_silence:
                return self, []
            tried = replace(self, tried_pause=True)
            return tried, [CheckPartial()] if pause.utterance_seconds <= QUICK_END_MAX_SECONDS else []
        if pause.silence_seconds >= BARGE_IN_SILENCE and pause.utterance_seconds >= self.next_check:
            return replace(self, next_check=pause.utterance_seconds + RECHECK_SECONDS), [CheckPartial()]
        return self, []

    def joins_fragment(self, alone: Match, speaking: bool) -> bool:
        """The utterance (``alone``: matched on its own) is the rest of a half question waiting for it; not when
        said over the assistant's voice, nor when it is a command on its own: "help me" after a mumble calls for
        help, "stop" after "will I need a" stops."""
        if self.fragment is None or self.over_speech(speaking):
            return False
        return alone.kind is not MatchKind.COMMAND

    def is_own_echo(self, command: Match, saying: str) -> bool:
        """A command whose words the assistant is saying itself (``saying``: "I didn't catch that", "Do you want
        more?", "Speaking slower.") is its own voice coming back through the microphone: acting on it would make it
        answer itself again and again. "stop" is always taken: at worst it silences the assistant."""
        if command.command in (Command.STOP, Command.IM_HERE) or not command.heard:
            return False  # the alarm's chime says no words: "stop the alarm" over it is never its echo
        if f" {command.heard} " in f" {' '.join(plain_words(saying))} ":
            log.info("Ignored %r over speech: I am saying that myself (echo)", command.heard)
            return True
        if self.answering_over_speech:
            # Misheard echo ("Speaking louder." heard as "i cant the" = louder) escapes the check above; a
            # loop needs a command heard over the reply to a command heard over speech, so that is refused.
            log.info("Ignored %r over speech: only stop is taken while I answer a command said over my voice "
                     "(echo)", command.heard)
            return True
        return False


def command_at_end(matcher: Matcher, partial: str) -> Match | None:
    """A command among the last ``BARGE_IN_WORDS`` words heard so far, the fewest words first."""
    said = partial.split()[-BARGE_IN_WORDS:]
    for count in range(1, len(said) + 1):
        match = matcher.match([" ".join(said[-count:])])
        if match.kind is MatchKind.COMMAND:
            return match
    return None


def guesses(texts: Sequence[str]) -> list[str]:
    """What was heard or typed, as the matcher takes it: blank guesses are no guesses."""
    return [text for text in texts if text.strip()]


def taken_over_speech(match: Match) -> bool:
    """Over the assistant's own voice only commands are taken, and not "forget history" or "scan": what cannot be
    undone, or goes on for a minute, must be said when it is quiet, not come from its echo or a word caught in the
    middle of its answer (an 8-hour soak heard its own voice as "menu" twice and started scanning)."""
    return match.kind is MatchKind.COMMAND and match.command not in _NOT_OVER_SPEECH


def is_fragment(match: Match, heard: str) -> bool:
    """Possibly half a question, worth waiting for the rest: something heard that would be refused, or that ends
    on a word like "a" or "the" ("will i need a" matches Speech therapy's "will I need a speech therapist" well,
    but the rest may be "feeding tube"). The recognizer seldom ends a guess on such a word, so a refusal is
    the commoner sign: "will I need a" was heard as "will i eat do you"."""
    if match.kind is MatchKind.COMMAND or not heard.split():
        return False
    return match.kind is MatchKind.NO_MATCH or not sounds_finished(heard)


def makes_sense(match: Match) -> bool:
    """Confident enough to answer at a short pause."""
    if match.kind is MatchKind.COMMAND:
        return match.score >= QUICK_END_COMMAND_SCORE
    return match.kind is MatchKind.ANSWER and match.score >= QUICK_END_SCORE


def sounds_finished(heard: str) -> bool:
    words = heard.split()
    return bool(words) and words[-1] not in UNFINISHED_ENDINGS
