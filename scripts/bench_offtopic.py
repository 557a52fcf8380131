#!/usr/bin/env python3
"""Benchmark what the assistant does with sound not meant for it: prints numbers, asserts nothing (issue #14).

Every clip of the off-topic speech set (made by scripts/make_offtopic_speech.py) is recognized as
``voice-assist ask --wav`` does it (the default recognizer with the default settings), and what was heard goes
to a fresh conversation core as one ``Heard`` event. No clip should get a factsheet section read out or a
setting changed; the right replies are "I don't have that in my factsheet" and "Sorry, I didn't catch that".

Prints the share of clips that got a section read out, a setting changed, any command taken, a question back
("Do you mean ... ?"), "not in my factsheet" and "didn't catch that", with 95 % intervals: for all clips, by
kind (English sentence, English word, other language, not speech), by split (tuning, held out) and by
condition; then the worst examples of the tuning split only, so that the held-out split stays unseen; then, for
each split, the trade-off of the confidence tiers (voice_assist/confidence.py) for other values of its
threshold: answered, command taken, asked to confirm, not caught.

Each clip is heard by a recognizer opened for it alone (0.03 s from the model cache): no clip is heard with
what the one before left in pocketsphinx (its running mean), so the figures do not depend on the order or the
number of workers. ``--transcripts FILE`` keeps what was heard, with the recognizer's word posteriors (files
kept before they existed are recognized again); a later run with the same file only scores
again (for a change of the matcher or the conversation core), recognizing only clips the file lacks.

    .venv/bin/python scripts/make_offtopic_speech.py                     # once: the set (about 1 minute)
    .venv/bin/python scripts/bench_offtopic.py --transcripts /tmp/offtopic.json
    .venv/bin/python scripts/bench_offtopic.py --transcripts /tmp/offtopic.json --split tuning   # scores only
    .venv/bin/python scripts/bench_offtopic.py /tmp/offtopic-set --limit 12
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import json
import math
import multiprocessing
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import make_offtopic_speech as offtopic_set  # noqa: E402
from scripts.bench_confidence import print_curve  # noqa: E402
from voice_assist.audio_format import SAMPLE_RATE  # noqa: E402
from voice_assist.audio_in import read_wav  # noqa: E402
from voice_assist.config import Settings, cache_dir  # noqa: E402
from voice_assist.content import Library, load_library  # noqa: E402
from voice_assist.conversation import NOT_CAUGHT, NOT_IN_FACTSHEET, Conversation  # noqa: E402
from voice_assist.events import Action, ChangeVoice, Heard, Voice, replies  # noqa: E402
from voice_assist.history import Outcome  # noqa: E402
from voice_assist.history import outcome_of as history_outcome  # noqa: E402
from voice_assist.match import Matcher  # noqa: E402
from voice_assist.recognize import Domain, Transcript, domain_of  # noqa: E402
from voice_assist.recognize.choose import open_recognizer  # noqa: E402
from voice_assist.voicing import speech_sound  # noqa: E402

OUTCOMES = {"section": "section read", "setting": "setting changed", "command": "other command",
            "clarify": "asked which", "confirm": "asked to confirm", "not in factsheet": "not in factsheet",
            "not caught": "didn't catch", "other": "other reply"}
"""What one clip led to (key) and its column heading; "any command" is setting and other command together."""

WORST = ("section", "setting", "command")
"""Outcomes that are wrong for sound not meant for the assistant, worst first."""

SPLITS = {"tuning": ("tuning",), "held-out": ("held_out",), "all": ("tuning", "held_out")}
KIND_NAMES = {"sentence": "English sentence", "word": "English word", "foreign": "other language",
              "nonspeech": "not speech"}
Z_95 = 1.96
WIDTH = 17
"""Characters in a column of the tables."""


@dataclass(frozen=True)
class Scored:
    clip: dict[str, str]
    """The clip's manifest row."""
    transcript: Transcript
    outcome: str
    did: str
    """What the assistant did, in a few words ("read treatment", "command louder", the reply)."""


# ---- recognition, in worker processes ----

@functools.cache
def _domain() -> Domain:
    return domain_of(load_library(Settings().content_dirs))


@functools.cache
def _description() -> str:
    """The recognizer the set is heard with; opening it builds the model cache once, before the workers start."""
    return open_recognizer(Settings(), _domain(), cache_dir()).description


def hear(path: str) -> tuple[Transcript, float]:
    """What the recognizer heard in one WAV file, with a recognizer of its own, and the CPU seconds it took
    (CPU time, not wall time: other work on the machine does not count)."""
    recognizer = open_recognizer(Settings(), _domain(), cache_dir())
    pcm = read_wav(path)
    started = time.process_time()
    recognizer.accept(pcm)
    transcript = recognizer.finish()
    return transcript, time.process_time() - started


def recognize(folder: Path, clips: Sequence[dict[str, str]], workers: int) -> dict[str, Transcript]:
    """What was heard in each clip, by clip id, in ``workers`` processes; prints the time it took."""
    if not clips:
        return {}
    print(f"Recognizing {len(clips)} clips with {_description()}", flush=True)
    started = time.perf_counter()
    paths = [str(folder / clip["file"]) for clip in clips]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        heard = pool.map(hear, paths, chunksize=4)
    wall = time.perf_counter() - started
    audio = sum((folder / clip["file"]).stat().st_size - 44 for clip in clips) / (2 * SAMPLE_RATE)
    compute = sum(seconds for _, seconds in heard)
    print(f"recognized {len(clips)} clips ({audio / 60:.1f} min of audio) in {wall:.0f} s with {workers} "
          f"workers; real-time factor {compute / audio:.2f} (CPU seconds per second of audio)")
    return {clip["id"]: transcript for clip, (transcript, _) in zip(clips, heard, strict=True)}


# ---- transcripts kept between runs ----

def _key(clip: dict[str, str]) -> str:
    """What must not have changed for a kept transcript to be reused: the clip, and the recognizer with the
    phrases it is biased to (transcripts kept before the content or the commands changed are heard again)."""
    return "\t".join([*(clip[name] for name in ("seed", "voice", "condition", "text", "effects", "snr_db")),
                      _recognizer_key()])


@functools.cache
def _recognizer_key() -> str:
    phrases = hashlib.sha256(json.dumps(_domain().phrases).encode()).hexdigest()[:16]
    return f"{_description()} {phrases}"


def load_transcripts(path: Path | None, clips: Sequence[dict[str, str]]) -> dict[str, Transcript]:
    """The kept transcripts of the clips that have not changed since (and were kept with the recognizer's
    confidences: older files lack them)."""
    if path is None or not path.exists():
        return {}
    kept = json.loads(path.read_text(encoding="utf-8"))
    return {clip["id"]: transcript_of(kept[clip["id"]]) for clip in clips
            if clip["id"] in kept and kept[clip["id"]]["key"] == _key(clip) and "word_confidences" in kept[clip["id"]]}


def transcript_of(kept: dict) -> Transcript:
    return Transcript(tuple(kept["alternatives"]), tuple(kept["word_confidences"]), kept["voiced_seconds"])


def save_transcripts(path: Path, clips: Sequence[dict[str, str]], heard: dict[str, Transcript]) -> None:
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    kept.update({clip["id"]: {"key": _key(clip), **asdict(heard[clip["id"]])} for clip in clips})
    path.write_text(json.dumps(kept, indent=1, ensure_ascii=False), encoding="utf-8")


# ---- what the conversation core does with it ----

def score(folder: Path, clips: Sequence[dict[str, str]], heard: dict[str, Transcript], library: Library
          ) -> list[Scored]:
    """Each clip's transcript given to a fresh conversation core, with what of speech its sound held (as the
    loop measures it), and what came of it."""
    settings = Settings()
    matcher = Matcher(library)
    scored = []
    for clip in clips:
        transcript = heard[clip["id"]]
        alternatives = transcript.alternatives
        conversation = Conversation(library, Voice(settings.rate, settings.volume), matcher)
        event = Heard(alternatives, whole=True, word_confidences=transcript.word_confidences,
                      sound=speech_sound(read_wav(folder / clip["file"])))
        outcome, did = outcome_of(conversation.handle(event))
        scored.append(Scored(clip, transcript, outcome, did))
    return scored


def outcome_of(actions: Sequence[Action]) -> tuple[str, str]:
    """Which of OUTCOMES the actions are, and what was done, in a few words."""
    said = replies(actions)
    reply = said[-1]
    command = reply.match.command if reply.match else None
    if any(isinstance(action, ChangeVoice) for action in actions):
        return "setting", f"command {command}: {reply.text}"
    if reply.section:
        return "section", f"read {reply.section}"
    outcome = _OUTCOME_KEYS.get(history_outcome(reply), "other")  # as the caregiver's record sorts replies
    if outcome == "command":
        return outcome, f"command {command}" + (f": {reply.text}" if reply.text else "")
    return outcome, {"not in factsheet": NOT_IN_FACTSHEET, "not caught": NOT_CAUGHT}.get(outcome, reply.text)


_OUTCOME_KEYS: dict[Outcome | None, str] = {
    Outcome.COMMAND: "command", Outcome.CLARIFY: "clarify", Outcome.CONFIRM: "confirm",
    Outcome.NOT_IN_FACTSHEET: "not in factsheet", Outcome.NOT_CAUGHT: "not caught"}


# ---- the report ----

def wilson(hits: int, total: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion."""
    if not total:
        return 0.0, 1.0
    share = hits / total
    centre = (share + Z_95**2 / (2 * total)) / (1 + Z_95**2 / total)
    spread = Z_95 * math.sqrt(share * (1 - share) / total + Z_95**2 / (4 * total**2)) / (1 + Z_95**2 / total)
    return max(0.0, centre - spread), min(1.0, centre + spread)


COLUMNS = {"section read": ("section",), "setting changed": ("setting",), "any command": ("setting", "command"),
           "asked which": ("clarify",), "asked to confirm": ("confirm",), "not in factsheet": ("not in factsheet",),
           "didn't catch": ("not caught",)}


def share(scored: Sequence[Scored], outcomes: Sequence[str]) -> str:
    """"12.3 (9-16)": the percentage of clips with one of the outcomes, with its 95 % interval."""
    hits = sum(item.outcome in outcomes for item in scored)
    low, high = wilson(hits, len(scored))
    return f"{100 * hits / max(1, len(scored)):5.1f} ({100 * low:.0f}-{100 * high:.0f})".ljust(WIDTH)


def print_table(title: str, groups: dict[str, list[Scored]]) -> None:
    print(f"\n{title}, % of clips (95 % interval)")
    print(f"  {'':17} {'clips':>5}  " + " ".join(heading.ljust(WIDTH) for heading in COLUMNS))
    for name, items in groups.items():
        if items:
            print(f"  {name:17} {len(items):5}  " + " ".join(share(items, outcomes) for outcomes in COLUMNS.values()))


def report(scored: Sequence[Scored], worst: int) -> None:
    def where(key: str, value: str) -> list[Scored]:
        return [item for item in scored if item.clip[key] == value]

    print_table("All clips, and by kind", {"all": list(scored), **{name: where("kind", kind)
                                                                   for kind, name in KIND_NAMES.items()}})
    print_table("By split", {split: where("split", split) for split in SPLITS["all"]})
    for split in SPLITS["all"]:
        print_table(f"{split} split, by kind", {name: [item for item in where("kind", kind)
                                                       if item.clip["split"] == split]
                                                for kind, name in KIND_NAMES.items()})
    conditions = [*offtopic_set.SPEECH_CONDITIONS, *offtopic_set.SOUNDS]
    print_table("By condition (speech) and sound (not speech)", {condition: where("condition", condition)
                                                                  for condition in conditions})
    print_worst([item for item in scored if item.clip["split"] == "tuning"], worst)
    matcher = Matcher(load_library(Settings().content_dirs))
    for split in SPLITS["all"]:
        heard = [item.transcript for item in where("split", split)]
        if heard:
            print_curve(matcher, f"{split} split", [(t.alternatives, t.word_confidences) for t in heard])


def print_worst(scored: Sequence[Scored], count: int) -> None:
    """Up to ``count`` of the tuning split's clips that got a section read, a setting changed or another
    command, each."""
    print("\nWorst examples, tuning split only")
    for outcome in WORST:
        wrong = [item for item in scored if item.outcome == outcome]
        print(f"  {OUTCOMES[outcome]}: {len(wrong)} clips{', for example' if wrong else ''}")
        for item in wrong[:count]:
            clip = item.clip
            what = clip["text"] or clip["condition"]
            how = f"{clip['kind']}, {clip['condition']}, {clip['voice'] or 'synthesized'}"
            print(f"    {clip['id']} [{how}] {what!r} heard {item.transcript.text!r} -> {item.did[:80]}")


# ---- the set ----

def load_manifest(folder: Path) -> list[dict[str, str]]:
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        raise SystemExit(f"No off-topic set in {folder}: make it first with scripts/make_offtopic_speech.py "
                         f"{folder}")
    with manifest.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def chosen(rows: Sequence[dict[str, str]], split: str, limit: int | None) -> list[dict[str, str]]:
    """The rows of the split; ``limit``: only that many, taken in turn from each kind."""
    return offtopic_set.sample([row for row in rows if row["split"] in SPLITS[split]], limit, lambda row: row["kind"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", help=f"the set (default: {offtopic_set.default_folder()})")
    parser.add_argument("--split", choices=list(SPLITS), default="all", help="which clips (default: all)")
    parser.add_argument("--limit", type=int, help="only this many clips, taken in turn from each kind")
    parser.add_argument("--transcripts", type=Path, help="JSON file of what was heard: reused for clips it has "
                        "(so a policy change is scored without recognizing again), written with the rest")
    parser.add_argument("--workers", type=int, default=2, help="recognizer processes (default 2)")
    parser.add_argument("--worst", type=int, default=10, help="how many examples of each wrong outcome to show "
                        "(default 10)")
    args = parser.parse_args()
    folder = args.folder or offtopic_set.default_folder()
    clips = chosen(load_manifest(folder), args.split, args.limit)
    heard = load_transcripts(args.transcripts, clips)
    missing = [clip for clip in clips if clip["id"] not in heard]
    heard.update(recognize(folder, missing, args.workers))
    if args.transcripts and missing:
        save_transcripts(args.transcripts, missing, heard)
    kinds = ", ".join(f"{sum(clip['kind'] == kind for clip in clips)} {kind}" for kind in offtopic_set.CLIPS_PER_KIND)
    print(f"{len(clips)} clips ({kinds}), {args.split} split; {len(clips) - len(missing)} transcripts reused "
          f"from {args.transcripts}" if args.transcripts else f"{len(clips)} clips ({kinds}), {args.split} split")
    report(score(folder, clips, heard, load_library(Settings().content_dirs)), args.worst)


if __name__ == "__main__":
    main()
