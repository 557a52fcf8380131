"""What the matcher knows of the content: which section has which word and from where, each section's phrases,
how telling each word is, and which content words a question word meets in spelling or in sound."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from voice_assist.content import Library, Section
from voice_assist.match.tuning import MatcherTuning
from voice_assist.text import FILLERS, STOPWORDS, sound_key, stem, words


def to_terms(tokens: Iterable[str]) -> list[str]:
    """The words that matching looks at: fillers dropped, content words stemmed."""
    return [token if token in STOPWORDS else stem(token) for token in tokens if token not in FILLERS]


@dataclass(frozen=True)
class Phrase:
    """One of a section's phrases (an Ask: phrase or its title), as terms, each once."""

    section: int
    terms: tuple[str, ...]
    text: str
    """As written in the factsheet."""
    source: str
    """"ask" or "title"."""
    weights: tuple[float, ...] = ()
    """Each term's weight (see ``ContentIndex.weights``)."""
    total_weight: float = 0.0

    def share(self, heard: dict[str, float]) -> float:
        """The weighted share (0-1) of the phrase that the question has; ``heard``: content word → similarity."""
        return sum(w * heard.get(t, 0.0) for w, t in zip(self.weights, self.terms, strict=True)) / self.total_weight


def section_sources(library: Library, section: Section) -> list[tuple[str, str]]:
    """(source, text) of everything the section's words come from: title, Ask: phrases, text, parent's title."""
    sources = [("title", section.title), *(("ask", ask) for ask in section.asks),
               *(("text", passage) for passage in section.passages)]
    if "/" in section.id:
        sources.append(("parent", library.section(section.topic).title))
    return sources


class ContentIndex:
    """Built once per library; read by every stage after normalizing."""

    def __init__(self, library: Library, tuning: MatcherTuning) -> None:
        self.library = library
        self.tuning = tuning
        self.sections: tuple[Section, ...] = library.sections
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        """Term → section index → weight of where the section has it (the best of its sources)."""
        unweighed_phrases: list[Phrase] = []
        for index, section in enumerate(self.sections):
            unweighed_phrases += self._index_section(index, section)
        self.content_words = sorted((term for term in self.postings if term not in STOPWORDS), key=len)
        self.content_keys = [sound_key(term) for term in self.content_words]
        self.by_sound = {key: term for key, term in zip(self.content_keys, self.content_words, strict=True)
                         if len(term) >= tuning.joined_word_min_letters}
        self.long_words = [term for term in self.content_words if len(term) >= tuning.long_word_min_letters]
        self.weights = self._term_weights()
        self.phrases = [self._weighed(phrase) for phrase in unweighed_phrases]
        self.phrases_by_term: dict[str, list[int]] = defaultdict(list)
        for position, phrase in enumerate(self.phrases):
            for term in phrase.terms:
                self.phrases_by_term[term].append(position)

    def _index_section(self, index: int, section: Section) -> list[Phrase]:
        """Posts the section's words; returns its phrases (not yet weighed)."""
        phrases = []
        for source, text in section_sources(self.library, section):
            terms = to_terms(words(text))
            weight = self.tuning.source_weight(source)
            for term in terms:
                self.postings[term][index] = max(self.postings[term].get(index, 0.0), weight)
            if source in ("ask", "title") and terms:
                phrases.append(Phrase(index, tuple(dict.fromkeys(terms)), text, source))
        return phrases

    def _weighed(self, phrase: Phrase) -> Phrase:
        weights = tuple(self.weights[term] for term in phrase.terms)
        return replace(phrase, weights=weights, total_weight=sum(weights))

    def _term_weights(self) -> dict[str, float]:
        """Inverse topic frequency: a word found in one topic tells more than one found in all."""
        topics: dict[str, set[str]] = defaultdict(set)
        for term, postings in self.postings.items():
            topics[term].update(self.sections[i].topic for i in postings)
        total = len({section.topic for section in self.sections}) or 1
        return {term: self.tuning.function_word_weight if term in STOPWORDS else math.log(1 + total / len(found))
                for term, found in topics.items()}

    def similar_terms(self, term: str) -> dict[str, float]:
        """Content words that are this word, or close to it in spelling or in sound, with a similarity 0-1."""
        if term in self.postings:
            return {term: 1.0}
        tuning = self.tuning
        if len(term) < tuning.fuzzy_min_letters or term in STOPWORDS:
            return {}
        similar: dict[str, float] = {}
        for found, score, _ in process.extract(term, self.content_words, scorer=fuzz.ratio,
                                               score_cutoff=tuning.fuzzy_min, limit=tuning.similar_words_limit):
            similar[found] = score / 100
        key = sound_key(term)
        if len(key) >= tuning.min_sound_key:
            for _, score, position in process.extract(key, self.content_keys, scorer=fuzz.ratio,
                                                      score_cutoff=tuning.sound_min, limit=tuning.similar_words_limit):
                found = self.content_words[position]
                similar[found] = max(similar.get(found, 0.0), tuning.sound_similarity * score / 100)
        return similar
