"""The caregiver view, rendered without a terminal: large plain words, titles, the sentence being said,
problems in plain words with what to do, and one line per change in a log."""

from __future__ import annotations

import io
import re

import pytest

from voice_assist.events import Scanning, State, Status, Voice
from voice_assist.problems import BASIC_RECOGNIZER, Problem
from voice_assist.view import CALL_FOR_HELP, INDENT, TerminalView, big_word, log_lines, screen

SAID = "From the factsheet section Causes: The cause of ALS is unknown. Genes may play a role. Do you want more?"
BROKEN = Problem("Factsheet /home/ann/content/mine.md, line 1: text before the first section heading.",
                 "Start each section with a line like '## Symptoms {#symptoms}'. Then restart voice-assist.",
                 "The factsheet mine.md has a problem on line 1.")
PORTAUDIO = ("cannot open microphone 3 (pulse) (Error opening InputStream: Unanticipated host error "
             "[PaErrorCode -9999]). Check that it is plugged in.")
SPEAKING = Status(State.SPEAKING, Voice(150, 0.9), heard="what causes als", section="causes", said=SAID,
                  engine="pocketsphinx", reading="Causes", sentence="Genes may play a role.",
                  problems=(BROKEN,), normal_voice=Voice(150, 0.9))


def plain_text(lines: list[str]) -> str:
    return re.sub(r"\033\[[0-9;]*m", "", "\n".join(lines))


@pytest.mark.parametrize("state", list(State))
def test_every_state_is_written_in_block_letters_that_fit_80_columns(state: State) -> None:
    rows = big_word(state.upper(), 78)
    assert len(rows) == 5 and all(len(row) <= 78 for row in rows)
    assert big_word(state.upper(), 30) == [f"  {state.upper()}"]  # too narrow: the word as it is


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_screen_fits_the_terminal_and_cuts_nothing(width: int) -> None:
    lines = plain_text(screen(SPEAKING, width)).splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    words = " ".join(" ".join(lines).split())
    for sentence in ("The cause of ALS is unknown.", "Genes may play a role.", "Do you want more?"):
        assert sentence in words  # the whole answer, however long


def test_the_screen_shows_titles_the_sentence_being_said_and_problems_with_what_to_do() -> None:
    lines = screen(SPEAKING, 100)
    text = plain_text(lines)
    assert re.search(r"^  Reading +Causes$", text, re.MULTILINE)
    [now] = [line for line in lines if "Genes may play a role." in line]
    assert "\033[1mGenes may play a role." in now  # bold
    assert "PROBLEM    Factsheet /home/ann/content/mine.md, line 1" in text
    assert "What to do: Start each section" in " ".join(text.split())


def test_a_fault_is_shown_in_plain_words() -> None:
    text = plain_text(screen(Status(State.NO_MICROPHONE, Voice(150, 0.9), problem=PORTAUDIO), 100))
    assert "PROBLEM    Cannot open microphone 3 (pulse). Check that it is plugged in." in text
    assert "PaErrorCode" not in text and "InputStream" not in text


def test_a_voice_changed_by_voice_says_what_the_settings_say_and_how_to_go_back() -> None:
    status = Status(State.LISTENING, Voice(125, 0.9), normal_voice=Voice(170, 0.9))
    text = " ".join(plain_text(screen(status, 80)).split())
    assert ("125 words a minute, volume 90 % Changed by voice; the settings file says 170 words a minute, "
            'volume 90 %. Say "normal voice" to go back to it.') in text
    assert "Changed by voice" not in plain_text(screen(Status(State.LISTENING, Voice(170, 0.9),
                                                              normal_voice=Voice(170, 0.9)), 80))


def test_a_log_gets_the_problems_once_and_one_line_per_change() -> None:
    first = log_lines(SPEAKING, None)
    assert first == [CALL_FOR_HELP, f"PROBLEM: {BROKEN.what} What to do: {BROKEN.fix}",
                     f"SPEAKING | Heard: what causes als | Reading: Causes | Saying: {SAID}"]
    next_sentence = Status(**{**SPEAKING.__dict__, "sentence": "Do you want more?"})
    assert log_lines(next_sentence, SPEAKING) == []
    listening = Status(**{**SPEAKING.__dict__, "state": State.LISTENING, "said": ""})
    assert log_lines(listening, next_sentence) == ["LISTENING | Heard: what causes als | Reading: Causes"]


def test_a_terminal_is_redrawn_and_a_log_appended() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, log = Terminal(), io.StringIO()
    for view in (TerminalView(terminal), TerminalView(log)):
        view.show(SPEAKING)
        view.show(SPEAKING)
        view.show(Status(**{**SPEAKING.__dict__, "problems": (BROKEN, BASIC_RECOGNIZER)}))
    screens = [" ".join(drawn.split()) for drawn in terminal.getvalue().split("\033[2J\033[H")[1:]]
    assert len(screens) == 2 and "basic recognizer" in screens[-1] and "mine.md" in screens[-1]
    assert "\033" not in log.getvalue()
    assert [line.split(":")[0] for line in log.getvalue().splitlines()] == ["Call for help", "PROBLEM",
                                                                          "SPEAKING | Heard", "PROBLEM", "PROBLEM"]
    assert "not a monitored medical alarm" in screens[0] and "not a monitored medical alarm" in log.getvalue()


@pytest.mark.parametrize("state", [State.SCANNING, State.ALARM])
def test_scanning_and_the_alarm_are_shown_in_block_letters_with_the_scanning_settings(state) -> None:
    shown = screen(Status(**{**SPEAKING.__dict__, "state": state, "scanning": Scanning(2.5, 20.0)}), 100)
    assert shown[1] != INDENT + state.upper() and len(shown[1]) > len(state) * 3  # drawn, not written
    assert any("2.5 s after each option" in line and "20 dB" in line for line in shown)
