"""How sure to be of what was heard, from the recognizer's own word posteriors (issue #14).

The recognizer is biased to the factsheet's words, so it bends any sound into them; the words it bends
sound into are the ones it is least sure of. Of the signals measured (scripts/bench_confidence.py, on tuning
material only: the off-topic set's tuning split and bench_recognition's "tuning" and "more" sets), these
separated best:

- the mean posterior of the best guess's content words (stop words left out): the recognizer's own
  probability, over the other words it considered for the same stretch of sound, that each word is right;
- the number of words: a lone word has no neighbours to compete with in the recognizer's lattice, so its
  posterior is often 1.0 whatever the sound was;
- the matcher's score: words made of other sound seldom come out as a whole way of asking the factsheet.

Words per voiced second, the lowest word posterior, the whole-guess posterior and agreement between the
n-best guesses separated less and are not used.

Replies follow three tiers: sure, answer; plausible, ask "Do you mean ...?" (one word confirms); otherwise
"Sorry, I didn't catch that". Commands that change something need more than light ones (repeat, yes, no):
plausible, they are offered ("Did you say slower?", yes does it);
"stop" and the call for help are always taken (a wrong stop costs a silence; a missed call for help costs far more).

One signal comes from the sound itself (``voicing.py``): words made of a sound with neither a voice's pitch nor
a whisper's articulation (breathing) are not caught, whatever their posteriors. On the off-topic set's held-out
split it took the section reads from 6 to 4 of 239 (both breathing clips) and changed nothing for 2,005 spoken
in-domain questions (bench_recognition's held-out and unseen sets).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

from voice_assist.commands import ALWAYS_TAKEN, Command
from voice_assist.match.form import question_form
from voice_assist.match.result import Match, MatchKind
from voice_assist.text import STOPWORDS
from voice_assist.voicing import SpeechSound

SURE_ANSWER = 0.6
"""Mean content-word posterior from which a question of two words or more is answered without asking. On the
tuning material (371 off-topic clips of which the matcher answered 44 from a section; 366 in-domain questions
answered from the right section) this rule as a whole (with SURE_WITH_CLOSE_MATCH and SURE_ANSWER_WORDS counting all
words) let 6 off-topic clips be read (1.6 % of 371) and made 69 of the 366 right answers confirmations. 0.5 let
10 be read, 0.7 made 90 confirmations. With SURE_ANSWER_WORDS counting content words (scripts/bench_confidence.py
on the tuning, more and off-topic tuning transcripts): 1 off-topic clip read (0.3 %); of 466 right answers
(tuning and more sets, confirmed ones counted), 125 confirmations (before: 463 and 87)."""

SURE_WITH_CLOSE_MATCH = 0.35
"""Mean content-word posterior that is enough when the words are also close to a way of asking the
factsheet (matcher score at least CLOSE_MATCH_SCORE): the words the recognizer made of other sound seldom come
out as a whole question. Without it, 16 instead of 8 of 126 right answers on the tuning voices were
confirmations, at the same 6 off-topic clips read; through the live loop (PulseAudio, adapted recognizer) a
clean "will I need a feeding tube" came out at 0.44."""

CLOSE_MATCH_SCORE = 85.0
"""Matcher score (0-100) from which the words are a close match: off-topic clips that were answered scored
73-82 (20th-80th percentile), right answers 82-98."""

SURE_ANSWER_WORDS = 2
"""Fewest content words (stop words left out) heard for an answer without asking. A lone word has nothing to
compete with in the recognizer's lattice, so its posterior is often 1.0 whatever the sound (a clap heard as
"fed", "shrimp" as "shrink"); 9 of the 14 most confident off-topic clips read out were one word. A lone content
word among small words is no better: 5 of the 6 off-topic clips of the tuning split still read out with the
rule counting all words were one ("you the body", "you it get what are the als", "will it get to or dad"), and
so was "overview again is" (said "overview of the news" by another voice, bench_examples.py). Counting content
words made 34 more of the 366 right answers of the tuning material confirmations ("what is riluzole", "what
causes it") and 4 wrong ones too. A question said as one and little else is the exception (SURE_ONE_WORD_QUESTION)."""

SURE_ONE_WORD_QUESTION = 0.9
"""Mean content-word posterior from which a question about one content word is answered without asking after
all, when it is said as a question and little else: the words that give its form ("what is", "what causes",
"how do I stop"), the one content word and at most COMPACT_QUESTION_EXTRA_WORDS more ("what is riluzole", "what
is an electromyogram"). On the tuning material (bench_recognition's tuning and more sets, the off-topic set's
tuning split: 128 in-domain and 37 off-topic answers confirmed) that read 12 right answers without asking, and
no wrong or off-topic one; at 0.8, 13. Without the form the off-topic clip "you it get what are the have als"
(said: "the music next door was louder than ever") was read, and "what is it us on als the" (said: "is there a
cure for als") read Overview: both have more words besides."""

COMPACT_QUESTION_EXTRA_WORDS = 1
"""Words besides the form's and the content word that a question of one content word may have to be read
without asking (SURE_ONE_WORD_QUESTION): "an" in "what is an electromyogram". 0 read 7 of those 12, 2 no more."""

PLAUSIBLE = 0.1
"""Mean content-word posterior below which the words are taken as a sound made into words: "Sorry, I didn't
catch that" instead of a question back. On the tuning material: 7 of the 44 off-topic clips answered, 4 of
the 366 right answers (1.1 %) and 1 of 41 light commands fall below it (0.05: 3, 2 and 1)."""

SURE_CHANGE = 0.2
"""Mean content-word posterior from which a command that changes something is taken (louder, faster,
topics, scanning, forgetting the history); light commands need PLAUSIBLE, "stop" nothing. On the tuning
material none of the 39 such commands said fell below it (the lowest, a "slower", was at 0.20) and 2 of the 9
off-topic clips taken as one were refused (no setting was changed by off-topic sound even before; most were
"topics"). Through the live loop, a clean "slower" came out at 0.28 and 0.50: posteriors there run lower
than on the benchmarks' files, and once (CI, a clean "slower" at 0.19) below it: a plausible command that would
change something is therefore offered for a one-word "yes" ("Did you say slower?"), not refused. 0.8 would
lose 14 of the 39."""

LIGHT_COMMANDS = frozenset({Command.REPEAT, Command.MORE, Command.YES, Command.NO, Command.FROM_START})
"""Commands that change nothing (they read or answer a question back): taken when plausible."""


class Certainty(StrEnum):
    SURE = "sure"
    PLAUSIBLE = "plausible"
    NOT_CAUGHT = "not caught"


def content_confidence(best_guess: str, word_confidences: Sequence[float]) -> float:
    """The mean posterior of the best guess's content words (of all its words when it has none, or when the
    confidences are not those of its last words). The confidences may be of its last words only: the rest of
    a question whose first half was heard before."""
    said = best_guess.split()[-len(word_confidences):]
    if len(said) != len(word_confidences):
        return statistics.mean(word_confidences)
    content = [confidence for word, confidence in zip(said, word_confidences, strict=True) if word not in STOPWORDS]
    return statistics.mean(content or word_confidences)


def certainty(best_guess: str, word_confidences: Sequence[float], *, match_score: float = 0.0,
              sure_at: float = SURE_ANSWER, content_words: int = 0, matched: str = "") -> Certainty:
    """How sure to be of the best guess, from its words' posteriors and how closely they match; never sure
    of a guess ``matched`` (the best guess when "") with no words, or fewer than ``content_words`` different
    content words."""
    confidence = content_confidence(best_guess, word_confidences)
    if confidence < PLAUSIBLE:
        return Certainty.NOT_CAUGHT
    close = match_score >= CLOSE_MATCH_SCORE and confidence >= min(sure_at, SURE_WITH_CLOSE_MATCH)
    if (confidence >= sure_at or close) and _holds(matched or best_guess, content_words):
        return Certainty.SURE
    return Certainty.PLAUSIBLE


def _holds(guess: str, content_words: int) -> bool:
    """The guess has words, and at least ``content_words`` different content words ("help for help for": 1)."""
    words = guess.split()
    return bool(words) and len({word for word in words if word not in STOPWORDS}) >= content_words


def described(best_guess: str, word_confidences: Sequence[float]) -> str:
    """The confidence for the turn's log line: "confidence 0.74"."""
    if not word_confidences:
        return "no confidence given"
    return f"confidence {content_confidence(best_guess, word_confidences):.2f}"


def tiered(match: Match, best_guess: str, word_confidences: Sequence[float], *, sure_at: float = SURE_ANSWER,
           sound: SpeechSound | None = None) -> Match:
    """The match as the confidence allows: unchanged when sure (or when the recognizer gave no confidences);
    an answer offered for confirmation when plausible; "not caught" (``uncertain``) otherwise. ``sure_at``:
    another SURE_ANSWER, for the benchmarks' trade-off curves. Words made of a ``sound`` with nothing of speech
    in it (breathing) are not caught, whatever their confidence, unless they are a command always taken."""
    if sound is not None and not sound.could_be_speech and not _always_taken(match):
        return _not_caught(match, f"no voice or speech sound was in it ({sound}; breathing?)")
    if not word_confidences:
        return match
    if match.kind is MatchKind.COMMAND:
        return _tiered_command(match, best_guess, word_confidences)
    content_words = SURE_ANSWER_WORDS
    if _asked_compactly(match.heard) and content_confidence(best_guess, word_confidences) >= SURE_ONE_WORD_QUESTION:
        content_words = 1
    tier = certainty(best_guess, word_confidences, match_score=match.score, sure_at=sure_at,
                     content_words=content_words, matched=match.heard)
    if tier is Certainty.NOT_CAUGHT:
        return _not_caught(match, _too_unsure(best_guess, word_confidences))
    if tier is Certainty.PLAUSIBLE and match.kind is MatchKind.ANSWER:
        why = (f"the recognizer's {described(best_guess, word_confidences)}; an answer is read without asking "
               f"from {sure_at} ({SURE_WITH_CLOSE_MATCH} when the words are close to a way of asking), and only for "
               f"{SURE_ANSWER_WORDS} different content words or more")
        return replace(match, kind=MatchKind.NO_MATCH, section=None, confirm=match.section, held_back=why)
    return match


def _asked_compactly(heard: str) -> bool:
    """The words ask a question of a known form about one content word, with little else ("what is riluzole")."""
    said = heard.split()
    form = question_form(said)
    rest = [word for word in said if word not in form.cues]
    content = {word for word in rest if word not in STOPWORDS}
    return form.form is not None and len(content) == 1 and len(rest) - 1 <= COMPACT_QUESTION_EXTRA_WORDS


def _always_taken(match: Match) -> bool:
    return match.kind is MatchKind.COMMAND and Command(match.command or "") in ALWAYS_TAKEN


def _tiered_command(match: Match, best_guess: str, word_confidences: Sequence[float]) -> Match:
    if _always_taken(match):
        return match
    command = Command(match.command or "")
    tier = certainty(best_guess, word_confidences, sure_at=SURE_CHANGE)
    if tier is Certainty.SURE:
        return match
    if command in LIGHT_COMMANDS and tier is Certainty.PLAUSIBLE:
        return replace(match, taken_unsure=True)
    if tier is Certainty.PLAUSIBLE:
        why = (f"the recognizer's {described(best_guess, word_confidences)}; a command that changes something is "
               f"taken from {SURE_CHANGE}")
        return replace(match, kind=MatchKind.NO_MATCH, command=None, offered_command=command, held_back=why)
    return _not_caught(match, _too_unsure(best_guess, word_confidences))


def _too_unsure(best_guess: str, word_confidences: Sequence[float]) -> str:
    return (f"the recognizer's {described(best_guess, word_confidences)}: under {PLAUSIBLE} they are taken as a "
            "sound made into words")


def _not_caught(match: Match, why: str) -> Match:
    return replace(match, kind=MatchKind.NO_MATCH, section=None, command=None, confirm=None, offered_command=None,
                   uncertain=True, held_back=why)
