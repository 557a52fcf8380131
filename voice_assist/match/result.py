"""What the matcher returns for one utterance."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from voice_assist.content import Start

if TYPE_CHECKING:
    from voice_assist.match.trace import MatchTrace


class MatchKind(StrEnum):
    ANSWER = "answer"
    COMMAND = "command"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Candidate:
    section: str
    score: float
    """0-100, with ``boost``."""
    boost: float = 0.0
    """Points added for answering what the question's form asks for (see MatcherTuning.form_weight). They choose
    among sections; some section must meet the answer minimum without them."""

    @property
    def base(self) -> float:
        """The score on the question's words alone."""
        return self.score - self.boost


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    section: str | None = None
    command: str | None = None
    score: float = 0.0
    """0-100: how well the heard words fit what was chosen."""
    alternatives: tuple[Candidate, ...] = ()
    """The best sections, best first (the chosen one included)."""
    heard: str = ""
    """The recognizer guess this match was made from."""
    start: Start = field(default_factory=Start)
    """For an answer: where in the section reading starts (the passage that answers the question)."""
    uncertain: bool = False
    """Not answered because the recognizer's guesses, most of which point at something in the content,
    disagree on what: ask the user to say it again. (When most point at nothing, it is off-topic.)"""
    confirm: str | None = None
    """Not answered because the recognizer's guesses disagree, though its first guess answers from this section
    as the same words typed would: the section to offer for a one-word "yes" instead of asking again."""
    offered_command: str | None = None
    """Not taken because the recognizer was not sure enough of words that would change something (a setting,
    the topics, scanning): the command to offer for a one-word "yes" ("Did you say slower?")."""
    held_back: str = ""
    """Why the words were not taken as they matched, in a few words for a caregiver (``confidence.tiered``: the
    recognizer was not sure of them, or the sound held no speech); "" when they were. The trace still says what
    the words alone would have done."""
    taken_unsure: bool = False
    """A command taken though the recognizer was only fairly sure of its words (``confidence.tiered``: one that
    changes nothing, such as "yes"). A "yes" that would delete something must be sure."""
    trace: MatchTrace | None = field(default=None, compare=False, repr=False)
    """Why: the stage that decided and its numbers (always set by the Matcher); the evidence per section after
    ``Matcher.explain``. Not part of equality: two matches of the same result are equal."""
