"""The matcher: the stages in order, for each recognizer guess, then the choice among the guesses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from voice_assist.content import Library, Start
from voice_assist.match.command import CommandSpotter
from voice_assist.match.decide import Decision, decide
from voice_assist.match.evidence import question_evidence
from voice_assist.match.form import Form, question_form, section_forms
from voice_assist.match.guesses import choose
from voice_assist.match.index import ContentIndex, to_terms
from voice_assist.match.normalize import Normalizer
from voice_assist.match.other_illness import OtherIllnessGuard
from voice_assist.match.passage import PassageChooser
from voice_assist.match.result import Candidate, Match, MatchKind
from voice_assist.match.score import WeighedQuestion, section_scores, weigh
from voice_assist.match.trace import MatchTrace, NothingHeard, OtherIllness
from voice_assist.match.tuning import MatcherTuning
from voice_assist.text import PEOPLE, STOPWORDS, words


class Matcher:
    """Scores questions against a content library; build once, call ``match`` per utterance."""

    def __init__(self, library: Library, tuning: MatcherTuning | None = None) -> None:
        self.library = library
        self.tuning = tuning or MatcherTuning()
        self._index = ContentIndex(library, self.tuning)
        self._normalize = Normalizer(self._index)
        self._commands = CommandSpotter(self.tuning)
        self._other_illnesses = OtherIllnessGuard(self._index.postings, self.tuning)
        self._passages = PassageChooser(self._index)
        self._positions = {section.id: position for position, section in enumerate(self._index.sections)}
        self._forms = section_forms(library)

    def match(self, alternatives: Sequence[str], explain: bool = False) -> Match:
        """Match an utterance given as the recognizer's guesses, best first (or one typed question).
        ``explain``: also gather the evidence behind the scores (see ``explain``)."""
        guesses = alternatives[:self.tuning.max_guesses]
        if not guesses:
            return Match(MatchKind.NO_MATCH, trace=MatchTrace(NothingHeard()))
        matches = [self._match_one(heard) for heard in guesses]
        chosen = matches[0] if len(matches) == 1 else choose(
            matches, self._other_illnesses.named_in(words(guesses[0])) is not None, self.tuning)
        return self.explain(chosen) if explain else chosen

    def explain(self, match: Match) -> Match:
        """The match with its trace's evidence filled in: for each of its top sections, the question words it
        has, from where, with their weights; and the words the content does not have."""
        if match.trace is None or not match.alternatives:
            return match
        said = words(match.heard)
        question = weigh(self._index, self._normalize(said).terms)
        if question is None:
            return match
        evidence = question_evidence(self._index, question, said, match.alternatives)
        return replace(match, trace=replace(match.trace, evidence=evidence))

    def _match_one(self, heard: str) -> Match:
        """One guess through the stages: spot a command, the other-illness guard, normalize, score, decide."""
        tokens = words(heard)
        command = self._commands.spot(tokens)
        if command:
            return Match(MatchKind.COMMAND, command=command.command, score=command.score, heard=" ".join(tokens),
                         trace=MatchTrace(command, words=tuple(tokens)))
        illness = self._other_illnesses.named_in(tokens)
        if illness:
            return Match(MatchKind.NO_MATCH, heard=heard, trace=MatchTrace(OtherIllness(illness), words=tuple(tokens)))
        normalized = self._normalize(tokens)
        said_form = question_form(tokens)
        form = said_form.form
        cues = frozenset(to_terms(said_form.cues))
        question = weigh(self._index, normalized.terms)
        decision = self._decide(question, form, cues)
        passage = None
        start = Start()
        if decision.section is not None:
            passage = self._passages.choose(self._positions[decision.section], question, cues)
            start = Start(passage.passage, passage.item)
        trace = MatchTrace(decision.reason, tuple(normalized.terms), normalized.rewrites,
                           question.unknown_words() if question else (), form=form and str(form), passage=passage)
        return Match(decision.kind, section=decision.section, score=decision.score,
                     alternatives=decision.alternatives, heard=heard, start=start, trace=trace)

    def _decide(self, question: WeighedQuestion | None, form: Form | None, cues: frozenset[str]) -> Decision:
        """Score the sections; weigh the question's form for the best of them; keep the best; decide."""
        scores = section_scores(self._index, question) if question else {}
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:self.tuning.rerank_sections]
        topic = self._topic_terms(question, cues)
        candidates = [self._candidate(position, score, form if self._has_all(position, topic) else None)
                      for position, score in ranked]
        candidates.sort(key=lambda candidate: -candidate.score)
        return decide(tuple(candidates[:self.tuning.sections_kept]), self.tuning)

    @staticmethod
    def _topic_terms(question: WeighedQuestion | None, cues: frozenset[str]) -> list[dict[str, float]]:
        """What the question is about: the content words it has beside those saying its form (as their hits)."""
        if question is None:
            return []
        return [hit for term, hit in zip(question.terms, question.hits, strict=True)
                if hit and term not in STOPWORDS and term not in cues and term not in PEOPLE]

    def _has_all(self, position: int, topic: list[dict[str, float]]) -> bool:
        """The section has every one of the question's topic words (or a word close to it)."""
        postings = self._index.postings
        return bool(topic) and all(any(position in postings[found] for found in hit) for hit in topic)

    def _candidate(self, position: int, score: float, form: Form | None) -> Candidate:
        tuning, section = self.tuning, self._index.sections[position].id
        boost = tuning.form_weight if form is not None and form in self._forms[section] else 0.0
        return Candidate(section, round(score + boost, 1), round(boost, 1))
