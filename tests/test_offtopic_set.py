"""The off-topic speech set (scripts/make_offtopic_speech.py) and its benchmark (scripts/bench_offtopic.py).

The set must be the same from the same seed (so that figures measured on it can be compared), have every kind
it promises, and hold nothing that is a command or a question the factsheet answers. The benchmark must run
end to end and score again from kept transcripts without recognizing.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from scripts.bench_offtopic import outcome_of, wilson
from scripts.make_offtopic_speech import SOUNDS, SPEECH_CONDITIONS, plan
from voice_assist.commands import COMMAND_PHRASES
from voice_assist.content import Library
from voice_assist.conversation import Conversation
from voice_assist.events import Heard, Voice
from voice_assist.match import Matcher
from voice_assist.text import words

ROOT = Path(__file__).resolve().parents[1]
MAKE = ROOT / "scripts" / "make_offtopic_speech.py"
BENCH = ROOT / "scripts" / "bench_offtopic.py"
SAMPLE = 12
"""Clips in the small sample the audio tests make: three of each kind."""


def make_sample(folder: Path) -> Path:
    subprocess.run([sys.executable, str(MAKE), str(folder), "--limit", str(SAMPLE)], check=True,
                   capture_output=True, text=True)
    return folder


def manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def sample_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample(tmp_path_factory.mktemp("offtopic"))


def test_the_same_seed_plans_the_same_set_and_another_seed_another() -> None:
    assert plan(14) == plan(14)
    assert plan(15) != plan(14)


def test_the_set_has_every_kind_voice_condition_and_sound_it_promises() -> None:
    clips = plan()
    kinds = Counter(clip.kind for clip in clips)
    assert len(clips) >= 500
    assert set(kinds) == {"sentence", "word", "foreign", "nonspeech"}
    assert min(kinds.values()) >= 100
    assert {clip.condition for clip in clips if clip.kind == "nonspeech"} == set(SOUNDS)
    assert {clip.condition for clip in clips if clip.kind == "sentence"} == set(SPEECH_CONDITIONS)
    assert len({clip.language for clip in clips if clip.kind == "foreign"}) >= 8
    english_voices = {clip.voice for clip in clips if clip.kind in ("sentence", "word")}
    assert sum(voice.startswith("flite:") for voice in english_voices) >= 4
    assert sum(not voice.startswith("flite:") for voice in english_voices) >= 8
    assert {clip.snr_db for clip in clips if clip.noise == "babble"} == {10, 15, 20}
    assert {"baths", "booth", "pencil", "bachelor"} <= {clip.text for clip in clips}


def test_a_fixed_40_percent_is_held_out_and_held_out_texts_never_reach_tuning() -> None:
    clips = plan()
    for kind in ("sentence", "word", "foreign", "nonspeech"):
        of_kind = [clip for clip in clips if clip.kind == kind]
        assert 0.3 <= sum(clip.split == "held_out" for clip in of_kind) / len(of_kind) <= 0.5, kind
    held_out_texts = {clip.text for clip in clips if clip.split == "held_out" and clip.kind != "nonspeech"}
    assert not held_out_texts & {clip.text for clip in clips if clip.split == "tuning" and clip.kind != "nonspeech"}


def test_no_english_text_is_a_command_or_a_way_of_asking_the_factsheet(library: Library) -> None:
    asks = {" ".join(words(ask)) for section in library.sections for ask in section.asks}
    for clip in plan():
        if clip.language == "en":
            said = " ".join(words(clip.text))
            assert said not in COMMAND_PHRASES, clip
            assert said not in asks, clip
            assert "als" not in said.split(), clip


def test_the_same_seed_makes_the_same_audio(sample_set: Path, tmp_path: Path) -> None:
    again = make_sample(tmp_path / "again")
    rows = manifest(sample_set)
    assert rows == manifest(again)
    assert Counter(row["kind"] for row in rows) == {"sentence": 3, "word": 3, "foreign": 3, "nonspeech": 3}
    for row in rows:
        audio = (sample_set / row["file"]).read_bytes()
        assert len(audio) > 16_000, row  # at least half a second of 16 kHz 16-bit sound
        assert audio == (again / row["file"]).read_bytes(), row


@pytest.mark.parametrize(("heard", "outcome"), [
    (("what is riluzole",), "section"),
    (("louder",), "setting"),
    (("stop",), "command"),
    (("the weather is lovely today",), "not in factsheet"),
    ((), "not caught"),
])
def test_what_the_core_did_is_classified(library: Library, matcher: Matcher, heard: tuple[str, ...],
                                          outcome: str) -> None:
    conversation = Conversation(library, Voice(150, 0.9), matcher)
    assert outcome_of(conversation.handle(Heard(heard, whole=True)))[0] == outcome


def test_the_interval_of_none_in_a_hundred_reaches_about_four_percent() -> None:
    low, high = wilson(0, 100)
    assert low == 0.0
    assert 0.03 < high < 0.045
    low, high = wilson(50, 100)
    assert low < 0.5 < high


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end_and_scores_again_from_kept_transcripts(sample_set: Path,
                                                                               tmp_path: Path) -> None:
    transcripts = tmp_path / "heard.json"
    command = [sys.executable, str(BENCH), str(sample_set), "--limit", str(SAMPLE), "--transcripts", str(transcripts)]
    first = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    assert f"recognized {SAMPLE} clips" in first
    for row in ("English sentence", "English word", "other language", "not speech", "tuning", "held_out"):
        assert f"  {row} " in first, first
    assert "section read" in first
    assert "Worst examples, tuning split only" in first
    second = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    assert "recognized" not in second
    assert f"{SAMPLE} transcripts reused" in second
    assert first.split("All clips")[1] == second.split("All clips")[1]
