"""The evidence behind section scores, for explaining a match: which question words met which section words,
from where (an Ask: phrase, the title, the text, the parent's title), with what weight and similarity. Built
only on request (``Matcher.explain``): matching itself never needs it."""

from __future__ import annotations

from collections.abc import Sequence

from voice_assist.match.index import ContentIndex, section_sources, to_terms
from voice_assist.match.result import Candidate
from voice_assist.match.score import WeighedQuestion, heard_terms
from voice_assist.match.trace import PhraseEvidence, QuestionEvidence, SectionEvidence, UnknownWord, WordEvidence
from voice_assist.text import STOPWORDS, words


def question_evidence(index: ContentIndex, question: WeighedQuestion, said: Sequence[str],
                      candidates: Sequence[Candidate]) -> QuestionEvidence:
    """``said``: the question's words as heard, to show terms ("feed") as said ("feeding")."""
    as_said = _surface_forms(said)
    positions = {section.id: position for position, section in enumerate(index.sections)}
    sections = tuple(_section_evidence(index, question, positions[candidate.section], candidate.score, as_said)
                     for candidate in candidates)
    unknown = tuple(UnknownWord(as_said.get(term, term), weight) for term, weight in zip(
        question.terms, question.weights, strict=True) if term in question.unknown_words())
    return QuestionEvidence(sections, unknown)


def _section_evidence(index: ContentIndex, question: WeighedQuestion, position: int, score: float,
                      as_said: dict[str, str]) -> SectionEvidence:
    phrase = _best_phrase(index, question, position)
    found_words: list[WordEvidence] = []
    unexplained: list[str] = []
    for term, hit, weight in zip(question.terms, question.hits, question.weights, strict=True):
        credited = [(similarity * index.postings[found][position], found, similarity)
                    for found, similarity in hit.items() if position in index.postings[found]]
        if credited:
            _, found, similarity = max(credited)
            source, where = _where(index, position, found, phrase)
            found_words.append(WordEvidence(as_said.get(term, term), _as_written(found, where), round(similarity, 2),
                                            round(weight, 2), source, where))
        elif hit and term not in STOPWORDS:
            unexplained.append(as_said.get(term, term))
    return SectionEvidence(index.sections[position].id, score, tuple(found_words), phrase, tuple(unexplained))


def _best_phrase(index: ContentIndex, question: WeighedQuestion, position: int) -> PhraseEvidence | None:
    heard = heard_terms(question.hits)
    shares = [(phrase.share(heard), phrase) for phrase in index.phrases
              if phrase.section == position]
    if not shares:
        return None
    share, phrase = max(shares, key=lambda shared: (shared[0], len(shared[1].terms)))  # the fuller among equals
    if not share:
        return None
    whole = share >= index.tuning.whole_phrase and len(phrase.terms) > 1
    return PhraseEvidence(phrase.text, phrase.source, round(share, 2), whole)


def _where(index: ContentIndex, position: int, term: str, phrase: PhraseEvidence | None) -> tuple[str, str]:
    """Where the section has a term with the most weight, the best phrase first among equals."""
    section = index.sections[position]
    having = [(source, text) for source, text in section_sources(index.library, section)
              if term in to_terms(words(text))]
    having.sort(key=lambda found: (-index.tuning.source_weight(found[0]), not phrase or found[1] != phrase.phrase))
    return having[0]


def _as_written(term: str, text: str) -> str:
    return next((word for word in words(text) if to_terms([word]) == [term]), term)


def _surface_forms(said: Sequence[str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for word in said:
        for term in to_terms([word]):
            forms.setdefault(term, word)
    return forms
