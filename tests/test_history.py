"""The caregiver's record: each turn is kept as a line of text, old ones are dropped, "forget history" deletes
it, and ``voice-assist history`` turns it into what was asked most and suggested ``Ask:`` additions."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from voice_assist.cli import main
from voice_assist.config import Settings
from voice_assist.conversation import FORGET_QUESTION, Conversation
from voice_assist.events import ForgetHistory, Heard, HistoryForgotten, Status, Voice, replies
from voice_assist.history import History, Outcome, Turn, read_alerts, read_turns
from voice_assist.loop import VoiceLoop

DAY = 24 * 60 * 60
NOW = 1_800_000_000.0
"""A fixed clock reading (January 2027), seconds."""


@dataclass
class QuietSpeaker:
    """A SpeechOutput that only notes what it is asked to say."""

    said: list[str] = field(default_factory=list)
    speaking: bool = False

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def set_voice(self, rate: int, volume: float, voice: str = "") -> None: ...

    def close(self) -> None: ...


class NoView:
    def show(self, status: Status) -> None: ...


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def typed_loop(matcher, history: History | None, speaker: QuietSpeaker | None = None) -> VoiceLoop:
    """A voice loop taking typed questions (no recognizer is needed for them)."""
    core = Conversation(matcher.library, Voice(150, 0.9), matcher)
    return VoiceLoop(core, None, speaker or QuietSpeaker(), Settings(), NoView(),  # type: ignore[arg-type]
                     history=history)


def ask(loop: VoiceLoop, *questions: str) -> None:
    for question in questions:
        loop.answer_typed(question)


def test_each_turn_is_one_line_of_text_with_what_was_heard_and_done(matcher, tmp_path):
    history = History(tmp_path, keep_days=30, clock=Clock())
    ask(typed_loop(matcher, history), "what causes als", "stop", "tell me a joke", "cramps")

    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["heard"], r["outcome"]) for r in records] == [
        ("what causes als", "answer"), ("stop", "command"), ("tell me a joke", "not_in_factsheet"),
        ("cramps", "clarify")]
    causes, stop, _joke, _cramps = records
    assert causes == {"type": "turn", "time": causes["time"], "heard": "what causes als", "outcome": "answer",
                      "section": "causes", "title": "Causes", "said": causes["said"], "command": None}
    assert causes["said"].startswith("From the factsheet section Causes: The cause of ALS is unknown.")
    assert datetime.fromisoformat(causes["time"]).timestamp() == NOW
    assert stop["command"] == "stop"


def test_a_history_that_cannot_be_written_does_not_stop_the_conversation(matcher, tmp_path, caplog):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    speaker = QuietSpeaker()
    ask(typed_loop(matcher, History(blocker / "voice-assist", keep_days=30), speaker), "what causes als",
        "what causes als")
    assert len(speaker.said) == 2 and "Causes" in speaker.said[1]
    assert caplog.text.count("Cannot keep the history") == 1


def test_turns_older_than_the_retention_are_dropped(tmp_path):
    clock = Clock(NOW - 10 * DAY)
    history = History(tmp_path, keep_days=7, clock=clock)
    for heard in ("ten days ago", "nine days ago"):
        history.write(Turn(history.now(), heard, Outcome.NOT_IN_FACTSHEET))
        clock.now += DAY
    assert [turn.heard for turn in read_turns(history.file)] == ["ten days ago", "nine days ago"]
    clock.now = NOW
    history.write(Turn(history.now(), "today", Outcome.NOT_IN_FACTSHEET))  # the first write of a day prunes
    assert [turn.heard for turn in read_turns(history.file)] == ["today"]

    clock.now = NOW + 8 * DAY
    History(tmp_path, keep_days=7, clock=clock).prune()  # as at start-up
    assert read_turns(history.file) == []


def test_with_the_setting_off_nothing_is_written(matcher, tmp_path):
    ask(typed_loop(matcher, History(tmp_path, keep_days=30, on=False)), "what causes als")
    assert list(tmp_path.iterdir()) == []


def test_forget_history_deletes_it_says_what_and_keeps_none_from_then_on(matcher, tmp_path):
    speaker = QuietSpeaker()
    loop = typed_loop(matcher, History(tmp_path, keep_days=30), speaker)
    ask(loop, "what causes als", "stop", "will i need a wheelchair", "forget history", "yes", "what causes als")

    assert speaker.said[-2] == "I deleted the history of the 2 questions asked. I will keep no history from now on."
    assert not (tmp_path / "history.jsonl").exists()
    assert "forget history" in (tmp_path / "history.off").read_text()
    assert not History(tmp_path, keep_days=30).keeping  # nor after a restart


def test_the_core_asks_before_the_history_is_forgotten_and_then_says_so(dialogue):
    [asked] = replies(dialogue.handle(Heard(("delete my history",), whole=True)))
    assert asked.text == FORGET_QUESTION
    actions = dialogue.handle(Heard(("yes",), whole=True))
    assert ForgetHistory() in actions and [reply.text for reply in replies(actions)] == [""]
    [said] = replies(dialogue.handle(HistoryForgotten(1)))
    assert said.text.startswith("I deleted the history of the one question asked.")
    [failed] = replies(dialogue.handle(HistoryForgotten(0, failed="disk full")))
    assert failed.text.startswith("I could not delete the history.") and "disk full" in dialogue.status.problem


@pytest.mark.parametrize("answer", ["no", "what causes als", "stop"])
def test_the_history_is_kept_unless_the_question_gets_a_yes(dialogue, answer):
    dialogue.handle(Heard(("forget history",), whole=True))
    assert ForgetHistory() not in dialogue.handle(Heard((answer,), whole=True))
    assert ForgetHistory() not in dialogue.handle(Heard(("yes",), whole=True))


@pytest.mark.parametrize("between", ["scan slower", "forget my voice"])
def test_a_yes_after_something_else_does_not_delete_the_history(dialogue, between):
    """Only the next utterance answers "Shall I delete the history?"; a scanning setting or another question in
    between lets it lapse, and the yes then answers that other question at most."""
    dialogue.handle(Heard(("forget history",), whole=True))
    dialogue.handle(Heard((between,), whole=True))
    assert ForgetHistory() not in dialogue.handle(Heard(("yes",), whole=True))


def test_forget_history_is_not_taken_over_the_assistants_own_voice(dialogue):
    dialogue.handle(Heard(("what causes als",), whole=True))
    actions = dialogue.handle(Heard(("forget history",), speaking=True))
    assert ForgetHistory() not in actions and replies(actions) == []


@pytest.fixture
def dialogue(matcher):
    return Conversation(matcher.library, Voice(150, 0.9), matcher)


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """The user's data folder, where the history is kept; no settings file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "data" / "voice-assist"


def test_history_shows_what_was_asked_most_and_suggests_ask_lines_for_the_rest(matcher, data_home, capsys):
    ask(typed_loop(matcher, History(data_home, keep_days=30)),
        "will i need a feeding tube", "stop", "what causes als", "will I need a wheelchair", "feeding tube",
        "do I need a wheelchair?", "tell me a joke", "will I need a wheelchair")
    capsys.readouterr()

    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "7 questions, 4 not answered" in out
    assert out.index("2  Treatment, Nutrition") < out.index("1  Causes")
    assert "Add to an Ask: line? 'will i need a wheelchair' (asked 3 times)" in out
    assert "Add to an Ask: line? 'tell me a joke' (asked once)" in out

    assert main(["history", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["most_asked"][0] == {"section": "treatment/nutrition", "title": "Treatment, Nutrition", "count": 2}
    assert record["unanswered"][0] == {"question": "will i need a wheelchair", "count": 3, "not_caught": 0}


def test_history_since_leaves_out_what_is_older(data_home, capsys):
    clock = Clock(time.time() - 3 * DAY)
    history = History(data_home, keep_days=30, clock=clock)
    history.write(Turn(history.now(), "can i drive", Outcome.NOT_IN_FACTSHEET))
    clock.now = time.time() - 60
    history.write(Turn(history.now(), "can i swim", Outcome.NOT_CAUGHT))

    assert main(["history", "--since", "2d"]) == 0
    out = capsys.readouterr().out
    assert "the last 2 days: 1 question, 1 not answered" in out
    assert "'can i swim' (asked once, not heard clearly)" in out and "drive" not in out


def test_history_says_so_when_there_is_none_or_it_is_off(data_home, capsys):
    assert main(["history"]) == 0
    assert "No questions in the history" in capsys.readouterr().out
    History(data_home, keep_days=30).forget()
    assert main(["history"]) == 0
    assert f"someone said 'forget history'. To keep one again, delete {data_home / 'history.off'}" in \
        capsys.readouterr().out


def test_ask_keeps_no_history(data_home, capsys):
    assert main(["ask", "what causes als"]) == 0
    assert not data_home.exists()


def test_a_call_for_help_and_its_end_are_kept_and_shown_first(matcher, data_home, capsys):
    ask(typed_loop(matcher, History(data_home, keep_days=30)), "what causes als", "help me", "i'm here")
    alerts = read_alerts(data_home / "history.jsonl")
    assert [(alert.event, alert.why) for alert in alerts] == [("called", "heard 'help me'"),
                                                              ("stopped", "heard \"i'm here\"")]
    capsys.readouterr()

    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Calls for help:") and "called: heard 'help me'" in out
    assert "1 question, 0 not answered" in out  # the call and its end are not questions
    assert main(["history", "--json"]) == 0
    assert [alert["event"] for alert in json.loads(capsys.readouterr().out)["alerts"]] == ["called", "stopped"]
