"""Stage 6, choose the passage: where in the chosen section reading starts. A person may manage one question
before tiring, so the first thing read must be the part that answers it: the passage, or the list item (after
the sentence introducing its list), whose own words the question uses and the section's other passages do not.
A question word no passage has counts for the passage that has most of the words asked beside it on one of the
section's Ask: lines ("were soldiers more at risk" reads "Military veterans have twice the risk" first).
A question about the section as a whole ("what are the symptoms"), or whose words no passage has more than the
others, starts at the beginning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from voice_assist.content import Section, Start
from voice_assist.match.index import ContentIndex, to_terms
from voice_assist.match.score import WeighedQuestion
from voice_assist.match.trace import PassageChoice
from voice_assist.text import STOPWORDS, words


@dataclass(frozen=True)
class _SectionPieces:
    terms: tuple[frozenset[str], ...]
    """Each piece's terms (Section.pieces, in order)."""
    ask_lines: tuple[frozenset[str], ...]
    """Each of the section's Ask: lines, as its content terms."""


class PassageChooser:
    def __init__(self, index: ContentIndex) -> None:
        self._index = index
        self._sections = [self._pieces(section) for section in index.sections]

    @staticmethod
    def _pieces(section: Section) -> _SectionPieces:
        return _SectionPieces(tuple(frozenset(to_terms(words(piece.text))) for piece in section.pieces),
                              tuple(frozenset(term for term in to_terms(words(" ".join(line))) if term not in STOPWORDS)
                                    for line in section.ask_lines))

    def choose(self, position: int, question: WeighedQuestion | None, cues: frozenset[str] = frozenset()
               ) -> PassageChoice:
        """``cues``: the terms that say the question's form ("help", "stop"): they never choose a passage."""
        section = self._index.sections[position]
        pieces = self._sections[position]
        minimum = self._index.tuning.passage_min
        if question is None or len(pieces.terms) < 2:
            return PassageChoice(0, None, "", (), 0.0, minimum)
        count = len(pieces.terms)
        scores = [0.0] * count
        telling: list[set[str]] = [set() for _ in range(count)]
        via_ask_lines: list[set[str]] = [set() for _ in range(count)]
        for term, hit, weight in zip(question.terms, question.hits, question.weights, strict=True):
            if term in STOPWORDS or term in cues or not hit:
                continue
            credits = [max((s for t, s in hit.items() if t in terms), default=0.0) for terms in pieces.terms]
            related: frozenset[str] = frozenset()
            if not any(credits):
                credits, related = self._through_ask_lines(pieces, hit, cues)
            having = sum(credit > 0 for credit in credits)
            if not having or having == count:
                continue
            rarity = math.log(count / having)
            for piece, credit in enumerate(credits):
                if credit:
                    scores[piece] += weight * credit * rarity
                    telling[piece].update(related & pieces.terms[piece] if related else {term})
                    if related:
                        via_ask_lines[piece].add(term)
        best = max(scores)
        if best < minimum:
            return PassageChoice(0, None, "", tuple(sorted(set().union(*telling))), round(best, 2), minimum)
        top = [piece for piece, score in enumerate(scores) if score >= best - 1e-9]
        start = _start(section, top)
        return PassageChoice(start.passage, start.item, _opening(section, start), tuple(sorted(telling[top[0]])),
                             round(best, 2), minimum, tuple(sorted(via_ask_lines[top[0]])))

    def _through_ask_lines(self, pieces: _SectionPieces, hit: dict[str, float], cues: frozenset[str]
                           ) -> tuple[list[float], frozenset[str]]:
        """For a question word that no piece has, but one of the section's Ask: lines has: each piece's credit by
        the share it has of the words beside it on those lines ("army" is asked on the line "veterans | military
        | army | soldiers", and "Military veterans have twice the risk" has most of that line), and those words.
        A line gathers ways of asking about one matter; a piece with less than half of it is not about it."""
        related = frozenset().union(*(line for line in pieces.ask_lines if line & hit.keys())) - hit.keys() - cues
        if not related:
            return [0.0] * len(pieces.terms), related
        tuning = self._index.tuning
        shares = [len(related & terms) / len(related) for terms in pieces.terms]
        return [tuning.ask_line_credit if share >= tuning.ask_line_min_share else 0.0 for share in shares], related


def _start(section: Section, top: list[int]) -> Start:
    """One list item scoring best, of a list with others: that item. Otherwise the first passage having one of
    the best pieces, read whole."""
    if len(top) == 1:
        piece = section.pieces[top[0]]
        in_passage = sum(other.passage == piece.passage for other in section.pieces)
        if piece.is_item and in_passage > 2:  # more than the lead-in and this one item
            return Start(piece.passage, top[0])
    return Start(min(section.pieces[piece].passage for piece in top))


def _opening(section: Section, start: Start) -> str:
    text = section.pieces[start.item].text if start.item is not None else section.passages[start.passage]
    return " ".join(text.split()[:8]).rstrip(".,:;")
