#!/usr/bin/env python3
"""Which of the recognizer's signals tell a question it heard from a sound it made into one: prints numbers,
asserts nothing (issue #14; the rule chosen from them is voice_assist/confidence.py).

Reads what was heard, kept by the other benchmarks: the off-topic speech set's transcripts
(``bench_offtopic.py --transcripts``; its tuning split only) and in-domain spoken questions
(``bench_recognition.py --engines sphinx-mixed --transcripts``; the ``tuning`` and ``more`` sets only: the
held-out and unseen sets are refused, so that no threshold is chosen on them).

For each signal and a range of thresholds: off-topic clips that the matcher answers from a section and that
would still be answered (signal at or above the threshold), in-domain questions answered from the right
section that would not be, and wrong sections still read. Then the chosen rule's three tiers.

    .venv/bin/python scripts/bench_offtopic.py --transcripts /tmp/offtopic.json --split tuning
    .venv/bin/python scripts/bench_recognition.py --engines sphinx-mixed --set more --transcripts /tmp/more.json
    .venv/bin/python scripts/bench_confidence.py /tmp/offtopic.json /tmp/more.json [/tmp/tuning.json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import make_offtopic_speech as offtopic_set  # noqa: E402
from voice_assist import confidence  # noqa: E402
from voice_assist.config import Settings  # noqa: E402
from voice_assist.content import load_library  # noqa: E402
from voice_assist.match import Matcher  # noqa: E402
from voice_assist.match.result import Match, MatchKind  # noqa: E402

TUNING_SETS = ("tuning", "more")
"""bench_recognition sets thresholds may be chosen on."""

QUANTILES = 12
"""Thresholds tried per signal: this many quantiles of the signal over the answered utterances."""


@dataclass(frozen=True)
class Utterance:
    off_topic: bool
    said: str
    """What was said ("" for a sound), for the examples."""
    expected: tuple[str, ...]
    alternatives: tuple[str, ...]
    word_confidences: tuple[float, ...]
    voiced_seconds: float


def off_topic_utterances(path: Path) -> list[Utterance]:
    from scripts import bench_offtopic  # here: it prints this module's curves, so imports it

    clips = [clip for clip in bench_offtopic.load_manifest(offtopic_set.default_folder()) if clip["split"] == "tuning"]
    heard = bench_offtopic.load_transcripts(path, clips)
    return [Utterance(True, clip["text"], (), transcript.alternatives, transcript.word_confidences,
                      transcript.voiced_seconds) for clip in clips if (transcript := heard.get(clip["id"]))]


def in_domain_utterances(path: Path) -> list[Utterance]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    refused = {row.get("set") for row in rows} - set(TUNING_SETS)
    if refused:
        raise SystemExit(f"{path} holds utterances of the set(s) {refused}: only {TUNING_SETS} may be tuned on")
    return [Utterance(False, row["text"], tuple(row["expected"]), tuple(row["alternatives"]),
                      tuple(row["word_confidences"]), row["voiced_seconds"]) for row in rows if row["expected"]]


def signals(matcher: Matcher) -> dict[str, Callable[[Utterance], float]]:
    """Each candidate signal of one utterance (higher: surer)."""
    def agreement(utterance: Utterance) -> float:
        chosen = outcome(matcher.match(list(utterance.alternatives)))
        alone = [outcome(matcher.match([text])) for text in utterance.alternatives]
        return sum(item == chosen for item in alone) / len(alone)

    def best(utterance: Utterance) -> str:
        return utterance.alternatives[0]

    return {
        "content-word mean posterior": lambda u: confidence.content_confidence(best(u), u.word_confidences),
        "mean word posterior": lambda u: statistics.mean(u.word_confidences),
        "lowest word posterior": lambda u: min(u.word_confidences),
        "whole-guess posterior": lambda u: math.prod(u.word_confidences),
        "words per voiced second": lambda u: len(u.word_confidences) / max(u.voiced_seconds, 0.01),
        "words": lambda u: len(u.word_confidences),
        "n-best agreement": agreement,
        "matcher score": lambda u: matcher.match(list(u.alternatives)).score,
    }


def outcome(match: Match) -> str | None:
    """The section read or the command taken; None for anything else."""
    if match.kind is MatchKind.COMMAND:
        return f"command:{match.command}"
    return match.section if match.kind is MatchKind.ANSWER else None


def separation(name: str, signal: Callable[[Utterance], float], off_read: Sequence[Utterance],
               right: Sequence[Utterance], wrong: Sequence[Utterance]) -> None:
    values = {id(u): signal(u) for u in [*off_read, *right, *wrong]}
    print(f"\n{name}: median off-topic read {statistics.median(values[id(u)] for u in off_read):.2f}, "
          f"right answers {statistics.median(values[id(u)] for u in right):.2f}, "
          f"wrong answers {statistics.median(values[id(u)] for u in wrong):.2f}")
    print(f"  {'threshold':>10}  {'off-topic still read':>20}  {'right answers lost':>18}  {'wrong still read':>16}")
    thresholds = statistics.quantiles([values[id(u)] for u in [*off_read, *right]], n=QUANTILES)
    for threshold in dict.fromkeys(round(value, 3) for value in thresholds):
        kept_off = sum(values[id(u)] >= threshold for u in off_read)
        lost = sum(values[id(u)] < threshold for u in right)
        kept_wrong = sum(values[id(u)] >= threshold for u in wrong)
        print(f"  {threshold:>10.3f}  {kept_off:>11}/{len(off_read):<8}  {lost:>9}/{len(right):<8}  "
              f"{kept_wrong:>7}/{len(wrong)}")


SURE_AT_CURVE = (None, 0.0, 0.4, 0.5, confidence.SURE_ANSWER, 0.7, 0.8, 0.9)
"""SURE_ANSWER values of the trade-off curves the benchmarks print. None: no confidence rule at all, as before
issue #14; 0: only the lone-word rule (SURE_ANSWER_WORDS) and the floor (PLAUSIBLE)."""

TIERS = ("answered", "command", "confirmed", "not caught", "no answer")


def tier_of(matcher: Matcher, alternatives: Sequence[str], word_confidences: Sequence[float],
            sure_at: float | None = confidence.SURE_ANSWER) -> tuple[str, str | None]:
    """One of TIERS for the utterance, and the section read, offered or command taken (None otherwise).
    "no answer" is anything else: "not in my factsheet", a question between two sections. ``sure_at`` None:
    without the confidence rule."""
    match = matcher.match(list(alternatives)) if alternatives else None
    if match is None:
        return "not caught", None
    tiered = match if sure_at is None else confidence.tiered(match, alternatives[0], word_confidences,
                                                              sure_at=sure_at)
    if tiered.kind is MatchKind.COMMAND:
        return "command", outcome(tiered)
    if tiered.kind is MatchKind.ANSWER:
        return "answered", outcome(tiered)
    if tiered.confirm or tiered.offered_command:
        return "confirmed", tiered.confirm or tiered.offered_command
    return ("not caught" if tiered.uncertain else "no answer"), None


def print_curve(matcher: Matcher, title: str, utterances: Sequence[tuple[Sequence[str], Sequence[float]]],
                right: Callable[[int, str | None], bool] | None = None) -> None:
    """The share of utterances answered, confirmed and not caught for each SURE_AT_CURVE value; with
    ``right`` (index of the utterance, what was answered or offered): also how many were right."""
    print(f"\n{title}: trade-off for other values of SURE_ANSWER ({len(utterances)} utterances)")
    print(f"  {'SURE_ANSWER':>11}  " + "  ".join(f"{tier:>10}" for tier in TIERS)
          + ("  right answered  right confirmed" if right else ""))
    for sure_at in SURE_AT_CURVE:
        tiers = [tier_of(matcher, alternatives, confidences, sure_at) for alternatives, confidences in utterances]
        counts = [sum(tier == name for tier, _ in tiers) for name in TIERS]
        value = "no rule" if sure_at is None else f"{sure_at:.2f}"
        line = f"  {value:>11}{' *' if sure_at == confidence.SURE_ANSWER else '  '}" + "  ".join(
            f"{100 * count / max(1, len(tiers)):>9.1f}%" for count in counts)
        if right:
            for name in ("answered", "confirmed"):  # a right command counts as answered
                names = ("answered", "command") if name == "answered" else (name,)
                line += f"  {sum(tier in names and right(i, got) for i, (tier, got) in enumerate(tiers)):>14}"
        print(line)
    print("  (* the value chosen)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("offtopic", type=Path, help="bench_offtopic.py --transcripts file")
    parser.add_argument("indomain", type=Path, nargs="+", help="bench_recognition.py --transcripts file(s)")
    args = parser.parse_args()
    matcher = Matcher(load_library(Settings().content_dirs))
    heard = [u for u in off_topic_utterances(args.offtopic) if u.alternatives]
    questions = [u for path in args.indomain for u in in_domain_utterances(path) if u.alternatives]
    outcomes = {id(u): outcome(matcher.match(list(u.alternatives))) for u in [*heard, *questions]}

    def is_section(u: Utterance) -> bool:
        return outcomes[id(u)] is not None and not str(outcomes[id(u)]).startswith("command:")

    off_read = [u for u in heard if is_section(u)]
    right = [u for u in questions if is_section(u) and outcomes[id(u)] in u.expected]
    wrong = [u for u in questions if is_section(u) and outcomes[id(u)] not in u.expected]
    print(f"Tuning material: {len(heard)} off-topic clips heard as words, {len(off_read)} of them answered from a "
          f"section; {len(questions)} in-domain utterances, {len(right)} answered from the right section, "
          f"{len(wrong)} from a wrong one")
    for name, signal in signals(matcher).items():
        separation(name, signal, off_read, right, wrong)
    print_curve(matcher, "Off-topic clips", [(u.alternatives, u.word_confidences) for u in heard])
    print_curve(matcher, "In-domain utterances", [(u.alternatives, u.word_confidences) for u in questions],
                lambda index, got: got is not None and got in questions[index].expected)

if __name__ == "__main__":
    main()
