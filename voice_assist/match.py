"""Question → section or command, with a score; never the nearest section when nothing fits.

Matching knowledge comes from the content: each section's title, its "Ask:" phrases and its own text.
A question is scored against a section by how much of the question the section's words explain
(coverage, weighted by how specific each word is) and by how completely one of the section's phrases
appears in the question. Words close in spelling or in sound count, so recognizer errors still match.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from rapidfuzz import fuzz, process

from voice_assist.commands import COMMAND_PHRASES, Command
from voice_assist.content import Library, Section
from voice_assist.lay_words import LAY_WORDS
from voice_assist.other_subjects import OTHER_SUBJECTS
from voice_assist.text import FILLERS, PEOPLE, STOPWORDS, sound_key, stem, words

ANSWER_MIN = 55.0
"""Below this a question is not answered. Reading the wrong medical text is worse than saying
"I don't have that": a question whose main words the factsheet does not contain scores under it."""

CLARIFY_MARGIN = 6.0
"""Two unrelated sections this close are both plausible: ask which one rather than guess."""

COMMAND_MIN = 84.0
"""How closely a whole utterance must match a command phrase; commands are short and must not
swallow questions such as "tell me more about breathing"."""

MAX_ALTERNATIVES = 8

CLEAR_SCORE = 80.0
"""The recognizer's best guess matching this well is taken as heard. 80 rather than 85 takes a one-word
question heard as a content word ("cure", "diagnosis": 81), whose other guesses always scatter: on the
tuning set (scripts/bench_recognition.py) 4 more right of 234, no more wrong, 1 more off-topic of 93."""

SPOKEN_AGREEMENT = 0.6
"""Otherwise this share of the recognizer's guesses must point at the same section or command, and
the choice must score at least SPOKEN_ANSWER_MIN. Measured on 150 synthesized questions through
pocketsphinx: wrong sections read out fell from 39 to 18, right ones from 90 to 84, off-topic questions
answered from 15 to 5 of 24."""

SPOKEN_ANSWER_MIN = 70.0
"""Not needed when every guess agrees: long questions score lower (their story dilutes the evidence), and
their guesses differ in small words but all lead to the same section. On the held-out spoken set, clean
flite voices, that answered 20 more of 278 questions rightly, with no more wrong or off-topic answers."""

COMMAND_RANK_MAX = 1
"""A command in the recognizer's first or second guess is taken as heard: commands are short, so their
other guesses scatter ("eat", "repeat", "the it"), and a wrong command reads out no medical text."""

ALTERNATIVE_PENALTY = 4.0
"""Per rank below the recognizer's best guess: a lower guess wins only when it matches clearly better."""

UNKNOWN_WORD_WEIGHT = 2.2
"""Weight of a question word found nowhere in the content: about that of a word used by one section,
so "what is the cure for cancer" is not answered by the treatment section."""

TOPIC_WORDS = 3
"""A short question is about its unknown words ("what causes cancer"); in a long one they are mostly the
story around it ("my husband was told last month..."), so beyond this many content words each counts less."""

OTHER_SUBJECT_MAX_WORDS = 8
"""A question naming another illness is not answered when it is this short (content words): then it is
about that illness. In a longer story the name is more often a misheard word ("my grandfather" heard as
"migraine father"), and the scoring weighs it like any unknown word."""

OTHER_SECTION_WEIGHT = 0.5
"""Known words a section does not explain count against it, a little: long questions mix topics."""

EVIDENCE_SCALE = 3.0
"""Evidence (summed word weights) at which a match is about two-thirds certain on evidence alone."""

FIT_POWER = 0.7
"""Balance of fit (share of the question explained) against certainty (amount of evidence)."""

PHRASE_EVIDENCE = 3.0
WHOLE_PHRASE = 0.95
"""Saying one of a section's own phrases of several words in full ("what is ALS") is evidence in itself,
however common its words are."""

MIN_KNOWN_WEIGHT = 1.0
"""Even a word every section uses ("ALS") is evidence the question is about this factsheet. Words for
people ("dad", "my wife") weigh this much wherever the content has them, and like function words where
it does not. On typed questions written by someone who never saw the matcher (tests/data/more_questions.csv)
that answered 3 more of 90 rightly (4 gained, such as "my husband was in the army, does that make a
difference"; 1 lost) and read 1 wrong section fewer; on questions.csv 1 more of 187 right."""

FOREIGN_SUBJECT_FACTOR = 2.0
"""An unknown word right after "of", "for", "with"... names what the question is about ("the cure for
cancer", "early signs of Alzheimer's"): a different subject, so it weighs double and is never discounted."""

JOIN_SPELLING_MIN = 60.0
"""Words joined because they sound like a content word must also look a little like it: "sorry what"
sounds like "short" to the rough sound key, but shares too few letters with it."""

FUZZY_MIN = 84.0
"""Spelling or sound similarity (0-100) at which two words count as the same word."""

FUNCTION_WORD_WEIGHT = 0.15
"""Weight of words like "what", "is", "does": they never decide a match on their own, but tell "what is ALS"
from "what causes ALS" when the content words are the same."""

_SOURCE_WEIGHTS = {"ask": 1.0, "title": 1.0, "text": 0.75, "parent": 0.6}
"""How much a word counts by where the section has it: its own phrases, its text, its parent's title."""


class MatchKind(StrEnum):
    ANSWER = "answer"
    COMMAND = "command"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Candidate:
    section: str
    score: float
    """0-100."""


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    section: str | None = None
    command: str | None = None
    score: float = 0.0
    """0-100: how well the heard words fit what was chosen."""
    alternatives: tuple[Candidate, ...] = ()
    """The best sections, best first (the chosen one included)."""
    heard: str = ""
    """The recognizer guess this match was made from."""
    uncertain: bool = False
    """Not answered because the recognizer's guesses, most of which point at something in the content,
    disagree on what: ask the user to say it again. (When most point at nothing, it is off-topic.)"""


@dataclass(frozen=True)
class _Phrase:
    section: int
    terms: tuple[str, ...]


class Matcher:
    """Scores questions against a content library; build once, call ``match`` per utterance."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._sections: tuple[Section, ...] = library.sections
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._phrases: list[_Phrase] = []
        self._phrases_by_term: dict[str, list[int]] = defaultdict(list)
        for index, section in enumerate(self._sections):
            self._index_section(index, section)
        self._content_words = sorted((term for term in self._postings if term not in STOPWORDS), key=len)
        self._content_keys = [sound_key(term) for term in self._content_words]
        self._by_sound = {key: term for key, term in zip(self._content_keys, self._content_words, strict=True)
                          if len(term) >= 3}
        self._long_words = [term for term in self._content_words if len(term) >= 6]
        self._weights = self._term_weights()
        self._commands = {_without_politeness(phrase): command for phrase, command in COMMAND_PHRASES.items()}
        self._command_phrases = list(self._commands)
        self._command_index = _by_first_word(tuple(phrase.split()) for phrase in self._commands if phrase)
        self._standard_terms = _standard_terms_of_lay_words(self._postings)
        self._lay_index = _by_first_word(self._standard_terms)
        self._other_subjects: dict[str, list[list[str]]] = defaultdict(list)  # by first word
        for subject in OTHER_SUBJECTS:
            terms = _terms(words(subject))
            if not all(term in self._postings for term in terms):
                self._other_subjects[terms[0]].append(terms)

    def _index_section(self, index: int, section: Section) -> None:
        sources = [("title", section.title), *(("ask", ask) for ask in section.asks),
                   *(("text", passage) for passage in section.passages)]
        if "/" in section.id:
            sources.append(("parent", self.library.section(section.topic).title))
        for source, text in sources:
            terms = _terms(words(text))
            for term in terms:
                weight = _SOURCE_WEIGHTS[source]
                self._postings[term][index] = max(self._postings[term].get(index, 0.0), weight)
            if source in ("ask", "title") and terms:
                self._add_phrase(_Phrase(index, tuple(dict.fromkeys(terms))))

    def _add_phrase(self, phrase: _Phrase) -> None:
        self._phrases.append(phrase)
        for term in phrase.terms:
            self._phrases_by_term[term].append(len(self._phrases) - 1)

    def _term_weights(self) -> dict[str, float]:
        """Inverse topic frequency: a word found in one topic tells more than one found in all."""
        topics: dict[str, set[str]] = defaultdict(set)
        for term, postings in self._postings.items():
            topics[term].update(self._sections[i].topic for i in postings)
        total = len({section.topic for section in self._sections}) or 1
        return {term: FUNCTION_WORD_WEIGHT if term in STOPWORDS else math.log(1 + total / len(found))
                for term, found in topics.items()}

    def match(self, alternatives: Sequence[str]) -> Match:
        """Match an utterance given as the recognizer's guesses, best first (or one typed question)."""
        matches = [self._match_one(heard) for heard in alternatives[:MAX_ALTERNATIVES]]
        if not matches:
            return Match(MatchKind.NO_MATCH)

        def merit(ranked: tuple[int, Match]) -> tuple[bool, float]:
            rank, match = ranked
            return match.kind is not MatchKind.NO_MATCH, match.score - rank * ALTERNATIVE_PENALTY

        if self._names_other_subject(words(alternatives[0])) or _clear_answer(matches[0]):
            return matches[0]
        rank, best = max(enumerate(matches), key=merit)
        if len(matches) > 1 and best.kind in (MatchKind.ANSWER, MatchKind.COMMAND) and not _heard_surely(
                best, rank, matches):
            pointed = sum(match.kind is not MatchKind.NO_MATCH for match in matches) / len(matches)
            return replace(best, kind=MatchKind.NO_MATCH, section=None, command=None, uncertain=pointed >= 0.5)
        return best

    def _match_one(self, heard: str) -> Match:
        tokens = words(heard)
        command = self._command(tokens)
        if command:
            return command
        if self._names_other_subject(tokens):
            return Match(MatchKind.NO_MATCH, heard=heard)
        scores = self.score_sections(tokens)
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:4]
        alternatives = tuple(Candidate(self._sections[i].id, round(score, 1)) for i, score in ranked)
        return _decide(alternatives, heard)

    def _names_other_subject(self, tokens: list[str]) -> bool:
        """The question names an illness or health subject the content does not cover (see other_subjects)."""
        terms = _terms(tokens)
        if sum(term not in STOPWORDS for term in terms) > OTHER_SUBJECT_MAX_WORDS:
            return False
        return any(terms[start:start + len(subject)] == subject
                   for start, term in enumerate(terms) for subject in self._other_subjects.get(term, ()))

    def _command(self, tokens: list[str]) -> Match | None:
        """A command said alone, or wrapped in words that are not about anything in the content
        ("could you speak a bit slower please"), but not "tell me more about breathing"."""
        utterance = _without_politeness(" ".join(tokens))
        said = utterance.split()
        if not said or len(said) > 8:
            return None
        found = process.extractOne(utterance, self._command_phrases, scorer=fuzz.ratio, score_cutoff=COMMAND_MIN)
        if found is None:
            said_in_phrases = self._one_command_said_in_phrases(said)
            if said_in_phrases:
                return Match(MatchKind.COMMAND, command=said_in_phrases, score=100.0, heard=" ".join(tokens))
            wrapped = process.extract(utterance, self._command_phrases, scorer=fuzz.token_set_ratio,
                                      score_cutoff=COMMAND_MIN, limit=8)
            found = next((f for f in wrapped if _wraps_command(said, f[0].split())), None)
            if found is None:
                return None
        return Match(MatchKind.COMMAND, command=self._commands[found[0]], score=round(found[1], 1),
                     heard=" ".join(tokens))

    def _one_command_said_in_phrases(self, said: list[str]) -> Command | None:
        """The utterance is several ways of saying one command, with small words between them ("nope, not
        that", "carry on, what else"): that command. Longest phrase first at each word."""
        found: set[Command] = set()
        index = 0
        while index < len(said):
            phrase = _phrase_at(self._command_index, said, index)
            if phrase:
                found.add(self._commands[" ".join(phrase)])
                index += len(phrase)
            elif said[index] in STOPWORDS:
                index += 1
            else:
                return None
        return found.pop() if len(found) == 1 else None

    def score_sections(self, tokens: Iterable[str]) -> dict[int, float]:
        """Score (0-100) of every section that shares at least one word with the question."""
        terms = self._in_content_words(self._join_split_words(_terms(tokens)))
        content = sum(term not in STOPWORDS for term in terms)
        if not content:
            return {}
        hits = [self._similar_terms(term) for term in terms]
        weights = [self._weight(term, hit, content) for term, hit in zip(terms, hits, strict=True)]
        for position in _subject_positions(terms):
            if not hits[position] and terms[position] not in STOPWORDS:
                weights[position] = UNKNOWN_WORD_WEIGHT * FOREIGN_SUBJECT_FACTOR
        unknown = sum(w for term, hit, w in zip(terms, hits, weights, strict=True)
                      if not hit and term not in STOPWORDS and term not in PEOPLE)
        known = sum(w for hit, w in zip(hits, weights, strict=True) if hit)
        explained: dict[int, float] = defaultdict(float)
        for hit, weight in zip(hits, weights, strict=True):
            for section, credit in self._best_credit(hit).items():
                explained[section] += weight * credit
        phrase_recall, whole_phrase = self._phrase_recall(hits)
        scores = {}
        for section, evidence in explained.items():
            against = unknown + OTHER_SECTION_WEIGHT * (known - evidence)
            recall = phrase_recall.get(section, 0.0)
            certainty = 1 - math.exp(-(evidence + PHRASE_EVIDENCE * (section in whole_phrase)) / EVIDENCE_SCALE)
            fit = evidence / (evidence + against)
            scores[section] = 100 * fit ** FIT_POWER * certainty ** (1 - FIT_POWER) * (
                0.55 + 0.45 * recall)
        return scores

    def _in_content_words(self, terms: list[str]) -> list[str]:
        """Lay words the content does not use in the content's own words: "so skinny" → "so thin"."""
        said: list[str] = []
        index = 0
        while index < len(terms):
            lay = _phrase_at(self._lay_index, terms, index)
            if lay and not all(term in self._postings for term in lay if term not in STOPWORDS):
                said += self._standard_terms[lay]
                index += len(lay)
            else:
                said.append(terms[index])
                index += 1
        return said

    def _join_split_words(self, terms: list[str]) -> list[str]:
        """Join neighbours a recognizer split: "real you zole" → riluzole, "a less" → als, when the joined
        sound is a content word, one of the pieces is no word of the content at all, and at most one is a small
        word (else "is the weather" would sound like "history")."""
        joined: list[str] = []
        index = 0
        while index < len(terms):
            for size in (3, 2):
                window = terms[index:index + size]
                target = self._word_sounding_like("".join(window)) if len(window) == size else None
                if target and any(term not in self._postings for term in window) and sum(
                        term in STOPWORDS for term in window) <= 1:
                    joined.append(target)
                    index += size
                    break
            else:
                joined.append(terms[index])
                index += 1
        return joined

    def _word_sounding_like(self, text: str) -> str | None:
        key = sound_key(text)
        if len(key) >= 3 and key in self._by_sound and fuzz.ratio(text, self._by_sound[key]) >= JOIN_SPELLING_MIN:
            return self._by_sound[key]
        if len(text) >= 7:
            found = process.extractOne(text, self._long_words, scorer=fuzz.ratio, score_cutoff=88)
            return found[0] if found else None
        return None

    def _weight(self, term: str, hit: dict[str, float], content_words: int) -> float:
        if term in STOPWORDS:
            return FUNCTION_WORD_WEIGHT
        if term in PEOPLE:
            return MIN_KNOWN_WEIGHT if hit else FUNCTION_WORD_WEIGHT
        if not hit:
            return UNKNOWN_WORD_WEIGHT * min(1.0, TOPIC_WORDS / content_words)
        return max(MIN_KNOWN_WEIGHT, *(self._weights[found] for found in hit))

    def _similar_terms(self, term: str) -> dict[str, float]:
        """Content words that are this word, or close to it in spelling or in sound, with a similarity 0-1."""
        if term in self._postings:
            return {term: 1.0}
        if len(term) < 4 or term in STOPWORDS:
            return {}
        similar: dict[str, float] = {}
        for found, score, _ in process.extract(term, self._content_words, scorer=fuzz.ratio,
                                               score_cutoff=FUZZY_MIN, limit=5):
            similar[found] = score / 100
        key = sound_key(term)
        if len(key) >= 3:
            for _, score, position in process.extract(key, self._content_keys, scorer=fuzz.ratio,
                                                      score_cutoff=90, limit=5):
                found = self._content_words[position]
                similar[found] = max(similar.get(found, 0.0), 0.9 * score / 100)
        return similar

    def _best_credit(self, hit: dict[str, float]) -> dict[int, float]:
        credit: dict[int, float] = {}
        for term, similarity in hit.items():
            for section, weight in self._postings[term].items():
                credit[section] = max(credit.get(section, 0.0), similarity * weight)
        return credit

    def _phrase_recall(self, hits: list[dict[str, float]]) -> tuple[dict[int, float], set[int]]:
        """Per section, the largest weighted share of one of its phrases that the question contains, and
        the sections one of whose phrases of several words the question contains whole."""
        heard: dict[str, float] = {}
        for hit in hits:
            for term, similarity in hit.items():
                heard[term] = max(heard.get(term, 0.0), similarity)
        recall: dict[int, float] = {}
        whole: set[int] = set()
        touched = {index for term in heard for index in self._phrases_by_term.get(term, ())}
        for index in touched:
            phrase = self._phrases[index]
            weights = [self._weights[term] for term in phrase.terms]
            share = sum(w * heard.get(t, 0.0) for w, t in zip(weights, phrase.terms, strict=True)) / sum(weights)
            recall[phrase.section] = max(recall.get(phrase.section, 0.0), share)
            if share >= WHOLE_PHRASE and len(phrase.terms) > 1:
                whole.add(phrase.section)
        return recall, whole


def _standard_terms_of_lay_words(known: Container[str]) -> dict[tuple[str, ...], list[str]]:
    """Each lay word or phrase (as terms) → the terms of its first standard wording whose words are all
    ``known``; lay words with none are left out."""
    standard_terms: dict[tuple[str, ...], list[str]] = {}
    for lay, standards in LAY_WORDS.items():
        lay_terms = tuple(_terms(words(lay)))
        for standard in standards:
            terms = _terms(words(standard))
            content = [term for term in terms if term not in STOPWORDS]
            if lay_terms and content and all(term in known for term in content):
                standard_terms[lay_terms] = terms
                break
    return standard_terms


_PhraseIndex = dict[str, list[tuple[str, ...]]]
"""Phrases (as words) by their first word, longest first."""


def _by_first_word(phrases: Iterable[tuple[str, ...]]) -> _PhraseIndex:
    index: _PhraseIndex = defaultdict(list)
    for phrase in sorted(phrases, key=len, reverse=True):
        index[phrase[0]].append(phrase)
    return index


def _phrase_at(index: _PhraseIndex, words_said: Sequence[str], start: int) -> tuple[str, ...] | None:
    """The longest phrase of ``index`` that the words say from ``start`` on, if any."""
    return next((phrase for phrase in index.get(words_said[start], ())
                 if tuple(words_said[start:start + len(phrase)]) == phrase), None)


def _terms(tokens: Iterable[str]) -> list[str]:
    """The words that matching looks at: fillers dropped, content words stemmed."""
    return [token if token in STOPWORDS else stem(token) for token in tokens if token not in FILLERS]


_POLITENESS = frozenset({"can", "could", "would", "will", "you", "youre", "a", "bit", "little", "its", "thats",
                         "is", "be", "just", "now", "sorry"})
"""Words that wrap a command without changing it ("could you speak a bit slower")."""

def _wraps_command(said: list[str], phrase: list[str]) -> bool:
    """The utterance is the whole command phrase plus only small words ("what topics do you know about"):
    "the" or "up" alone is not "turn up the volume", nor "time" alone "one more time"."""
    extra = set(said) - set(phrase)
    return (any(word not in STOPWORDS for word in phrase) and all(word in STOPWORDS for word in extra)
            and set(phrase) <= set(said))


def _without_politeness(text: str) -> str:
    return " ".join(word for word in text.split() if word not in FILLERS and word not in _POLITENESS)


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


def _heard_surely(best: Match, rank: int, matches: list[Match]) -> bool:
    """Several recognizer guesses: a misheard question comes out as different words each time, a
    well-heard one as variations of the same question, so a choice most guesses agree on is read out. (A best
    guess that matches clearly was already taken in ``match``.)"""
    if best.kind is MatchKind.COMMAND and rank <= COMMAND_RANK_MAX:
        return True
    agreeing = sum(_choice(match) == _choice(best) for match in matches if match.kind is not MatchKind.NO_MATCH)
    if agreeing == len(matches):
        return True  # every guess leads to the same answer: what the recognizer is unsure of does not matter
    return agreeing / len(matches) >= SPOKEN_AGREEMENT and best.score >= SPOKEN_ANSWER_MIN


def _clear_answer(match: Match) -> bool:
    """The recognizer's best guess answers clearly: taken as heard, whatever the lower guesses sound like
    ("als what is" is not "what else" because a lower guess was "else what is")."""
    return match.kind is MatchKind.ANSWER and match.score >= CLEAR_SCORE


def _choice(match: Match) -> str | None:
    if match.kind is MatchKind.COMMAND:
        return match.command
    return match.alternatives[0].section if match.alternatives else None


def _decide(alternatives: tuple[Candidate, ...], heard: str) -> Match:
    if not alternatives or alternatives[0].score < ANSWER_MIN:
        score = alternatives[0].score if alternatives else 0.0
        return Match(MatchKind.NO_MATCH, score=score, alternatives=alternatives, heard=heard)
    first = _most_specific(alternatives)
    rival = next((c for c in alternatives if c.section != first.section and not _related(c.section, first.section)),
                 None)
    if rival and rival.score >= ANSWER_MIN and first.score - rival.score < CLARIFY_MARGIN:
        return Match(MatchKind.CLARIFY, score=first.score, alternatives=(first, rival), heard=heard)
    ranked = (first, *(candidate for candidate in alternatives if candidate is not first))
    return Match(MatchKind.ANSWER, section=first.section, score=first.score, alternatives=ranked, heard=heard)


def _most_specific(alternatives: tuple[Candidate, ...]) -> Candidate:
    """The best section, or one of its own parts scoring almost as well: "will physical therapy help" is
    better answered by the part on physical therapy than by the overview of all treatments."""
    first = alternatives[0]
    return next((c for c in alternatives[1:] if c.section.startswith(first.section + "/")
                 and first.score - c.score < CLARIFY_MARGIN), first)


def _related(one: str, other: str) -> bool:
    """A section and its own part: choosing between them needs no question back."""
    return one.startswith(other + "/") or other.startswith(one + "/")
