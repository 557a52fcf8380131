"""One rule for combining the recognizer's match with the match by the user's own recordings (``examples.py``).

The recognizer fails on the slurred speech that the example matcher was made for, and the example matcher
knows only a few phrases; so an utterance is taken as an enrolled phrase when its sound matched that phrase
confidently enough and the recognizer did not hear something else clearly. When both are sure and disagree,
the example match must be surer still (``OVERRULE_CONFIDENCE``). How sure depends on what the phrase does:
"stop" is always cheap to take; anything that changes something (the voice, a topic read out, the alarm)
needs more (issue #14's principle).

A matched command acts as that command; a matched topic name reads that topic from its start. While
scanning or while the alarm sounds, speech only steers, so a matched topic name is not taken there (the
sound that selects is the user's way to choose then); the conversation core sees to that.

Measured with scripts/bench_examples.py (``--through-core``; figures in its docstring).
"""

from __future__ import annotations

from voice_assist.commands import COMMAND_PHRASES, Command
from voice_assist.content import Library
from voice_assist.enrolment import phrase_of
from voice_assist.examples import ExampleMatch
from voice_assist.match import Match, MatchKind

CHEAP_COMMANDS = frozenset({Command.STOP})
"""Taken from a match by example of any confidence that passes the matcher's own rejection: at worst a
silence."""

STOP_CONFIDENCE = 0.0
CHANGE_CONFIDENCE = 0.1
"""Confidence (``ExampleMatch.confidence``) a match by example needs to act, for "stop" and for the rest."""

OVERRULE_CONFIDENCE = 0.3
"""Confidence a match by example needs to overrule a recognizer that is sure of something else."""

SURE_ANSWER_SCORE = 80.0
"""A recognizer's answer this well matched is sure (as ``conversation.QUICK_END_SCORE``); every command it
matched is (the matcher takes commands only at 84 and above)."""


def combined(recognized: Match, example: ExampleMatch | None, library: Library) -> Match:
    """The match to act on: the recognizer's, or the enrolled phrase's when the rule above prefers it."""
    if example is None:
        return recognized
    by_example = _as_match(example, library)
    if by_example is None or _agree(recognized, by_example):
        return recognized
    needed = STOP_CONFIDENCE if by_example.command in CHEAP_COMMANDS else CHANGE_CONFIDENCE
    if _sure(recognized):
        needed = max(needed, OVERRULE_CONFIDENCE)
    return by_example if example.confidence >= needed else recognized


def _as_match(example: ExampleMatch, library: Library) -> Match | None:
    """The enrolled phrase as the recognizer's matcher would have matched it said clearly: a command, or a
    topic read from its start; None for a phrase neither (a topic since removed from the factsheet)."""
    command = COMMAND_PHRASES.get(example.phrase)
    if command is not None:
        return Match(MatchKind.COMMAND, command=command, score=100.0, heard=example.phrase)
    for section in library.topics():
        if phrase_of(section.title) == example.phrase:
            return Match(MatchKind.ANSWER, section=section.id, score=100.0, heard=example.phrase)
    return None


def _agree(recognized: Match, by_example: Match) -> bool:
    if by_example.kind is MatchKind.COMMAND:
        return recognized.kind is MatchKind.COMMAND and recognized.command == by_example.command
    section = by_example.section or ""
    return recognized.kind is MatchKind.ANSWER and (recognized.section or "").split("/")[0] == section


def _sure(recognized: Match) -> bool:
    if recognized.kind is MatchKind.COMMAND:
        return True
    return recognized.kind is MatchKind.ANSWER and not recognized.uncertain and recognized.score >= SURE_ANSWER_SCORE
