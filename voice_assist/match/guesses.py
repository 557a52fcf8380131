"""Stage 6, choose among the recognizer's guesses for one utterance, each already matched on its own.

A misheard question comes out as different words each time, a well-heard one as variations of the same
question, so a choice most guesses agree on is read out; guesses that disagree are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from voice_assist.commands import OFFERED_WHEN_UNSURE, READS_ON, Command
from voice_assist.match.result import Match, MatchKind
from voice_assist.match.trace import (
    BestGuess,
    ClearFirstGuess,
    CommandInTopGuesses,
    FirstGuessNamesOtherIllness,
    GuessChoice,
    GuessesAgree,
    GuessesDisagree,
    GuessReason,
    MatchTrace,
)
from voice_assist.match.tuning import MatcherTuning


def choose(matches: Sequence[Match], first_names_other_illness: bool, tuning: MatcherTuning) -> Match:
    """The match for an utterance of several guesses (best first); ``first_names_other_illness``: the
    recognizer's best guess names an illness the content does not cover (then it is taken as heard)."""
    first = matches[0]
    if first_names_other_illness:
        return _chosen(first, FirstGuessNamesOtherIllness(0, _trace(first).decision), matches)
    if first.kind is MatchKind.ANSWER and first.score >= tuning.clear_score:
        # taken as heard, whatever the lower guesses sound like ("als what is" is not "what else")
        return _chosen(first, ClearFirstGuess(0, _trace(first).decision, first.score, tuning.clear_score), matches)

    def merit(ranked: tuple[int, Match]) -> tuple[bool, float]:
        rank, match = ranked
        return match.kind is not MatchKind.NO_MATCH, match.score - rank * tuning.guess_rank_penalty

    rank, best = max(enumerate(matches), key=merit)
    if best.kind not in (MatchKind.ANSWER, MatchKind.COMMAND):
        return _chosen(best, BestGuess(rank, _trace(best).decision), matches)
    if best.kind is MatchKind.COMMAND and _taken_at(rank, Command(best.command or ""), tuning):
        return _chosen(best, CommandInTopGuesses(rank, _trace(best).decision), matches)
    choice = _choice(best) or ""
    agreeing = sum(_choice(match) == choice for match in matches if match.kind is not MatchKind.NO_MATCH)
    total = len(matches)
    agreed = agreeing == total or (agreeing / total >= tuning.spoken_agreement
                                   and best.score >= tuning.spoken_answer_min)
    if agreed and not _reads_on(best):
        # when every guess leads to the same answer, what the recognizer is unsure of does not matter
        return _chosen(best, GuessesAgree(rank, _trace(best).decision, agreeing, total, choice, best.score,
                                          tuning.spoken_answer_min), matches)
    pointing = sum(match.kind is not MatchKind.NO_MATCH for match in matches)
    uncertain = pointing / total >= tuning.uncertain_share
    disagree = GuessesDisagree(rank, _trace(best).decision, agreeing, total, choice, pointing,
                               tuning.spoken_agreement, best.score, tuning.spoken_answer_min, uncertain)
    # the recognizer's own first guess, shown as what was heard, answers when typed: offer it for a "yes"
    confirmable = best.kind is MatchKind.ANSWER and rank == 0 and agreeing >= tuning.confirm_min_agreeing
    confirm = best.section if confirmable else None
    return _chosen(replace(best, kind=MatchKind.NO_MATCH, section=None, command=None, uncertain=uncertain,
                           confirm=confirm, offered_command=_offered(best, agreeing, tuning)), disagree, matches)


def _taken_at(rank: int, command: Command, tuning: MatcherTuning) -> bool:
    """A command is taken as heard from the recognizer's first guesses; one that reads on only from its first."""
    return rank == 0 or (rank <= tuning.command_rank_max and command not in READS_ON)


def _reads_on(match: Match) -> bool:
    """A command that reads factsheet text is taken only from the first guess (``_taken_at``), never because
    lower guesses agree on it: ("banana", "from the start", "from the start") reads nothing."""
    return match.kind is MatchKind.COMMAND and Command(match.command or "") in READS_ON


def _offered(best: Match, agreeing: int, tuning: MatcherTuning) -> str | None:
    """The command to ask about ("Did you say slower?") when the guesses disagree but enough of them say it: a
    clean "slower" came out as "so", "slow", "slower", "lower", "no"."""
    if best.command is None or agreeing < tuning.confirm_min_agreeing:
        return None
    return best.command if Command(best.command) in OFFERED_WHEN_UNSURE else None


def _chosen(match: Match, reason: GuessReason, matches: Sequence[Match]) -> Match:
    choices = tuple(GuessChoice(guess.heard, guess.kind, _choice(guess), guess.score) for guess in matches)
    return replace(match, trace=replace(_trace(match), decision=reason, guesses=choices))


def _trace(match: Match) -> MatchTrace:
    assert match.trace is not None, "the matcher traces every match"
    return match.trace


def _choice(match: Match) -> str | None:
    if match.kind is MatchKind.COMMAND:
        return match.command
    return match.alternatives[0].section if match.alternatives else None
