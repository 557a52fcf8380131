"""The caregiver's record: what was asked and what the assistant did, as text, on this computer only.

One JSON object per line in ``data_dir()/history.jsonl``, appended as each reply is carried out:

    {"type": "turn", "time": "2026-11-24T14:03:22+01:00", "heard": "what causes als", "outcome": "answer",
     "section": "causes", "title": "Causes", "said": "From the factsheet section Causes: The cause ...",
     "command": null}

``outcome`` is one of ``Outcome``; ``said`` is the first words of the reply. A call for help, and its end, is
an alert:

    {"type": "alert", "time": "2026-11-24T14:05:02+01:00", "event": "called", "why": "heard 'help me'"}

Readers skip the types they do not know. No audio is kept, lines older than
``history_days`` are dropped, and "forget history" deletes the file and keeps none from then on (until a
caregiver deletes ``history.off``). ``voice-assist ask`` keeps no turns (it is for checking the factsheet, and
scripts send it thousands of questions), but a "forget history" typed to it does delete the history.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from voice_assist.config import Settings, data_dir
from voice_assist.events import HistoryForgotten, Reply
from voice_assist.match import MatchKind

log = logging.getLogger(__name__)

HISTORY_FILE = "history.jsonl"
OFF_FILE = "history.off"
"""Written by "forget history": while it exists no history is kept, whatever the settings say."""

SAID_WORDS = 25
"""Words of each reply kept: enough to tell which passage was read, not the whole of it."""

PRUNE_EVERY_SECONDS = 24 * 60 * 60
"""Old lines are dropped at start-up and then once a day: retention is counted in days, and reading the
file back at every turn would cost more than it saves."""

TURN = "turn"
ALERT = "alert"


class Outcome(StrEnum):
    ANSWER = "answer"
    COMMAND = "command"
    CLARIFY = "clarify"
    """ "Do you mean A, or B?" """
    CONFIRM = "confirm"
    """ "Do you mean A?" """
    NOT_IN_FACTSHEET = "not_in_factsheet"
    NOT_CAUGHT = "not_caught"


UNANSWERED = frozenset({Outcome.NOT_IN_FACTSHEET, Outcome.NOT_CAUGHT})


@dataclass(frozen=True)
class Turn:
    """One question or command and what was done about it."""

    time: datetime
    """Local time, with its offset."""
    heard: str
    """What was heard (or typed), as the caregiver's screen showed it."""
    outcome: Outcome
    section: str | None = None
    title: str = ""
    """The section's title as said aloud ("Treatment, Nutrition")."""
    said: str = ""
    """The first ``SAID_WORDS`` words of the reply."""
    command: str | None = None

    def record(self) -> dict[str, Any]:
        return {"type": TURN, "time": self.time.isoformat(timespec="seconds"), "heard": self.heard,
                "outcome": str(self.outcome), "section": self.section, "title": self.title, "said": self.said,
                "command": self.command}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Turn | None:
        """The turn a line holds; None for other records (alerts) and lines that cannot be read."""
        if record.get("type") != TURN:
            return None
        try:
            return cls(datetime.fromisoformat(record["time"]), str(record.get("heard") or ""),
                       Outcome(record["outcome"]), record.get("section"), str(record.get("title") or ""),
                       str(record.get("said") or ""), record.get("command"))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Alert:
    """A call for help sounded (``event`` "called") or was stopped ("stopped")."""

    time: datetime
    event: str
    why: str = ""
    """What called for help, or who stopped it ("heard 'i'm here'", "a key")."""

    def record(self) -> dict[str, Any]:
        return {"type": ALERT, "time": self.time.isoformat(timespec="seconds"), "event": self.event, "why": self.why}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Alert | None:
        if record.get("type") != ALERT:
            return None
        try:
            return cls(datetime.fromisoformat(record["time"]), str(record["event"]), str(record.get("why") or ""))
        except (KeyError, TypeError, ValueError):
            return None


def outcome_of(reply: Reply) -> Outcome | None:
    """What kind of turn a reply ends; None for what answers nobody (the greeting, a fault notice)."""
    match = reply.match
    if match is None:
        return Outcome.ANSWER if reply.section else None  # chosen by scanning: no words were heard
    if match.kind is MatchKind.COMMAND:
        return Outcome.COMMAND
    if reply.section:
        return Outcome.ANSWER
    if match.kind is MatchKind.CLARIFY:
        return Outcome.CLARIFY
    if match.confirm or match.offered_command:
        return Outcome.CONFIRM
    if not match.heard.strip() or match.uncertain:
        return Outcome.NOT_CAUGHT
    return Outcome.NOT_IN_FACTSHEET


def turn_of(reply: Reply, heard: str, title: str, now: datetime) -> Turn | None:
    """The record of a reply to ``heard``; None when it answers nobody."""
    outcome = outcome_of(reply)
    if outcome is None:
        return None
    said = " ".join(reply.text.split()[:SAID_WORDS])
    return Turn(now, heard, outcome, reply.section, title, said, reply.match.command if reply.match else None)


class History:
    """Appends turns to ``folder/history.jsonl``; never raises into the conversation (a failure is logged once)."""

    def __init__(self, folder: Path, *, keep_days: int, on: bool = True,
                 clock: Callable[[], float] = time.time) -> None:
        """``on`` is the ``history`` setting; "forget history" (``history.off``) turns it off as well."""
        self.folder = folder
        self.keep_days = keep_days
        self._clock = clock
        self.keeping = on and not self.off_file.exists()
        self._pruned_at: float | None = None
        self._warned = False

    @property
    def file(self) -> Path:
        return self.folder / HISTORY_FILE

    @property
    def off_file(self) -> Path:
        return self.folder / OFF_FILE

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock()).astimezone()

    def write(self, turn: Turn | Alert) -> None:
        """Append one turn (or alert) as one line, in one write, flushed (a crash loses at most that line)."""
        if not self.keeping:
            return
        if self._pruned_at is None or self._clock() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self.prune()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self.file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(turn.record()) + "\n")
                out.flush()
        except OSError as error:
            self._warn_once(str(error.strerror or error))

    def prune(self) -> None:
        """Drop the turns older than ``keep_days``; the file is rewritten only when one is dropped."""
        self._pruned_at = self._clock()
        cutoff = self.now() - timedelta(days=self.keep_days)
        try:
            lines = self.file.read_text(encoding="utf-8").splitlines(keepends=True) if self.file.exists() else []
            kept = [line for line in lines if not _older(line, cutoff)]
            if len(kept) < len(lines):
                _replace(self.file, "".join(kept))
                log.info("History: dropped %d turns older than %d days", len(lines) - len(kept), self.keep_days)
        except (OSError, UnicodeDecodeError) as error:
            self._warn_once(str(getattr(error, "strerror", None) or error))

    def forget(self) -> HistoryForgotten:
        """Delete the history and keep none from now on; how many questions it held, or why it could not."""
        questions = sum(turn.outcome is not Outcome.COMMAND for turn in read_turns(self.file))
        self.keeping = False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.off_file.write_text(
                f"Written by voice-assist on {self.now():%d %B %Y at %H:%M}, when someone said 'forget history'.\n"
                "While this file exists no history of questions is kept. Delete it to keep one again.\n",
                encoding="utf-8")
            self.file.unlink(missing_ok=True)
        except OSError as error:
            log.warning("Could not delete the history %s (%s)", self.file, error.strerror or error)
            return HistoryForgotten(questions, failed=f"I could not delete {self.file} ({error.strerror or error}).")
        log.info("History deleted (%d questions); no history is kept until %s is deleted", questions, self.off_file)
        return HistoryForgotten(questions)

    def _warn_once(self, problem: str) -> None:
        if not self._warned:
            log.warning("Cannot keep the history in %s (%s); the assistant goes on without it.", self.file, problem)
            self._warned = True


def history_for(settings: Settings) -> History:
    """The history in ``data_dir()``, kept as the settings say."""
    return History(data_dir(), keep_days=settings.history_days, on=settings.history)


def read_turns(path: Path, since: datetime | None = None) -> list[Turn]:
    """The turns in a history file, oldest first, from ``since`` on; lines that cannot be read are skipped."""
    return [turn for turn in _records(path, Turn.from_record) if since is None or turn.time >= since]


_Record = TypeVar("_Record", Turn, Alert)


def read_alerts(path: Path, since: datetime | None = None) -> list[Alert]:
    """The calls for help (and their ends) in a history file, oldest first, from ``since`` on."""
    return [alert for alert in _records(path, Alert.from_record) if since is None or alert.time >= since]


def _records(path: Path, parse: Callable[[dict[str, Any]], _Record | None]) -> Iterator[_Record]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            parsed = parse(record) if isinstance(record, dict) else None
            if parsed is not None:
                yield parsed


def _older(line: str, cutoff: datetime) -> bool:
    """Whether a line is dated before ``cutoff`` (a line without a readable time is kept)."""
    try:
        return datetime.fromisoformat(json.loads(line)["time"]) < cutoff
    except (ValueError, KeyError, TypeError):
        return False


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file, then put it in place: a crash leaves the old file or the new one."""
    temporary = path.with_suffix(".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
