"""Why the assistant answered what it did, in plain words for a caregiver: a match and its trace → lines.

Pure functions of the match and the library (for section titles), shared by ``voice-assist ask --explain`` and
any caregiver view. The evidence lines need a match from ``Matcher.explain`` (or ``match(..., explain=True)``);
without it the decision is still explained.
"""

from __future__ import annotations

from collections.abc import Iterable

from voice_assist.content import Library
from voice_assist.match import Match, MatchKind
from voice_assist.match.trace import (
    Answered,
    BelowMinimum,
    ClearFirstGuess,
    CommandInTopGuesses,
    CommandPhrase,
    CommandPhrases,
    FirstGuessNamesOtherIllness,
    GuessesAgree,
    GuessesDisagree,
    GuessReason,
    MatchTrace,
    OtherIllness,
    PhraseEvidence,
    Reason,
    TooClose,
    WordEvidence,
)
from voice_assist.text import STOPWORDS

_SOURCES = {"ask": "the Ask: line", "title": "the title", "text": "the text", "parent": "the title above it,"}


def explain(match: Match, library: Library) -> list[str]:
    """Lines saying what was decided about one utterance, and why."""
    lines = [_headline(match, library)]
    if match.held_back:
        lines.append(f"Why: {match.held_back}.")
    trace = match.trace
    if trace is None:
        return lines
    if match.held_back:
        lines.append("The words alone would have led to this:")
    lines += [f'Read "{" ".join(rewrite.said)}" as "{" ".join(rewrite.read_as)}" ({rewrite.why}).'
              for rewrite in trace.rewrites]
    lines += _decision(trace.decision, match, library)
    lines += _form_and_passage(match)
    lines += _guesses(trace, library)
    return lines


def _form_and_passage(match: Match) -> list[str]:
    """What the question asks for, and where in the section reading starts, and why."""
    trace = match.trace
    if trace is None or match.kind not in (MatchKind.ANSWER, MatchKind.CLARIFY):
        return []
    lines = []
    if trace.form:
        boosted = [c for c in match.alternatives if c.boost]
        moved = f"; sections asked that way that have its topic words count {boosted[0].boost:.0f} more" \
            if boosted else ""
        lines.append(f"It asks {trace.form}{moved}.")
    choice = trace.passage
    if choice is None:
        return lines
    found = _quoted(choice.words, "and") if choice.words else ""
    if choice.at_beginning and choice.score < choice.minimum:
        lines.append("Reads from the beginning: the question is about the section as a whole (no passage has its "
                     f"words more than the others{', ' + found + ' ' + f'{choice.score:.1f}' if found else ''}; "
                     f"a passage needs {choice.minimum:g}).")
    elif choice.at_beginning:
        lines.append(f"Reads from the beginning: the first passage has {found} ({choice.score:.1f}).")
    else:
        where = "the list item" if choice.item is not None else "the passage"
        lines.append(f'Starts at {where} "{choice.opening}...": it has {found}, which the section\'s other passages '
                     f"have less ({choice.score:.1f}, at least {choice.minimum:g}). \"From the start\" reads it all.")
    if choice.asked_beside:
        verb = "is" if len(choice.asked_beside) == 1 else "are"
        lines.append(f"{_quoted(choice.asked_beside, 'and')} {verb} asked beside those words on one of the section's "
                     "Ask: lines.")
    return lines


def _headline(match: Match, library: Library) -> str:
    if match.kind is MatchKind.ANSWER and match.section:
        return f"Answer from {library.spoken_title(match.section)} [{match.section}] (score {match.score:.0f})."
    if match.kind is MatchKind.COMMAND:
        return f"Command: {match.command} (score {match.score:.0f})."
    if match.kind is MatchKind.CLARIFY:
        return f"Asks which one: {_listed([library.spoken_title(c.section) for c in match.alternatives], 'or')}."
    if not match.heard.strip():
        return "Nothing was heard."
    if match.confirm:
        return f"Not sure: it asks \"Do you mean {library.spoken_title(match.confirm)}?\" (yes reads it)."
    if match.offered_command:
        return f"Not sure enough to change something: it asks \"Did you say {match.offered_command}?\" (yes does it)."
    if match.uncertain:
        return "Not caught: it asks to say it again."
    return "Not answered: \"I don't have that in my factsheet.\""


def _decision(reason: Reason, match: Match, library: Library) -> list[str]:
    trace = match.trace
    match reason:
        case GuessReason():
            return _guess_decision(reason, match, library)
        case CommandPhrase(command=command, phrase=phrase, score=score, wrapped=wrapped):
            among = ", said among small words" if wrapped else ""
            return [f'Why: "{phrase}" is a way of saying {command} (match {score:.0f}{among}).']
        case CommandPhrases(command=command, phrases=phrases):
            return [f"Why: {_quoted(phrases, 'and')} each say {command}."]
        case OtherIllness(illness=illness):
            return [f"Why: it names another illness, {illness}, which the factsheet does not cover."]
        case BelowMinimum(best=best, minimum=minimum):
            return [f"Why: the closest section, {library.spoken_title(best.section)}, scored {best.base:.0f}; "
                    f"it answers only from {minimum:.0f}.", *_unknown(trace), *_considered(match, library, 1)]
        case TooClose(first=first, rival=rival):
            return [f"Why: {library.spoken_title(first.section)} and {library.spoken_title(rival.section)} "
                    f"scored {first.score:.0f} and {rival.score:.0f}: too close to choose, so it asks."]
        case Answered():
            return [*_evidence(match, library), *_sure(reason, library), *_considered(match, library, 1)]
    return _nothing_to_look_up(match)


def _nothing_to_look_up(match: Match) -> list[str]:
    if not match.heard.strip():
        return []
    if match.trace and match.trace.unknown_words:
        return ["Why: no section of the factsheet has any of its words.", *_unknown(match.trace)]
    return ["Why: it has only small words (such as \"um\", \"what\", \"is\"), none that a section could answer."]


def _sure(reason: Answered, library: Library) -> list[str]:
    best, rival, minimum = reason.best, reason.rival, reason.minimum
    said = f"Sure enough: {best.base:.0f} is at least the answer minimum {minimum:.0f}"
    if best.boost:
        said = (f"Sure enough: a section reaches the answer minimum {minimum:.0f} on the question's words, and this "
                f"one scores {best.score:.0f} with its form ({best.base:.0f} + {best.boost:.0f})")
    if rival and rival.base >= minimum:
        said += (f", and the next other section, {library.spoken_title(rival.section)} ({rival.score:.0f}), "
                 f"is {best.score - rival.score:.0f} behind.")
    else:
        said += ", and no other section reaches it."
    if reason.broader:
        broader = reason.broader
        said += (f" {library.spoken_title(broader.section)} scored {broader.score:.0f}, but this part of it is "
                 "almost as good and more specific.")
    return [said]


def _evidence(match: Match, library: Library) -> list[str]:
    evidence = match.trace.evidence if match.trace else None
    chosen = next((s for s in evidence.sections if s.section == match.section), None) if evidence else None
    if chosen is None:
        return []
    name = library.spoken_title(chosen.section)
    words = [word for word in chosen.words if word.said not in STOPWORDS]
    phrase = chosen.phrase
    in_phrase = [word for word in words if phrase and word.where == phrase.phrase]
    lines = [_phrase_line(phrase, in_phrase, name)] if phrase and in_phrase else []
    elsewhere = [word for word in words if word not in in_phrase]
    if elsewhere:
        found = ", ".join(_word(word) for word in elsewhere)
        lines.append(f"{'Also' if lines else 'Why: words'} in {name}: {found}.")
    return lines + _unknown(match.trace)


def _phrase_line(phrase: PhraseEvidence, words: list[WordEvidence], name: str) -> str:
    amount = "all of it" if phrase.whole or phrase.share >= 0.995 else f"{phrase.share:.0%} of it"
    said = _quoted([word.said for word in words], "and")
    verb = "is" if len(words) == 1 else "are"
    return f'Why: {said} {verb} in {_SOURCES[phrase.source]} "{phrase.phrase}" of {name} ({amount}).'


def _word(word: WordEvidence) -> str:
    """'"ails" taken as "als" (90% alike) (the Ask: line "what is als", weight 1.0)'."""
    close = "" if word.similarity >= 1 else f' taken as "{word.found}" ({word.similarity:.0%} alike)'
    where = f'{_SOURCES[word.source]} "{word.where}"' if word.source in ("ask", "parent") else _SOURCES[word.source]
    return f'"{word.said}"{close} ({where}, weight {word.weight:.1f})'


def _unknown(trace: MatchTrace | None) -> list[str]:
    if not trace or not trace.unknown_words:
        return []
    return [f"The factsheet does not have {_quoted(trace.unknown_words, 'or')}: counted against every section."]


def _considered(match: Match, library: Library, skip: int) -> list[str]:
    others = match.alternatives[skip:]
    if not others:
        return []
    listed = ", ".join(f"{library.spoken_title(c.section)} ({c.score:.0f})" for c in others)
    return [f"Also considered: {listed}."]


def _guess_decision(reason: GuessReason, match: Match, library: Library) -> list[str]:
    heard = f'Heard: "{match.heard}" (the recognizer\'s guess {reason.rank + 1}).'
    if isinstance(reason, GuessesDisagree):
        if reason.uncertain:
            return [heard, f"Why: the recognizer's guesses disagree: {reason.agreeing} of {reason.total} point at "
                           f"{_choice_name(library, reason.choice)}, so it asks to say it again."]
        return [heard, f"Why: {reason.total - reason.pointing} of the recognizer's {reason.total} guesses point at "
                       "nothing in the factsheet: taken as a question it does not answer."]
    return [heard, _guess_taken(reason, library), *_decision(reason.guess, match, library)]


def _guess_taken(reason: GuessReason, library: Library) -> str:
    match reason:
        case FirstGuessNamesOtherIllness():
            return "The recognizer's first guess names another illness, so the other guesses are not weighed."
        case ClearFirstGuess(score=score, clear_score=clear):
            return f"The recognizer's first guess fits clearly ({score:.0f}, from {clear:.0f}): taken as heard."
        case CommandInTopGuesses():
            return "A command among the recognizer's first guesses is taken as heard."
        case GuessesAgree(agreeing=agreeing, total=total, choice=choice, score=score, minimum=minimum):
            pointed = _choice_name(library, choice)
            if agreeing == total:
                return f"All {total} of the recognizer's guesses lead to {pointed}."
            return (f"{agreeing} of the recognizer's {total} guesses point at {pointed}, and it scored {score:.0f} "
                    f"(at least {minimum:.0f}).")
    return "No guess of the recognizer gives an answer or a command; this one came closest."


def _guesses(trace: MatchTrace, library: Library) -> list[str]:
    if not trace.guesses:
        return []
    lines = ["The recognizer's guesses:"]
    for rank, guess in enumerate(trace.guesses, 1):
        pointed = _choice_name(library, guess.choice) if guess.kind is not MatchKind.NO_MATCH and guess.choice else \
            "nothing"
        lines.append(f'  {rank}. "{guess.heard}" → {pointed} ({guess.score:.0f})')
    return lines


def _choice_name(library: Library, choice: str) -> str:
    if any(section.id == choice for section in library.sections):
        return library.spoken_title(choice)
    return f'the command "{choice}"'


def _quoted(words: Iterable[str], joiner: str) -> str:
    return _listed([f'"{word}"' for word in words], joiner)


def _listed(items: list[str], joiner: str) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return f" {joiner} ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + f" {joiner} {items[-1]}"
