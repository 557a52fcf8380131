"""One rule for combining the recognizer's match with the match by the user's own recordings (``examples.py``).

The recognizer fails on the slurred speech that the example matcher was made for, and the example matcher
knows only a few phrases, said alone; so an utterance is taken as an enrolled phrase when its sound matched
that phrase confidently enough, whatever the recognizer made of it. How confident depends on what the phrase
does: "stop" is always cheap to take; anything that changes something (the voice, a topic read out, the
alarm) needs more (issue #14's principle).

When the recognizer acted on something else, the example was measured right, not the recognizer: on the tune
part of scripts/bench_examples.py (``--through-core --sweep``) the recognizer acted on another command or
section for 17 test takes that the example matcher matched, and the example was right for all 17, the
recognizer for none. So a sure recognizer is not given a veto; a question said in words is not matched by
example in the first place, being far longer than any enrolled phrase (the clean questions of the bench were
answered the same with the test voice enrolled as with nothing enrolled).

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
CHANGE_CONFIDENCE = 0.05
"""Confidence (``ExampleMatch.confidence``) a match by example needs to act, for "stop" and for the rest. On the
tune part, of the example matches of 190 utterances (108 test takes, 50 off-topic, 32 other voices'
neighbours), 101 were right and 2 wrong (confidence 0.01 and 0.09); from 0.05, 94 right and 1 wrong; from 0.1,
83 right and none wrong."""


def combined(recognized: Match, example: ExampleMatch | None, library: Library) -> Match:
    """The match to act on: the recognizer's, or the enrolled phrase's when the rule above prefers it."""
    if example is None:
        return recognized
    by_example = _as_match(example, library)
    if by_example is None or _agree(recognized, by_example):
        return recognized
    needed = STOP_CONFIDENCE if by_example.command in CHEAP_COMMANDS else CHANGE_CONFIDENCE
    return by_example if example.confidence >= needed else recognized


def vouches(example: ExampleMatch | None) -> bool:
    """The user's own recordings matched confidently enough to act on: then what the recognizer's word
    confidences say (``confidence.tiered``, made for the recognizer's own guesses) does not hold the match back."""
    return example is not None and example.confidence >= CHANGE_CONFIDENCE


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

