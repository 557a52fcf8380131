"""How sure to be of what was heard, from the recognizer's own word posteriors (issue #14).

The recognizer is biased to the factsheet's words, so it bends any sound into them; the words it bends
sound into are the ones it is least sure of. Of the signals measured (scripts/bench_confidence.py, tuning
material only: 371 off-topic clips, 240 + 750 in-domain utterances), these separated best:

- the mean posterior of the best guess's content words (stop words left out): the recognizer's own
  probability, over the other words it considered for the same stretch of sound, that each word is right;
- the number of words: a lone word has no neighbours to compete with in the recognizer's lattice, so its
  posterior is often 1.0 whatever the sound was (a clap heard as "fed", "shrimp" as "shrink").

Duration (words per voiced second), the whole-guess posterior and agreement between the n-best guesses
separated less and added nothing to these two, so they are not used.

Replies follow three tiers: sure, answer; plausible, ask "Do you mean ...?" (one word confirms); otherwise
"Sorry, I didn't catch that". Commands that change something need more than questions; "stop" and the call
for help are always taken (a wrong stop costs a silence; a missed call for help costs far more).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

from voice_assist.commands import Command
from voice_assist.match.result import Match, MatchKind
from voice_assist.text import STOPWORDS

SURE_ANSWER = 0.6
"""Mean content-word posterior from which a question is answered without asking: on the tuning material
(with SURE_ANSWER_WORDS) it let 6 of 371 off-topic clips get a section read (1.6 %, from 44) while 16 of
126 right answers on the tuning voices became confirmations instead."""

SURE_ANSWER_WORDS = 2
"""Fewest words heard for an answer without asking: a lone word's posterior says little (see above); 9 of the
14 most confident off-topic clips read out were one word."""

PLAUSIBLE = 0.1
"""Mean content-word posterior below which the words are taken as a sound made into words: "Sorry, I
didn't catch that" instead of a question back. On the tuning material it refused 7 of the 44 off-topic
clips that were answered and lost 2 of 126 right answers."""

SURE_CHANGE = 0.8
"""Mean content-word posterior from which a command that changes something is taken (louder, faster,
topics, scanning, forgetting the history): higher than for a question, since a question gets a chance to
be confirmed and these act at once."""

ALWAYS_TAKEN = frozenset({Command.STOP, Command.HELP_ME, Command.IM_HERE})
"""Taken however unsure: stop costs at most a silence; a call for help missed costs far more than a false
one, and "I'm here" only ends an alarm."""

LIGHT_COMMANDS = frozenset({Command.REPEAT, Command.MORE, Command.YES, Command.NO, Command.FROM_START})
"""Commands that change nothing (they read or answer a question back): taken when plausible."""


class Certainty(StrEnum):
    SURE = "sure"
    PLAUSIBLE = "plausible"
    NOT_CAUGHT = "not caught"


def content_confidence(best_guess: str, word_confidences: Sequence[float]) -> float:
    """The mean posterior of the best guess's content words (of all its words when it has none, or when the
    confidences do not line up with its words)."""
    said = best_guess.split()
    if len(said) != len(word_confidences):
        return statistics.mean(word_confidences)
    content = [confidence for word, confidence in zip(said, word_confidences, strict=True) if word not in STOPWORDS]
    return statistics.mean(content or word_confidences)


def certainty(best_guess: str, word_confidences: Sequence[float], *, sure_at: float = SURE_ANSWER,
              fewest_words: int = SURE_ANSWER_WORDS) -> Certainty:
    """How sure to be of the best guess, from its words' posteriors."""
    confidence = content_confidence(best_guess, word_confidences)
    if confidence < PLAUSIBLE:
        return Certainty.NOT_CAUGHT
    if confidence >= sure_at and len(word_confidences) >= fewest_words:
        return Certainty.SURE
    return Certainty.PLAUSIBLE


def tiered(match: Match, best_guess: str, word_confidences: Sequence[float]) -> Match:
    """The match as the confidence allows: unchanged when sure (or when the recognizer gave no confidences);
    an answer offered for confirmation when plausible; "not caught" (``uncertain``) otherwise."""
    if not word_confidences:
        return match
    if match.kind is MatchKind.COMMAND:
        return _tiered_command(match, best_guess, word_confidences)
    tier = certainty(best_guess, word_confidences)
    if tier is Certainty.NOT_CAUGHT:
        return _not_caught(match)
    if tier is Certainty.PLAUSIBLE and match.kind is MatchKind.ANSWER:
        return replace(match, kind=MatchKind.NO_MATCH, section=None, confirm=match.section)
    return match


def _tiered_command(match: Match, best_guess: str, word_confidences: Sequence[float]) -> Match:
    command = Command(match.command or "")
    if command in ALWAYS_TAKEN:
        return match
    if command in LIGHT_COMMANDS:
        taken = certainty(best_guess, word_confidences, fewest_words=1) is not Certainty.NOT_CAUGHT
    else:
        taken = certainty(best_guess, word_confidences, sure_at=SURE_CHANGE, fewest_words=1) is Certainty.SURE
    return match if taken else _not_caught(match)


def _not_caught(match: Match) -> Match:
    return replace(match, kind=MatchKind.NO_MATCH, section=None, command=None, confirm=None, uncertain=True)
