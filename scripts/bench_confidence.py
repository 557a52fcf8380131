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

from scripts import bench_offtopic  # noqa: E402
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


def tiers(matcher: Matcher, name: str, utterances: Sequence[Utterance], wanted: Callable[[Utterance, str], bool]
          ) -> None:
    """What the chosen rule makes of the utterances the matcher acts on: answered, confirmed, refused."""
    counts = {"answered": 0, "confirmed": 0, "not caught": 0, "changed": 0}
    for utterance in utterances:
        match = matcher.match(list(utterance.alternatives))
        tiered = confidence.tiered(match, utterance.alternatives[0], utterance.word_confidences)
        if outcome(match) is None or not wanted(utterance, outcome(match) or ""):
            continue
        if tiered.kind is MatchKind.COMMAND or tiered.kind is MatchKind.ANSWER:
            counts["answered"] += 1
        elif tiered.confirm:
            counts["confirmed"] += 1
        else:
            counts["not caught"] += 1
    total = sum(counts.values())
    print(f"  {name}: {total}; " + ", ".join(f"{key} {value}" for key, value in counts.items() if key != "changed"))


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
    print("\nThe chosen rule (voice_assist/confidence.py), on the same material:")
    tiers(matcher, "off-topic clips answered from a section", heard, lambda u, got: not got.startswith("command:"))
    tiers(matcher, "off-topic clips taken as a command", heard, lambda u, got: got.startswith("command:"))
    tiers(matcher, "in-domain answered from the right section", questions, lambda u, got: got in u.expected
          and not got.startswith("command:"))
    tiers(matcher, "in-domain answered from a wrong section", questions, lambda u, got: got not in u.expected
          and not got.startswith("command:"))
    tiers(matcher, "in-domain commands understood", questions, lambda u, got: got in u.expected
          and got.startswith("command:"))


if __name__ == "__main__":
    main()
