"""Why the matcher decided what it did: the deciding stage and its numbers, and on request the evidence.

Every ``Match`` carries a ``MatchTrace``. Its ``decision`` (always there, cheap) says which stage decided and
why; ``evidence`` (filled by ``Matcher.explain``) says which question words met which section words, where.
``voice_assist.explain`` turns a trace into sentences for a caregiver; ``trace_record`` into JSON-ready data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, is_dataclass
from enum import StrEnum
from typing import ClassVar

from voice_assist.match.result import Candidate, MatchKind


class Stage(StrEnum):
    """The matcher's stages that can decide an utterance."""

    COMMAND = "command"
    """Spot a command ("say that again")."""
    OTHER_ILLNESS = "other_illness"
    """The question names an illness the factsheets do not cover."""
    DECIDE = "decide"
    """Sections scored: answer, ask which one, or not in the factsheet."""
    GUESSES = "guesses"
    """Choose among the recognizer's guesses for one utterance."""


@dataclass(frozen=True)
class Reason:
    """Why a stage decided: subclasses carry the numbers, ``str()`` says it in one line (ids, not titles)."""

    stage: ClassVar[Stage]


# --- spot a command ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommandPhrase(Reason):
    stage = Stage.COMMAND
    command: str
    phrase: str
    """The command phrase (politeness words left out) that the utterance matched."""
    score: float
    wrapped: bool
    """Said whole among small words ("what topics do you know about"), rather than alone."""

    def __str__(self) -> str:
        among = " among small words" if self.wrapped else ""
        return f"command phrase '{self.phrase}' matched {self.score:g}{among}: {self.command}"


@dataclass(frozen=True)
class CommandPhrases(Reason):
    stage = Stage.COMMAND
    command: str
    phrases: tuple[str, ...]
    """Several ways of saying the one command, in the order said ("nope", "not that")."""
    score: float

    def __str__(self) -> str:
        said = ", ".join(f"'{phrase}'" for phrase in self.phrases)
        return f"command said as several of its phrases ({said}): {self.command}"


# --- other-illness guard -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OtherIllness(Reason):
    stage = Stage.OTHER_ILLNESS
    illness: str

    def __str__(self) -> str:
        return f"names another illness: {self.illness}"


# --- decide --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoSectionShares(Reason):
    """No section has any word of the question (or there were no words)."""

    stage = Stage.DECIDE

    def __str__(self) -> str:
        return "no section shares a word with the question"


@dataclass(frozen=True)
class BelowMinimum(Reason):
    stage = Stage.DECIDE
    best: Candidate
    minimum: float

    def __str__(self) -> str:
        return f"best {self.best.base:g} ({self.best.section}) < answer minimum {self.minimum:g}"


@dataclass(frozen=True)
class TooClose(Reason):
    stage = Stage.DECIDE
    first: Candidate
    rival: Candidate
    """The best section not related to ``first`` (neither its part nor its parent)."""
    margin: float

    def __str__(self) -> str:
        return (f"{self.first.section} {self.first.score:g} and {self.rival.section} {self.rival.score:g} are "
                f"less than {self.margin:g} apart: ask which")


@dataclass(frozen=True)
class Answered(Reason):
    stage = Stage.DECIDE
    best: Candidate
    minimum: float
    rival: Candidate | None
    """The best section not related to ``best``, if any scored."""
    margin: float
    broader: Candidate | None
    """The section ``best`` is a part of, when it scored higher but the part is almost as good."""

    def __str__(self) -> str:
        said = f"best {self.best.score:g} ≥ answer minimum {self.minimum:g}"
        if self.broader:
            said += f"; part of {self.broader.section} ({self.broader.score:g}), within {self.margin:g}"
        if self.rival and self.rival.base >= self.minimum:
            behind = self.best.score - self.rival.score
            return f"{said}; next unrelated section {self.rival.section} {self.rival.score:g} is {behind:.1f} behind"
        return f"{said}; no unrelated section reaches {self.minimum:g}"


# --- choose among the recognizer's guesses -------------------------------------------------------------------

@dataclass(frozen=True)
class GuessReason(Reason):
    """A reason of the guesses stage: how guess ``rank`` (0 = the recognizer's best) was chosen, and the reason
    that guess got its own match."""

    stage = Stage.GUESSES
    rank: int
    guess: Reason


@dataclass(frozen=True)
class FirstGuessNamesOtherIllness(GuessReason):
    def __str__(self) -> str:
        return f"the first guess names another illness; lower guesses not weighed ({self.guess})"


@dataclass(frozen=True)
class ClearFirstGuess(GuessReason):
    score: float
    clear_score: float

    def __str__(self) -> str:
        return f"the first guess answers clearly: {self.score:g} ≥ {self.clear_score:g} ({self.guess})"


@dataclass(frozen=True)
class CommandInTopGuesses(GuessReason):
    def __str__(self) -> str:
        return f"a command in guess {self.rank + 1}, taken as heard ({self.guess})"


@dataclass(frozen=True)
class GuessesAgree(GuessReason):
    agreeing: int
    total: int
    choice: str
    score: float
    minimum: float
    """Score the choice needs when not every guess agrees."""

    def __str__(self) -> str:
        if self.agreeing == self.total:
            return f"all {self.total} guesses lead to {self.choice}"
        return (f"{self.agreeing} of {self.total} guesses point at {self.choice}, scoring {self.score:g} ≥ "
                f"{self.minimum:g}")


@dataclass(frozen=True)
class GuessesDisagree(GuessReason):
    agreeing: int
    total: int
    choice: str
    """What the best guess pointed at (a section id or a command)."""
    pointing: int
    """Guesses pointing at anything in the content or at a command."""
    share_needed: float
    score: float
    minimum: float
    uncertain: bool

    def __str__(self) -> str:
        said = f"recognizer guesses disagree: {self.agreeing} of {self.total} point at {self.choice}"
        if self.uncertain:
            return said
        return f"{said}; {self.total - self.pointing} of {self.total} point at nothing: off-topic"


@dataclass(frozen=True)
class BestGuess(GuessReason):
    def __str__(self) -> str:
        return f"no guess answers or commands; guess {self.rank + 1} came closest ({self.guess})"


@dataclass(frozen=True)
class NothingHeard(Reason):
    stage = Stage.GUESSES

    def __str__(self) -> str:
        return "nothing was heard"


# --- what a trace holds besides the decision -----------------------------------------------------------------

@dataclass(frozen=True)
class Rewrite:
    """Words the matcher read as other words before scoring."""

    said: tuple[str, ...]
    read_as: tuple[str, ...]
    why: str
    """"lay word" (an everyday word read as the factsheet's word) or "split word" (neighbours joined)."""


@dataclass(frozen=True)
class GuessChoice:
    """What one recognizer guess matched on its own."""

    heard: str
    kind: MatchKind
    choice: str | None
    """The section (best first) or command it points at."""
    score: float


@dataclass(frozen=True)
class WordEvidence:
    """One question word that a section has (or has a word close to)."""

    said: str
    """The question word as said (or as read, after a rewrite)."""
    found: str
    """The section's word it met, as the section writes it."""
    similarity: float
    """0-1: 1 for the same word, less for a word close in spelling or sound."""
    weight: float
    """How much the question word counts: how few topics use it (function words and people count little)."""
    source: str
    """Where the section has it: "ask" (an Ask: phrase), "title", "text" or "parent" (its parent's title)."""
    where: str
    """That Ask: phrase, title or passage, as written."""


@dataclass(frozen=True)
class PhraseEvidence:
    """The section's phrase (an Ask: phrase or its title) that the question contains most of."""

    phrase: str
    source: str
    """"ask" or "title"."""
    share: float
    """0-1, by word weight."""
    whole: bool
    """Contained whole (a phrase of several words): evidence in itself."""


@dataclass(frozen=True)
class SectionEvidence:
    section: str
    score: float
    words: tuple[WordEvidence, ...]
    phrase: PhraseEvidence | None
    unexplained: tuple[str, ...]
    """Question words found elsewhere in the content but not in this section: they count against it a little."""


@dataclass(frozen=True)
class UnknownWord:
    """A question word found nowhere in the content: it counts against every section."""

    said: str
    weight: float


@dataclass(frozen=True)
class QuestionEvidence:
    sections: tuple[SectionEvidence, ...]
    """The top sections (Match.alternatives), in the same order."""
    unknown: tuple[UnknownWord, ...]


@dataclass(frozen=True)
class PassageChoice:
    """Where reading starts in the answered section, and why (the passage stage)."""

    passage: int
    """The passage reading starts at (index in the section's passages)."""
    item: int | None
    """A list item of it read first, after its lead-in (index in the section's pieces); None: the whole passage."""
    opening: str
    """The first words read there ("" at the beginning of the section)."""
    words: tuple[str, ...]
    """The question's words (as matched) that this passage has and the section's other passages do not."""
    score: float
    """Their summed weight, each by how few of the section's passages have it."""
    minimum: float
    """Below it the question is about the section as a whole: reading starts at the beginning."""
    asked_beside: tuple[str, ...] = ()
    """Question words (as matched) that this passage does not have but that the section's Ask: lines ask beside
    words it does have ("army" beside "military" and "veterans"): ``words`` then holds those words it has."""

    @property
    def at_beginning(self) -> bool:
        return self.passage == 0 and self.item is None


@dataclass(frozen=True)
class MatchTrace:
    """How one utterance was matched."""

    decision: Reason
    words: tuple[str, ...] = ()
    """The chosen guess's words as matched: fillers dropped, stemmed, lay words and split words rewritten."""
    rewrites: tuple[Rewrite, ...] = ()
    unknown_words: tuple[str, ...] = ()
    """Content words of the question that the content has nowhere (as matched)."""
    guesses: tuple[GuessChoice, ...] = ()
    """Spoken input with several guesses: what each matched alone, the recognizer's best first."""
    evidence: QuestionEvidence | None = None
    """Only from ``Matcher.explain``."""
    form: str | None = None
    """What the question asks for, read from its form ("why or what causes"...; see match/form.py)."""
    passage: PassageChoice | None = None
    """For an answer: where reading starts in the section, and why."""

    @property
    def stage(self) -> Stage:
        """The stage that decided."""
        return self.decision.stage


def trace_record(trace: MatchTrace) -> dict[str, object]:
    """The trace as JSON-ready data; each reason with its stage and its one-line text."""
    record = asdict(trace)
    record["stage"] = str(trace.stage)
    record["decision"] = _reason_record(trace.decision)
    return record


def _reason_record(reason: Reason) -> dict[str, object]:
    record: dict[str, object] = {"stage": str(reason.stage), "reason": type(reason).__name__, "text": str(reason)}
    for field in fields(reason):
        value = getattr(reason, field.name)
        if isinstance(value, Reason):
            record[field.name] = _reason_record(value)
        else:
            record[field.name] = asdict(value) if is_dataclass(value) and not isinstance(value, type) else value
    return record
