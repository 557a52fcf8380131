#!/usr/bin/env python3
"""Benchmark the recognizers on synthesized questions: prints numbers, asserts nothing.

For each engine set-up: word error rate (best guess, and best of the alternatives), real-time factor,
latency from the end of the audio to the transcript, start-up time, peak memory (each set-up runs in its
own process), and, with the matcher, the share of questions answered from the right section (best guess
only vs all alternatives), answered from a wrong one, off-topic questions answered and commands understood;
then the same through the confidence tiers (voice_assist/confidence.py), a section offered with "Do you mean
...?" counted as right when it is the right one, and the trade-off curve for other values of its threshold.
``--transcripts`` keeps the word posteriors too, for scripts/bench_confidence.py.

Four sets of spoken questions:
- ``tuning`` (default): 25 paraphrased questions, 4 off-topic ones and 9 commands in espeak-ng and flite
  voices, slowed, halting and noisy; the settings in sphinx_engine and match were chosen on it.
- ``held-out``: the spoken kinds of questions in tests/data/questions.csv (short, lay, ungrammatical,
  long, off-topic, commands) in voices no setting was chosen on, clean and degraded (slow with pauses,
  babble, white noise). This is the set the targets are about. The matcher's typed tuning has seen these
  questions (not these voices).
- ``unseen``: tests/data/unseen_questions.csv in the same voices and conditions: questions written from the
  factsheet's text alone, by someone who saw neither the matcher nor the content's "Ask:" lines, and never
  tuned on. It tells how the whole chain does on wording nobody has adapted it to.
- ``more``: tests/data/more_questions.csv, written the same way, to tune on in place of ``unseen``.

    .venv/bin/python scripts/bench_recognition.py                      # pocketsphinx set-ups, tuning set
    .venv/bin/python scripts/bench_recognition.py --set held-out --engines sphinx-mixed
    .venv/bin/python scripts/bench_recognition.py --vosk-model models/vosk-model-small-en-us-0.15
    .venv/bin/python scripts/bench_recognition.py --tune spoken_agreement=0.5   # a matcher number changed

Adding an engine: a function in ENGINES returning a Recognizer (see ``_vosk``).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.spoken import SLOW, SpeechOptions, synthesize  # noqa: E402
from voice_assist.commands import COMMAND_PHRASES  # noqa: E402
from voice_assist.recognize import Domain, Recognizer  # noqa: E402
from voice_assist.recognize.domain_lm import words_of  # noqa: E402

if TYPE_CHECKING:  # for annotations only: domain_and_matcher imports the matcher if the content modules exist
    from voice_assist.match import Matcher

CHUNK_BYTES = 3200
"""100 ms of audio per accept(), as a microphone delivers it."""

QUESTION_FILES = {"held-out": ROOT / "tests" / "data" / "questions.csv",
                  "more": ROOT / "tests" / "data" / "more_questions.csv",
                  "unseen": ROOT / "tests" / "data" / "unseen_questions.csv"}
SPOKEN_KINDS = ("short", "lay", "ungrammatical", "long", "offtopic", "command")
"""Rows of questions.csv people say; the "asr" rows are already misheard text."""


@dataclass(frozen=True)
class Case:
    text: str
    """What is said (a paraphrase, not a copy of the content's phrases where possible)."""
    section: str | None
    """The section that should answer; None for off-topic questions that must not be answered."""


@dataclass(frozen=True)
class Utterance:
    text: str
    expected: tuple[str, ...]
    """Sections that answer it rightly, or ("command:stop",); empty for an off-topic question."""
    condition: str

    @property
    def is_command(self) -> bool:
        return bool(self.expected) and self.expected[0].startswith("command:")


CASES = (
    Case("what exactly is a l s", "overview"),
    Case("is this disease fatal", "overview"),
    Case("how long do people live with als", "overview"),
    Case("what is lou gehrig's disease", "overview"),
    Case("why do people get als", "causes"),
    Case("is als passed on in the genes", "causes"),
    Case("does it run in families", "risk-factors"),
    Case("are veterans more at risk", "risk-factors"),
    Case("what are the first signs of als", "symptoms/early"),
    Case("how quickly does als get worse", "symptoms/progression"),
    Case("i have trouble swallowing", "symptoms/progression"),
    Case("how do doctors diagnose als", "diagnosis"),
    Case("do i need an mri scan", "diagnosis/tests"),
    Case("what is an electromyogram", "diagnosis/nerves"),
    Case("is there a cure for als", "treatment"),
    Case("what is riluzole", "treatment/drugs"),
    Case("does edaravone work", "treatment/drugs"),
    Case("can i take nsaids for the pain", "treatment/medications"),
    Case("what helps with the drooling", "treatment/medications"),
    Case("will physical therapy help my spasticity", "treatment/physical-therapy"),
    Case("will i need a breathing machine", "treatment/breathing"),
    Case("when do i need a feeding tube", "treatment/nutrition"),
    Case("how will i talk when i lose my voice", "treatment/speech"),
    Case("is there a support group", "treatment/support"),
    Case("can als be prevented", "prevention"),
    Case("what is the weather tomorrow", None),
    Case("how do i cook rice", None),
    Case("who won the football game", None),
    Case("book a taxi to the station", None),
)

COMMANDS = ("stop", "repeat", "slower", "louder", "tell me more", "yes", "no", "what can i ask", "from the start")
"""Spoken as said; each is expected to be taken as the command it is a way of saying (``COMMAND_PHRASES``)."""

CONDITIONS: dict[str, SpeechOptions] = {
    "en-us": {"voice": "en-us"},
    "woman": {"voice": "en-us+f3"},
    "british": {"voice": "en-gb+m3", "speed": 140},
    "slow+pauses": {"voice": "en-us", "speed": SLOW, "word_gap_ms": 250},
    "babble 15dB": {"voice": "en-us+f2", "noise": "babble", "noise_snr_db": 15},
    "white 10dB": {"voice": "en", "noise": "white", "noise_snr_db": 10},
    "flite slt": {"voice": "flite:slt"},
    "flite kal": {"voice": "flite:kal16"},
}
"""The tuning set's voices: espeak-ng's made-up voices, and two of flite's, recorded from people."""

HELD_OUT_CLEAN: dict[str, SpeechOptions] = {
    "awb": {"voice": "flite:awb"},
    "rms": {"voice": "flite:rms"},
}
HELD_OUT_DEGRADED: dict[str, SpeechOptions] = {
    "awb slow+pauses": {"voice": "flite:awb", "speed": SLOW, "word_gap_ms": 300},
    "rms babble 20dB": {"voice": "flite:rms", "noise": "babble", "noise_snr_db": 20},
    "awb white 20dB": {"voice": "flite:awb", "noise": "white", "noise_snr_db": 20},
}
"""Voices no setting was chosen on: flite's Scottish and US men, clean, then slow with long pauses
between words, with people talking behind, and with hiss. At 15 dB and below pocketsphinx loses these
voices almost entirely (babble 15 dB: 36 % right; white 10 dB: 1 %), so the noisy variants are at 20 dB."""

ALL_CONDITIONS = {**CONDITIONS, **HELD_OUT_CLEAN, **HELD_OUT_DEGRADED}


class SphinxOptions(TypedDict, total=False):
    """PocketsphinxRecognizer's settings that one set-up changes."""

    bias: bool
    background_words: int
    background_weight: float
    decoder_options: Mapping[str, object]


def _sphinx(**options: Unpack[SphinxOptions]) -> Callable[[Domain, Path], Recognizer]:
    def build(domain: Domain, cache_dir: Path) -> Recognizer:
        from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer

        return PocketsphinxRecognizer(domain, cache_dir=cache_dir, **options)
    return build


def _vosk(domain: Domain, cache_dir: Path, model_dir: Path, bias: bool = True) -> Recognizer:
    from voice_assist.recognize.vosk_engine import VoskRecognizer

    return VoskRecognizer(model_dir, domain if bias else None, max_alternatives=5)


ENGINES: dict[str, Callable[..., Recognizer]] = {
    "sphinx-general": _sphinx(bias=False),
    "sphinx-domain-only": _sphinx(background_words=0),
    "sphinx-mixed": _sphinx(),
    "sphinx-mixed-1000": _sphinx(background_words=1000),
    "sphinx-mixed-w05": _sphinx(background_weight=0.05),
    "sphinx-mixed-lw6.5": _sphinx(decoder_options={"lw": 6.5, "fwdflatlw": 8.5, "bestpathlw": 9.5}),
    "sphinx-mixed-lw9": _sphinx(decoder_options={"lw": 9.0, "fwdflatlw": 11.0, "bestpathlw": 12.0}),
    "sphinx-mixed-lw9-wide": _sphinx(decoder_options={"lw": 9.0, "fwdflatlw": 11.0, "bestpathlw": 12.0, "beam": 1e-60,
                                                      "wbeam": 1e-40, "pbeam": 1e-60, "lpbeam": 1e-50, "maxhmmpf": -1,
                                                      "topn": 8}),
    "vosk-general": lambda domain, cache, model: _vosk(domain, cache, model, bias=False),
    "vosk-biased": _vosk,
}
DEFAULT_ENGINES = ("sphinx-general", "sphinx-domain-only", "sphinx-mixed")


def domain_and_matcher(tune: Sequence[str] = ()) -> tuple[Domain, Matcher | None]:
    """The real content's phrases and matcher when the content modules exist, else a handful of phrases.
    ``tune``: "NAME=VALUE" changes to the matcher's numbers (see voice_assist/match/tuning.py)."""
    try:
        from voice_assist.config import BUNDLED_CONTENT
        from voice_assist.content import load_library
        from voice_assist.match import Matcher, MatcherTuning
        from voice_assist.recognize import domain_of
    except ImportError:
        return Domain(tuple(case.text for case in CASES if case.section) + COMMANDS), None
    library = load_library([BUNDLED_CONTENT])
    return domain_of(library), Matcher(library, MatcherTuning().changed(tune))


# ---- worker: one engine set-up in its own process, so its peak memory is its own ----

def run_worker(engine: str, vosk_model: Path | None, which: str, quick: bool) -> dict:
    domain, _ = domain_and_matcher()
    audio = [synthesize(said.text, **ALL_CONDITIONS[said.condition])  # before timing and memory
             for said in utterances(which, quick)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as cache:
        extra = (vosk_model,) if engine.startswith("vosk") else ()
        started = time.perf_counter()
        ENGINES[engine](domain, Path(cache), *extra)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        recognizer = ENGINES[engine](domain, Path(cache), *extra)
        warm = time.perf_counter() - started
        results = [_decode(recognizer, pcm) for pcm in audio]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"description": recognizer.description, "cold_start_s": cold, "warm_start_s": warm,
            "peak_rss_mb": peak / 1024, "rss_before_engine_mb": before / 1024, "results": results}


def _decode(recognizer: Recognizer, pcm: bytes) -> dict:
    started = time.perf_counter()
    for offset in range(0, len(pcm), CHUNK_BYTES):
        recognizer.accept(pcm[offset:offset + CHUNK_BYTES])
    fed = time.perf_counter()
    transcript = recognizer.finish()
    done = time.perf_counter()
    return {"alternatives": list(transcript.alternatives), "word_confidences": list(transcript.word_confidences),
            "voiced_seconds": transcript.voiced_seconds, "compute_s": done - started,
            "latency_s": done - fed, "audio_s": len(pcm) / 32000}


def utterances(which: str, quick: bool) -> list[Utterance]:
    """The spoken set ``tuning``, ``held-out`` or ``unseen``; ``quick`` keeps two conditions."""
    if which == "tuning":
        conditions = list(CONDITIONS)[:2] if quick else list(CONDITIONS)
        rows = [Utterance(case.text, (case.section,) if case.section else (), name)
                for name in conditions for case in CASES]
        return rows + [Utterance(said, (f"command:{COMMAND_PHRASES[said]}",), "woman") for said in COMMANDS]
    with QUESTION_FILES[which].open(newline="", encoding="utf-8") as file:
        questions = [(row["question"], () if row["expected"] == "no_match" else tuple(row["expected"].split(";")))
                     for row in csv.DictReader(file) if row["category"] in SPOKEN_KINDS]
    conditions = ["awb", "awb slow+pauses"] if quick else [*HELD_OUT_CLEAN, *HELD_OUT_DEGRADED]
    return [Utterance(text, expected, name) for name in conditions for text, expected in questions]


# ---- parent: run the workers and print the numbers ----

def word_errors(reference: str, heard: str) -> tuple[int, int]:
    """(edit distance in words, words in the reference)."""
    ref, hyp = words_of(reference), words_of(heard)
    row = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, hyp_word in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ref_word != hyp_word))
    return row[-1], len(ref)


def report(engine: str, data: dict, said: list[Utterance], matcher: Matcher | None) -> None:
    results = list(zip(said, data["results"], strict=True))
    questions = [(utterance, r) for utterance, r in results if not utterance.is_command]
    top1 = [word_errors(utterance.text, (r["alternatives"] or [""])[0]) for utterance, r in questions]
    oracle = [min((word_errors(utterance.text, alt) for alt in r["alternatives"] or [""]), key=lambda e: e[0])
              for utterance, r in questions]
    audio = sum(r["audio_s"] for _, r in results)
    latencies = sorted(r["latency_s"] for _, r in results)
    print(f"\n== {engine}: {data['description']}")
    print(f"  WER top-1 {_rate(top1):.1%}   WER best-of-n-best {_rate(oracle):.1%}   "
          f"({len(questions)} questions, {len(results) - len(questions)} commands)")
    print(f"  RTF {sum(r['compute_s'] for _, r in results) / audio:.3f}   latency after audio mean "
          f"{statistics.mean(latencies) * 1000:.0f} ms, p90 {latencies[int(0.9 * len(latencies))] * 1000:.0f} ms")
    print(f"  start-up cold {data['cold_start_s']:.2f} s, warm {data['warm_start_s']:.2f} s   peak RSS "
          f"{data['peak_rss_mb']:.0f} MB (audio + python before the engine: {data['rss_before_engine_mb']:.0f} MB)")
    by_condition: dict[str, list] = {}
    for utterance, r in questions:
        by_condition.setdefault(utterance.condition, []).append(
            word_errors(utterance.text, (r["alternatives"] or [""])[0]))
    print("  WER by condition: " + ", ".join(f"{name} {_rate(errors):.0%}" for name, errors in by_condition.items()))
    if matcher is None:
        return
    groups = {"clean": set(HELD_OUT_CLEAN), "degraded": set(HELD_OUT_DEGRADED)}
    if not any(utterance.condition in groups["clean"] for utterance, _ in results):
        flite = {name for name, how in CONDITIONS.items() if how["voice"].startswith("flite:")}
        groups = {"espeak-ng": set(CONDITIONS) - flite, "flite": flite}
    for group, conditions in groups.items():
        _report_matching(group, [(u, r) for u, r in results if u.condition in conditions], matcher)


def _report_matching(group: str, results: list, matcher: Matcher) -> None:
    on_topic = [(u, r) for u, r in results if u.expected and not u.is_command]
    off_topic = [(u, r) for u, r in results if not u.expected]
    commands = [(u, r) for u, r in results if u.is_command]
    if not on_topic:
        return
    for label, guesses in (("all guesses", None), ("best guess alone", 1)):
        outcomes = [(_outcome(matcher, r["alternatives"][:guesses]), u.expected) for u, r in on_topic]
        right = sum(got in expected for got, expected in outcomes)
        wrong = sum(got is not None and got not in expected for got, expected in outcomes)
        answered_off = sum(_outcome(matcher, r["alternatives"][:guesses]) is not None for _, r in off_topic)
        understood = sum(_outcome(matcher, r["alternatives"][:guesses]) in u.expected for u, r in commands)
        print(f"  {group}, {label}: right section {right}/{len(on_topic)} ({right / len(on_topic):.0%}), wrong "
              f"section {wrong}; off-topic answered {answered_off}/{len(off_topic)}; commands understood "
              f"{understood}/{len(commands)}")
    if all("word_confidences" in r for _, r in results):
        _report_tiers(group, on_topic, off_topic, commands, matcher)


def _report_tiers(group: str, on_topic: list, off_topic: list, commands: list, matcher: Matcher) -> None:
    """The same utterances through the confidence tiers (voice_assist/confidence.py): a section offered with
    "Do you mean ...?" counts as right when it is the right one (one "yes" reads it)."""
    from scripts.bench_confidence import print_curve, tier_of

    def tiers(rows: list) -> list[tuple[str, str | None]]:
        return [tier_of(matcher, r["alternatives"], r["word_confidences"]) for _, r in rows]

    questions = tiers(on_topic)
    right = {name: sum(tier == name and got in u.expected for (u, _), (tier, got) in zip(on_topic, questions,
                                                                                         strict=True))
             for name in ("answered", "confirmed")}
    wrong_read = sum(tier == "answered" and got not in u.expected for (u, _), (tier, got) in zip(on_topic, questions,
                                                                                                 strict=True))
    not_caught = sum(tier == "not caught" for tier, _ in questions)
    off = tiers(off_topic)
    understood = sum(got in u.expected for (u, _), (_, got) in zip(commands, tiers(commands), strict=True))
    total = right["answered"] + right["confirmed"]
    print(f"  {group}, confidence tiers: right {total}/{len(on_topic)} ({total / len(on_topic):.0%}: answered "
          f"{right['answered']}, confirmed {right['confirmed']}), wrong section read {wrong_read}, not caught "
          f"{not_caught}; off-topic answered {sum(t == 'answered' for t, _ in off)}/{len(off_topic)}, offered "
          f"{sum(t == 'confirmed' for t, _ in off)}; commands understood {understood}/{len(commands)}")
    print_curve(matcher, f"  {group} questions", [(r["alternatives"], r["word_confidences"]) for _, r in on_topic],
                lambda index, got: got in on_topic[index][0].expected)


def _outcome(matcher: Matcher, alternatives: list[str]) -> str | None:
    """The section read out or the command taken; None for no answer (also for a question back)."""
    if not alternatives:
        return None
    match = matcher.match(alternatives)
    if str(match.kind) == "command":
        return f"command:{match.command}"
    return match.section if str(match.kind) == "answer" else None


def _rate(errors: list[tuple[int, int]]) -> float:
    return sum(e for e, _ in errors) / max(1, sum(n for _, n in errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", choices=list(ENGINES), help="default: the pocketsphinx set-ups "
                        "(and vosk when --vosk-model is given)")
    parser.add_argument("--vosk-model", type=Path, help="a vosk model folder, to include vosk")
    parser.add_argument("--set", choices=("tuning", *QUESTION_FILES), default="tuning", dest="which",
                        help="the spoken questions (default: tuning)")
    parser.add_argument("--quick", action="store_true", help="two voices only")
    parser.add_argument("--show", action="store_true", help="print every transcript")
    parser.add_argument("--transcripts", type=Path, help="also write every utterance and what was heard to this "
                        "JSON file (to score matcher changes without recognizing again)")
    parser.add_argument("--tune", action="append", default=[], metavar="NAME=VALUE",
                        help="change one of the matcher's numbers (MatcherTuning), e.g. clear_score=85; repeatable")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        json.dump(run_worker(args.worker, args.vosk_model, args.which, args.quick), sys.stdout)
        return
    engines = args.engines or [*DEFAULT_ENGINES, *(("vosk-general", "vosk-biased") if args.vosk_model else ())]
    try:
        _, matcher = domain_and_matcher(args.tune)
    except ValueError as error:
        parser.error(f"--tune: {error}")
    said = utterances(args.which, args.quick)
    conditions = list(dict.fromkeys(u.condition for u in said))
    print(f"{len(said)} utterances, {args.which} set, conditions: {', '.join(conditions)}; "
          f"matcher: {'yes' if matcher else 'not available'}")
    transcripts: list[dict] = []
    for engine in engines:
        command = [sys.executable, __file__, "--worker", engine, "--set", args.which,
                   *(["--quick"] if args.quick else [])]
        if args.vosk_model:
            command += ["--vosk-model", str(args.vosk_model)]
        output = subprocess.run(command, capture_output=True, text=True, check=False)
        if output.returncode:
            print(f"\n== {engine}: failed\n{output.stderr[-2000:]}")
            continue
        data = json.loads(output.stdout)
        report(engine, data, said, matcher)
        transcripts += [{"engine": engine, "set": args.which, "text": u.text, "expected": list(u.expected),
                         "condition": u.condition,
                         "alternatives": r["alternatives"], "word_confidences": r["word_confidences"],
                         "voiced_seconds": r["voiced_seconds"]} for u, r in zip(said, data["results"], strict=True)]
        if args.show:
            for utterance, r in zip(said, data["results"], strict=True):
                print(f"    [{utterance.condition}] {utterance.text!r:45} -> {r['alternatives'][:3]}")
    if args.transcripts:
        args.transcripts.write_text(json.dumps(transcripts, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
