"""Stage 2, spot a command: a command said alone, wrapped in words that are not about anything in the content
("could you speak a bit slower please"), or said as several of its phrases ("nope, not that"), but not
"tell me more about breathing"."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from voice_assist.commands import COMMAND_PHRASES, Command
from voice_assist.match.phrase_index import by_first_word, phrase_at
from voice_assist.match.trace import CommandPhrase, CommandPhrases
from voice_assist.match.tuning import MatcherTuning
from voice_assist.text import FILLERS, STOPWORDS

CLOSERS = FILLERS | frozenset({"now", "a", "bit", "little", "you", "that", "it", "this", "again", "of", "on",
                                "still", "then", "is", "was", "isnt", "not"})
"""The only words that may follow a one-word command: a caregiver says "stop that", "repeat it", "more of that",
"louder again", "slower a bit", "yes it is". Sound that the recognizer bends into a command word often comes out
with other words after it: the other voices' neighbours of scripts/bench_examples.py (tune part) heard as "topics
will" (said "topical"), "faster than like", "repeat in" (said "repeated"), taken before this rule, are not; "quieter
again" (said "quite a bit") still is, as "again" closes a real command too. Of the 80 commands of
bench_recognition's tuning and more sets taken rightly, one is lost ("nope, not that" heard as "nope know it
that", slow with pauses); a longer command may be followed by any small words ("speak up of it", said "speak up a
bit")."""

_POLITENESS = frozenset({"can", "could", "would", "will", "you", "youre", "a", "bit", "little", "its", "thats",
                         "is", "be", "just", "now", "sorry"})
"""Words that wrap a command without changing it ("could you speak a bit slower"), left out at either end of
the utterance and of a command phrase. Within a phrase they stay: "what can you do" without them was "what do",
and "what do you" (what the recognizer made of "yesterday" and of a German sentence on the tuning split of the
off-topic speech set) was taken for it. Left out only at the ends, 21 clips of that split taken as a command
became 16, with none of the typed commands of questions.csv and more_questions.csv lost."""


class CommandSpotter:
    def __init__(self, tuning: MatcherTuning) -> None:
        self._tuning = tuning
        self._commands = {_without_politeness(phrase): command for phrase, command in COMMAND_PHRASES.items()}
        self._phrases = list(self._commands)
        self._index = by_first_word(tuple(phrase.split()) for phrase in self._commands if phrase)

    def spot(self, tokens: Sequence[str]) -> CommandPhrase | CommandPhrases | None:
        """The command the words say, and how; None for a question (or nothing)."""
        utterance = _without_politeness(" ".join(tokens))
        said = utterance.split()
        tuning = self._tuning
        if not said or len(said) > tuning.command_max_words:
            return None
        spotted = self._spotted(utterance, said)
        if spotted is None or _trails_off(tokens, spotted, tuning.command_min):
            return None
        return spotted

    def _spotted(self, utterance: str, said: list[str]) -> CommandPhrase | CommandPhrases | None:
        tuning = self._tuning
        found = process.extractOne(utterance, self._phrases, scorer=fuzz.ratio, score_cutoff=tuning.command_min)
        if found is not None:
            return CommandPhrase(self._commands[found[0]], found[0], round(found[1], 1), wrapped=False)
        in_phrases = self._one_command_said_in_phrases(said)
        if in_phrases:
            return in_phrases
        wrapped = process.extract(utterance, self._phrases, scorer=fuzz.token_set_ratio,
                                  score_cutoff=tuning.command_min, limit=tuning.wrapped_command_candidates)
        found = next((f for f in wrapped if _wraps_command(said, f[0].split())), None)
        if found is None:
            return None
        return CommandPhrase(self._commands[found[0]], found[0], round(found[1], 1), wrapped=True)

    def _one_command_said_in_phrases(self, said: list[str]) -> CommandPhrases | None:
        """The utterance is several ways of saying one command, with small words between them ("nope, not
        that", "carry on, what else"): that command. Longest phrase first at each word."""
        found: set[Command] = set()
        phrases: list[str] = []
        index = 0
        while index < len(said):
            phrase = phrase_at(self._index, said, index)
            if phrase:
                phrases.append(" ".join(phrase))
                found.add(self._commands[phrases[-1]])
                index += len(phrase)
            elif said[index] in STOPWORDS:
                index += 1
            else:
                return None
        if len(found) != 1:
            return None
        return CommandPhrases(found.pop(), tuple(phrases), self._tuning.command_in_phrases_score)


def _trails_off(tokens: Sequence[str], spotted: CommandPhrase | CommandPhrases, close_enough: float) -> bool:
    """A one-word command (the last of several said) followed by words that are not ``CLOSERS``: "topics
    will", "faster than". The last word said before the closers must be the command word itself (or close
    to it in spelling, as the matcher allows: "lower" for "slower")."""
    last_phrase = spotted.phrases[-1] if isinstance(spotted, CommandPhrases) else spotted.phrase
    if len(last_phrase.split()) != 1:
        return False
    words = list(tokens)
    while words and words[-1] in CLOSERS:
        words.pop()
    return not words or fuzz.ratio(words[-1], last_phrase) < close_enough


def _wraps_command(said: list[str], phrase: list[str]) -> bool:
    """The utterance is the whole command phrase plus only small words ("what topics do you know about"):
    "the" or "up" alone is not "turn up the volume", nor "time" alone "one more time". Words about the speaker
    ("my", "me") make it a question about them: "is my voice normal" is not "normal voice"."""
    extra = set(said) - set(phrase)
    return (any(word not in STOPWORDS for word in phrase) and all(word in STOPWORDS for word in extra)
            and not extra & _ABOUT_THE_SPEAKER and set(phrase) <= set(said))


_ABOUT_THE_SPEAKER = frozenset({"my", "me", "mine", "myself"})


def _without_politeness(text: str) -> str:
    said = [word for word in text.split() if word not in FILLERS]
    while said and said[0] in _POLITENESS:
        said.pop(0)
    while said and said[-1] in _POLITENESS:
        said.pop()
    return " ".join(said)
