"""Phrases looked up by their first word, longest first: for commands said in several phrases and lay words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

PhraseIndex = dict[str, list[tuple[str, ...]]]
"""Phrases (as words) by their first word, longest first."""


def by_first_word(phrases: Iterable[tuple[str, ...]]) -> PhraseIndex:
    index: PhraseIndex = defaultdict(list)
    for phrase in sorted(phrases, key=len, reverse=True):
        index[phrase[0]].append(phrase)
    return index


def phrase_at(index: PhraseIndex, words_said: Sequence[str], start: int) -> tuple[str, ...] | None:
    """The longest phrase of ``index`` that the words say from ``start`` on, if any."""
    return next((phrase for phrase in index.get(words_said[start], ())
                 if tuple(words_said[start:start + len(phrase)]) == phrase), None)
