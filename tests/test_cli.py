"""The command-line contract that tests and automation rely on."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voice_assist", *args], check=False, input=stdin, capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env={**os.environ, **(env or {})})


def test_ask_json_gives_one_object_per_question_in_order(tmp_path):
    result = run("ask", "--json", "will I need a feeding tube", "tell me a joke", "stop", "cramps",
                 env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in records] == ["will I need a feeding tube", "tell me a joke", "stop",
                                            "cramps"]
    assert set(records[0]) == {"input", "transcript", "kind", "section", "command", "answer", "score",
                               "alternatives", "held_back", "trace"}
    feeding, joke, stop, swallowing = records
    assert (feeding["kind"], feeding["section"], feeding["transcript"]) == ("answer", "treatment/nutrition", None)
    assert "feeding tube" in feeding["answer"]
    assert feeding["alternatives"][0] == {"section": "treatment/nutrition", "score": feeding["score"]}
    assert (joke["kind"], joke["section"]) == ("no_match", None)
    assert joke["answer"].startswith("I don't have that in my factsheet.")
    assert (stop["kind"], stop["command"]) == ("command", "stop")
    assert swallowing["kind"] == "clarify" and swallowing["answer"].startswith("Do you mean")


def test_ask_reads_one_question_per_line_from_stdin_as_a_conversation(tmp_path):
    result = run("ask", stdin="what are the symptoms\n\nmore\n", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().split("\n")
    assert first.startswith("From the factsheet section Symptoms")
    assert "Progressive weakness in arms and legs" in second


def test_topics_lists_ids_and_titles():
    result = run("topics", "--json")
    topics = json.loads(result.stdout)
    assert {"id": "treatment/nutrition", "title": "Nutrition"} in topics
    assert next(t["id"] for t in topics if "/" not in t["id"]) == "overview"


def test_a_broken_user_factsheet_is_reported_and_the_rest_still_answers(tmp_path):
    (tmp_path / "broken.md").write_text("no heading here\n")
    result = run("--content", str(tmp_path), "ask", "what causes als")
    assert result.returncode == 0
    assert "broken.md:1" in result.stderr
    assert result.stdout.startswith("From the factsheet section Causes")


def test_errors_are_one_line_on_stderr_with_a_nonzero_exit(tmp_path):
    result = run("ask", "--wav", str(tmp_path / "missing.wav"), env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode != 0
    assert result.stdout == ""
    assert "missing.wav" in result.stderr.strip().splitlines()[-1]


def test_a_bad_config_value_names_key_and_line_and_keeps_the_default(tmp_path):
    config = tmp_path / "voice-assist" / "config.toml"
    config.parent.mkdir()
    config.write_text('engine = "pocketsphinx"\nrate = "fast"\n')
    result = run("ask", "--json", "slower", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 0
    assert f"{config}:2" in result.stderr and "rate" in result.stderr
    assert json.loads(result.stdout)["answer"] == "Speaking slower."


@pytest.mark.slow
def test_ask_wav_fills_in_the_transcript_one_file_one_question(tmp_path):
    from tests.spoken import wav_file

    question, command = wav_file("what causes als"), wav_file("stop talking", voice="en-us+f3")
    result = run("ask", "--json", "--wav", str(question), str(command),
                 env={"XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["input"] == str(question) and "causes" in first["transcript"]
    assert (first["kind"], first["section"]) == ("answer", "causes")
    assert (second["kind"], second["command"]) == ("command", "stop")
    assert "pocketsphinx" in result.stderr


def test_ask_wav_does_not_answer_words_made_of_breathing_and_explains_why(tmp_path):
    """pocketsphinx makes words of this breathing ("can't happy i can't it", close to Treatment, Breathing)."""
    from tests.sound_material import breathing
    from tests.spoken import write_wav

    breath = tmp_path / "breath.wav"
    write_wav(breathing(0), breath)
    result = run("ask", "--explain", "--wav", str(breath),
                 env={"XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    reply, headline, why = result.stdout.splitlines()[:3]
    assert reply.startswith("Sorry, I didn't catch that") and headline.startswith("Not caught")
    assert why.startswith("Why: no voice or speech sound was in it (pitch 0.2")
    assert "pitch 0.2" in result.stderr
    record = json.loads(run("ask", "--json", "--wav", str(breath),
                            env={"XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}).stdout)
    assert record["section"] is None and record["held_back"].startswith("no voice or speech sound")


@pytest.mark.slow
def test_transcribe_prints_what_was_heard(tmp_path):
    from tests.spoken import wav_file

    result = run("transcribe", "--alternatives", str(wav_file("will i need a feeding tube")),
                 env={"XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    guesses = [line.split("\t")[2] for line in result.stdout.splitlines()]
    assert len(guesses) >= 2
    assert "feeding" in guesses[0]


def test_typed_questions_never_load_the_sound_or_speech_libraries():
    """`ask` must work on a machine whose sound system is broken or absent."""
    code = ("import sys; from voice_assist.cli import main; main(['ask', 'what is als']); "
            "print(sorted({'sounddevice', 'pocketsphinx', 'vosk', 'pyttsx3'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)

    assert result.stdout.splitlines()[-1] == "[]"


@pytest.mark.audio
def test_a_broken_speech_model_is_announced_and_the_basic_one_answers(tmp_path, pulse):
    """The person using it cannot read the screen: the fallback is said aloud, then questions still work."""
    broken = tmp_path / "vosk-model"
    broken.mkdir()
    (broken / "README").write_text("half of a copied model\n")
    env = {**pulse.env, "VOICE_ASSIST_MODEL": str(broken), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-m", "voice_assist", "--keyboard"], input="what causes als\nstop\n",
                            capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False)

    assert result.returncode == 0, result.stderr
    assert "Saying: The installed speech model could not be loaded" in result.stdout
    assert "PROBLEM: The installed speech model could not be loaded" in result.stdout  # once, for the log
    assert "Reading: Causes" in result.stdout
    assert str(broken) in result.stderr  # the caregiver's log says which model and what is wrong with it


def run_in_terminal(args: list[str], stdin: str, env: dict[str, str]) -> tuple[str, str]:
    """Run voice-assist with its output on a pseudo-terminal 100 columns wide: what the terminal got (with
    its escape codes) and what went to stderr."""
    screen, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "voice_assist", *args], stdin=subprocess.PIPE, stdout=terminal,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**env, "COLUMNS": "100"})
    os.close(terminal)
    shown = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(screen, 4096)
            except OSError:  # the program ended and closed the terminal
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _, errors = process.communicate(stdin, timeout=120)
    finally:
        reader.join(timeout=10)
        os.close(screen)
    assert process.returncode == 0, errors
    return shown.decode(errors="replace"), errors


@pytest.mark.audio
def test_start_up_problems_stay_on_the_screen(tmp_path, pulse):
    """A skipped factsheet, a bad setting and a voice set by voice that hides the caregiver's rate are still on
    the last screen drawn, after questions, in plain words with what to do; the greeting said them once."""
    homes = {name: tmp_path / name / "voice-assist" for name in ("config", "data", "state", "cache")}
    for folder in homes.values():
        folder.mkdir(parents=True)
    (homes["config"] / "config.toml").write_text('engine = "pocketsphinx"\nrate = 170\nvolume = "loud"\n')
    (homes["state"] / "voice.toml").write_text("rate = 125\n")  # someone said "slower" before
    (homes["data"] / "content").mkdir()
    (homes["data"] / "content" / "mine.md").write_text("My notes, with no heading.\n")
    env = {**os.environ, **pulse.env, **{f"XDG_{name.upper()}_HOME": str(tmp_path / name) for name in homes}}
    shown, _ = run_in_terminal(["--keyboard"], "what causes als\nsay that again\n", env)

    screens = [re.sub(r"\033\[[0-9;]*m", "", drawn) for drawn in shown.split("\033[2J\033[H")[1:]]
    greeting, last = screens[0], " ".join(screens[-1].split())
    assert "has a bad value on line 3. The factsheet mine.md has a problem on line 1." in " ".join(greeting.split())
    assert f"PROBLEM Settings file {homes['config'] / 'config.toml'}, line 3: volume = 'loud'" in last
    assert f"PROBLEM Factsheet {homes['data'] / 'content' / 'mine.md'}, line 1: text before the first" in last
    assert last.count("What to do:") == 2
    assert "Reading Causes" in last and "Heard say that again" in last
    assert ('125 words a minute, volume 90 % Changed by voice; the settings file says 170 words a minute, '
            'volume 90 %. Say "normal voice" to go back to it.') in last
    assert "█████" in screens[-1]  # the state in block letters
