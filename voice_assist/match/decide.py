"""Stage 5, decide: from the sections' scores to an answer, a question back ("Do you mean A, or B?"), or
"not in my factsheet". Never the nearest section when nothing fits."""

from __future__ import annotations

from dataclasses import dataclass

from voice_assist.match.result import Candidate, MatchKind
from voice_assist.match.trace import Answered, BelowMinimum, NoSectionShares, Reason, TooClose
from voice_assist.match.tuning import MatcherTuning


@dataclass(frozen=True)
class Decision:
    kind: MatchKind
    score: float
    """The chosen section's score on the question's words alone (without boosts)."""
    alternatives: tuple[Candidate, ...]
    """The best sections, best first; for a question back, the two to choose from."""
    reason: Reason
    section: str | None = None


def decide(alternatives: tuple[Candidate, ...], tuning: MatcherTuning) -> Decision:
    """``alternatives``: the best sections, best first."""
    if not alternatives:
        return Decision(MatchKind.NO_MATCH, 0.0, alternatives, NoSectionShares())
    if all(candidate.base < tuning.answer_min for candidate in alternatives):
        best = max(alternatives, key=lambda candidate: candidate.base)
        return Decision(MatchKind.NO_MATCH, best.base, alternatives, BelowMinimum(best, tuning.answer_min))
    alternatives = tuple(candidate for candidate in alternatives if _eligible(candidate, tuning)) + tuple(
        candidate for candidate in alternatives if not _eligible(candidate, tuning))
    first = _most_specific(alternatives, tuning)
    rival = next((c for c in alternatives if c.section != first.section and not _related(c.section, first.section)),
                 None)
    if rival and _eligible(rival, tuning) and first.score - rival.score < tuning.clarify_margin:
        return Decision(MatchKind.CLARIFY, first.base, (first, rival), TooClose(first, rival, tuning.clarify_margin))
    ranked = (first, *(candidate for candidate in alternatives if candidate is not first))
    broader = alternatives[0] if first is not alternatives[0] else None
    reason = Answered(first, tuning.answer_min, rival, tuning.clarify_margin, broader)
    return Decision(MatchKind.ANSWER, first.base, ranked, reason, section=first.section)


def _most_specific(alternatives: tuple[Candidate, ...], tuning: MatcherTuning) -> Candidate:
    """The best section, or one of its own parts scoring almost as well: "will physical therapy help" is
    better answered by the part on physical therapy than by the overview of all treatments."""
    first = alternatives[0]
    return next((c for c in alternatives[1:] if c.section.startswith(first.section + "/")
                 and first.score - c.score < tuning.clarify_margin and _eligible(c, tuning)), first)


def _eligible(candidate: Candidate, tuning: MatcherTuning) -> bool:
    """Once the question is about something the content has (some section meets the answer minimum on the
    question's words alone), a section may answer it with its boosts."""
    return candidate.score >= tuning.answer_min


def _related(one: str, other: str) -> bool:
    """A section and its own part: choosing between them needs no question back."""
    return one.startswith(other + "/") or other.startswith(one + "/")
