"""Stage 1, normalize: a question's words as the content writes them. Fillers dropped and words stemmed
(``to_terms``), neighbours a recognizer split joined ("real you zole" → riluzole), everyday words the content
does not use read as the content's words ("so skinny" → "so thin")."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from voice_assist.lay_words import LAY_WORDS
from voice_assist.match.index import ContentIndex, to_terms
from voice_assist.match.phrase_index import by_first_word, phrase_at
from voice_assist.match.trace import Rewrite
from voice_assist.text import STOPWORDS, sound_key, words


@dataclass(frozen=True)
class Normalized:
    terms: list[str]
    rewrites: tuple[Rewrite, ...]


class Normalizer:
    def __init__(self, index: ContentIndex) -> None:
        self._index = index
        self._standard_terms = _standard_terms_of_lay_words(index.postings)
        self._lay_index = by_first_word(self._standard_terms)
        self._join_sizes = tuple(range(index.tuning.join_max_words, 1, -1))
        """Numbers of neighbours tried for joining, most first."""

    def __call__(self, tokens: Sequence[str]) -> Normalized:
        rewrites: list[Rewrite] = []
        terms = self._in_content_words(self._join_split_words(to_terms(tokens), rewrites), rewrites)
        return Normalized(terms, tuple(rewrites))

    def _in_content_words(self, terms: list[str], rewrites: list[Rewrite]) -> list[str]:
        """Lay words the content does not use in the content's own words: "so skinny" → "so thin"."""
        said: list[str] = []
        index = 0
        while index < len(terms):
            lay = phrase_at(self._lay_index, terms, index)
            if lay and not all(term in self._index.postings for term in lay if term not in STOPWORDS):
                standard = self._standard_terms[lay]
                said += standard
                rewrites.append(Rewrite(lay, tuple(standard), "lay word"))
                index += len(lay)
            else:
                said.append(terms[index])
                index += 1
        return said

    def _join_split_words(self, terms: list[str], rewrites: list[Rewrite]) -> list[str]:
        """Join neighbours a recognizer split: "real you zole" → riluzole, "a less" → als, when the joined
        sound is a content word, one of the pieces is no word of the content at all, and few are small words
        (else "is the weather" would sound like "history")."""
        joined: list[str] = []
        index = 0
        while index < len(terms):
            for size in self._join_sizes:
                window = terms[index:index + size]
                target = self._word_sounding_like("".join(window)) if len(window) == size else None
                if target and any(term not in self._index.postings for term in window) and sum(
                        term in STOPWORDS for term in window) <= self._index.tuning.join_max_small_words:
                    joined.append(target)
                    rewrites.append(Rewrite(tuple(window), (target,), "split word"))
                    index += size
                    break
            else:
                joined.append(terms[index])
                index += 1
        return joined

    def _word_sounding_like(self, text: str) -> str | None:
        index, tuning = self._index, self._index.tuning
        key = sound_key(text)
        if len(key) >= tuning.min_sound_key and key in index.by_sound and fuzz.ratio(
                text, index.by_sound[key]) >= tuning.join_spelling_min:
            return index.by_sound[key]
        if len(text) >= tuning.long_join_letters:
            found = process.extractOne(text, index.long_words, scorer=fuzz.ratio, score_cutoff=tuning.long_join_min)
            return found[0] if found else None
        return None


def _standard_terms_of_lay_words(known: Container[str]) -> dict[tuple[str, ...], list[str]]:
    """Each lay word or phrase (as terms) → the terms of its first standard wording whose words are all
    ``known``; lay words with none are left out."""
    standard_terms: dict[tuple[str, ...], list[str]] = {}
    for lay, standards in LAY_WORDS.items():
        lay_terms = tuple(to_terms(words(lay)))
        for standard in standards:
            terms = to_terms(words(standard))
            content = [term for term in terms if term not in STOPWORDS]
            if lay_terms and content and all(term in known for term in content):
                standard_terms[lay_terms] = terms
                break
    return standard_terms
