"""Stage 4, score sections: how much of the question each section's words explain (coverage, weighted by how
specific each word is), and how completely one of the section's phrases appears in the question."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from voice_assist.match.index import ContentIndex
from voice_assist.text import PEOPLE, STOPWORDS


@dataclass(frozen=True)
class WeighedQuestion:
    """The question's terms, the content words each meets (with similarity 0-1) and how much each counts."""

    terms: list[str]
    hits: list[dict[str, float]]
    weights: list[float]
    unknown: float
    """Summed weight of content words found nowhere in the content: counted against every section."""
    known: float
    """Summed weight of the words the content has."""

    def unknown_words(self) -> tuple[str, ...]:
        return tuple(term for term, hit in zip(self.terms, self.hits, strict=True) if _is_unknown(term, hit))


def weigh(index: ContentIndex, terms: list[str]) -> WeighedQuestion | None:
    """None when the question has no content words (only small words, or none)."""
    content = sum(term not in STOPWORDS for term in terms)
    if not content:
        return None
    hits = [index.similar_terms(term) for term in terms]
    weights = [_weight(index, term, hit, content) for term, hit in zip(terms, hits, strict=True)]
    tuning = index.tuning
    for position in _subject_positions(terms):
        if not hits[position] and terms[position] not in STOPWORDS:
            weights[position] = tuning.unknown_word_weight * tuning.foreign_subject_factor
    unknown = sum(w for term, hit, w in zip(terms, hits, weights, strict=True) if _is_unknown(term, hit))
    known = sum(w for hit, w in zip(hits, weights, strict=True) if hit)
    return WeighedQuestion(terms, hits, weights, unknown, known)


def section_scores(index: ContentIndex, question: WeighedQuestion) -> dict[int, float]:
    """Score (0-100) of every section that shares at least one word with the question."""
    tuning = index.tuning
    explained = explained_weight(index, question)
    phrase_recall, whole_phrase = _phrase_recall(index, question.hits)
    scores = {}
    for section, evidence in explained.items():
        against = question.unknown + tuning.other_section_weight * (question.known - evidence)
        recall = phrase_recall.get(section, 0.0)
        certainty = 1 - math.exp(-(evidence + tuning.phrase_evidence * (section in whole_phrase))
                                 / tuning.evidence_scale)
        fit = evidence / (evidence + against)
        scores[section] = 100 * fit ** tuning.fit_power * certainty ** (1 - tuning.fit_power) * (
            (1 - tuning.phrase_recall_share) + tuning.phrase_recall_share * recall)
    return scores


def explained_weight(index: ContentIndex, question: WeighedQuestion) -> dict[int, float]:
    """Per section, the summed weight of the question words it has, each times its best credit there."""
    explained: dict[int, float] = defaultdict(float)
    for hit, weight in zip(question.hits, question.weights, strict=True):
        for section, credit in _best_credit(index, hit).items():
            explained[section] += weight * credit
    return explained


def heard_terms(hits: list[dict[str, float]]) -> dict[str, float]:
    """Every content word the question met, with its best similarity."""
    heard: dict[str, float] = {}
    for hit in hits:
        for term, similarity in hit.items():
            heard[term] = max(heard.get(term, 0.0), similarity)
    return heard


def _phrase_recall(index: ContentIndex, hits: list[dict[str, float]]) -> tuple[dict[int, float], set[int]]:
    """Per section, the largest weighted share of one of its phrases that the question contains, and
    the sections one of whose phrases of several words the question contains whole."""
    heard = heard_terms(hits)
    recall: dict[int, float] = {}
    whole: set[int] = set()
    touched = {position for term in heard for position in index.phrases_by_term.get(term, ())}
    for position in touched:
        phrase = index.phrases[position]
        share = phrase.share(heard)
        recall[phrase.section] = max(recall.get(phrase.section, 0.0), share)
        if share >= index.tuning.whole_phrase and len(phrase.terms) > 1:
            whole.add(phrase.section)
    return recall, whole


def _best_credit(index: ContentIndex, hit: dict[str, float]) -> dict[int, float]:
    credit: dict[int, float] = {}
    for term, similarity in hit.items():
        for section, weight in index.postings[term].items():
            credit[section] = max(credit.get(section, 0.0), similarity * weight)
    return credit


def _weight(index: ContentIndex, term: str, hit: dict[str, float], content_words: int) -> float:
    tuning = index.tuning
    if term in STOPWORDS:
        return tuning.function_word_weight
    if term in PEOPLE:
        return tuning.min_known_weight if hit else tuning.function_word_weight
    if not hit:
        return tuning.unknown_word_weight * min(1.0, tuning.topic_words / content_words)
    return max(tuning.min_known_weight, *(index.weights[found] for found in hit))


def _is_unknown(term: str, hit: dict[str, float]) -> bool:
    return not hit and term not in STOPWORDS and term not in PEOPLE


_PREPOSITIONS = frozenset({"of", "for", "with", "about", "from", "in", "on", "against"})
_DETERMINERS = frozenset({"a", "an", "the", "my", "his", "her", "your", "their", "our", "some"})


def _subject_positions(terms: list[str]) -> list[int]:
    """Where the object of a preposition stands: "for [a] X" → the position of X."""
    positions = []
    for index, term in enumerate(terms):
        if term in _PREPOSITIONS:
            after = index + 1
            while after < len(terms) and terms[after] in _DETERMINERS:
                after += 1
            if after < len(terms):
                positions.append(after)
    return positions
