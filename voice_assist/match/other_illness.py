"""Stage 3, the other-illness guard: a short question naming an illness no factsheet covers ("what are the
early signs of Alzheimer's") is not answered, even when it shares words with a section (see other_subjects)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Sequence

from voice_assist.match.index import to_terms
from voice_assist.match.tuning import MatcherTuning
from voice_assist.other_subjects import OTHER_SUBJECTS
from voice_assist.text import STOPWORDS, words


class OtherIllnessGuard:
    def __init__(self, known: Container[str], tuning: MatcherTuning) -> None:
        """``known``: the content's terms; an illness all of whose words the content has is covered."""
        self._tuning = tuning
        self._by_first_term: dict[str, list[tuple[list[str], str]]] = defaultdict(list)
        for subject in OTHER_SUBJECTS:
            terms = to_terms(words(subject))
            if not all(term in known for term in terms):
                self._by_first_term[terms[0]].append((terms, subject))

    def named_in(self, tokens: Sequence[str]) -> str | None:
        """The uncovered illness a short question names, as listed in other_subjects, if any."""
        terms = to_terms(tokens)
        if sum(term not in STOPWORDS for term in terms) > self._tuning.other_illness_max_words:
            return None
        return next((name for start, term in enumerate(terms) for subject, name in self._by_first_term.get(term, ())
                     if terms[start:start + len(subject)] == subject), None)
