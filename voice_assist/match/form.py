"""What a question asks for, read from its form: why (a cause), how to stop or treat (a remedy), how it is
found (a test), who gets it, or what it is. The form weighs into the choice between sections that share the
question's topic words: "how do I stop drooling" asks for a remedy, "why do I drool" for a cause or a sign.

Which sections answer which form is not listed by hand: it is read from the content, from the forms of each
section's own Ask: phrases ("how is ALS treated" makes Treatment answer remedies, and its parts with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from voice_assist.content import Library
from voice_assist.text import words


class Form(StrEnum):
    CAUSE = "why or what causes"
    REMEDY = "how to stop, treat or help with"
    TEST = "how it is found, which test"
    WHO = "who gets it"
    WHAT = "what it is"


_CUES: tuple[tuple[Form, tuple[str, ...]], ...] = (
    # the first form one of whose cues the question says wins; cues are words or word sequences said
    (Form.CAUSE, ("why", "how come", "what causes", "what caused", "cause of", "causes", "caused by", "reason",
                  "reasons", "what makes")),
    (Form.REMEDY, ("stop", "treat", "treated", "treating", "treatment", "treatments", "cure", "cured", "help",
                   "helps", "helping", "relieve", "relief", "reduce", "ease", "manage", "control", "get rid of",
                   "do about", "deal with", "cope with", "something for", "anything for", "medicine for",
                   "medicines for", "remedy", "therapy", "prevent", "avoid")),
    (Form.TEST, ("diagnose", "diagnosed", "diagnosis", "test", "tests", "tested", "testing", "find out", "found",
                 "detect", "detected", "confirm", "confirmed", "check", "checked", "scan", "how do they know",
                 "how do doctors know", "how do you know")),
    (Form.WHO, ("who", "at risk", "more likely", "chance of", "chances of", "risk of")),
    (Form.WHAT, ("what is", "what are", "whats", "what does", "meaning", "mean", "define", "definition",
                 "tell me about")),
)
_BY_FIRST_WORD: dict[str, list[tuple[tuple[str, ...], Form]]] = {}
for _form, _cues in _CUES:
    for _cue in _cues:
        _said = tuple(_cue.split())
        _BY_FIRST_WORD.setdefault(_said[0], []).append((_said, _form))


@dataclass(frozen=True)
class QuestionForm:
    form: Form | None
    """The form of the question; None when it has none of the cues (a bare topic: "feeding tube")."""
    cues: frozenset[str]
    """The words that said it (any form's): they say what kind of answer is wanted, not about what."""


def question_form(said: Sequence[str]) -> QuestionForm:
    """The form of a question, from its words as said (lower case, before stemming)."""
    found: set[Form] = set()
    cues: set[str] = set()
    for start, word in enumerate(said):
        for cue, form in _BY_FIRST_WORD.get(word, ()):
            if tuple(said[start:start + len(cue)]) == cue:
                found.add(form)
                cues.update(cue)
    return QuestionForm(next((form for form, _ in _CUES if form in found), None), frozenset(cues))


def section_forms(library: Library) -> dict[str, frozenset[Form]]:
    """Section id → the forms its own Ask: phrases are asked in, with those of the section it is a part of."""
    own = {section.id: frozenset(form for ask in section.asks if (form := question_form(words(ask)).form))
           for section in library.sections}
    return {section.id: own[section.id] | own.get(section.topic, frozenset()) for section in library.sections}
