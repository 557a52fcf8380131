"""``voice-assist history``: what the history says, in plain words for a caregiver (or as JSON).

What was asked most, by section, and the questions it could not answer, grouped by their words, as suggested
additions to a section's ``Ask:`` line: the quickest way to make the factsheet answer what is really asked.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta

from voice_assist.history import UNANSWERED, History, Outcome, Turn, read_alerts, read_turns
from voice_assist.text import STOPWORDS, words

MOST_ASKED_SHOWN = 10
"""Sections listed under "Asked most": a caregiver looks at the top of the list."""
UNANSWERED_SHOWN = 20
"""Unanswered questions listed: more than a factsheet editor takes on in one sitting."""

_AGE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class Asked:
    section: str
    title: str
    count: int


@dataclass(frozen=True)
class Unanswered:
    question: str
    """The commonest wording of the question."""
    count: int
    not_caught: int
    """How many of those times it was not heard clearly (the words may be misheard)."""


@dataclass(frozen=True)
class Report:
    questions: int
    """Turns that were not commands."""
    unanswered_count: int
    most_asked: tuple[Asked, ...]
    unanswered: tuple[Unanswered, ...]


def parse_since(text: str) -> timedelta:
    """``7d``, ``24h`` or ``30m`` as a length of time (for ``--since``)."""
    found = _AGE.match(text.lower())
    if not found or int(found[1]) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age such as 7d (days), 24h (hours) or 30m (minutes)")
    return timedelta(**{_UNITS[found[2]]: int(found[1])})


def report(turns: Sequence[Turn]) -> Report:
    """Counts of what was asked and what could not be answered."""
    questions = [turn for turn in turns if turn.outcome is not Outcome.COMMAND]
    answered = Counter((turn.section, turn.title) for turn in questions if turn.outcome is Outcome.ANSWER)
    most_asked = tuple(Asked(section, title, count) for (section, title), count in answered.most_common()
                       if section)
    unanswered = [turn for turn in questions if turn.outcome in UNANSWERED and turn.heard.strip()]
    return Report(len(questions), len(unanswered), most_asked[:MOST_ASKED_SHOWN],
                  tuple(_grouped(unanswered)[:UNANSWERED_SHOWN]))


def _grouped(turns: Sequence[Turn]) -> list[Unanswered]:
    """The same question asked in other small words ("will I need a wheelchair", "do I need a wheelchair") is
    one: grouped by its words that are not small ones, most asked first."""
    groups: defaultdict[tuple[str, ...], list[Turn]] = defaultdict(list)
    for turn in turns:
        said = words(turn.heard)
        groups[tuple(sorted({word for word in said if word not in STOPWORDS} or set(said)))].append(turn)
    found = [Unanswered(Counter(" ".join(words(turn.heard)) for turn in group).most_common(1)[0][0], len(group),
                        sum(turn.outcome is Outcome.NOT_CAUGHT for turn in group)) for group in groups.values()]
    return sorted(found, key=lambda unanswered: -unanswered.count)


def print_report(history: History, *, since: timedelta | None, as_json: bool, show: Callable[[str], None]) -> None:
    """Show what the history holds from ``since`` ago on (all of it when None)."""
    start = history.now() - since if since is not None else None
    found = report(read_turns(history.file, start))
    alerts = read_alerts(history.file, start)
    if as_json:
        show(json.dumps({"file": str(history.file), "keeping": history.keeping,
                         "since": start.isoformat(timespec="seconds") if start else None, **asdict(found),
                         "alerts": [alert.record() for alert in alerts]}))
        return
    if alerts:
        show("Calls for help:\n" + "\n".join(f"  {alert.time:%a %d %b %H:%M}  {alert.event}: {alert.why or 'a key'}"
                                              for alert in alerts) + "\n")
    if not history.keeping:
        show(_why_off(history))
    period = f"the last {_age(since)}" if since is not None else f"up to {history.keep_days} days"
    if not found.questions:
        show(f"No questions in the history ({history.file}, {period}).")
        return
    show(f"History in {history.file}, {period}: {_times(found.questions, 'question')}, "
         f"{found.unanswered_count} not answered.")
    if found.most_asked:
        show("\nAsked most:")
        show("\n".join(f"  {asked.count:4d}  {asked.title or asked.section}" for asked in found.most_asked))
    if found.unanswered:
        show("\nQuestions it could not answer. If a section answers one, add its words to that section's "
             "Ask: line:")
        show("\n".join(_suggestion(unanswered) for unanswered in found.unanswered))


def _why_off(history: History) -> str:
    if history.off_file.exists():
        return (f"No history is being kept: someone said 'forget history'. To keep one again, delete "
                f"{history.off_file}.")
    return "No history is being kept: the settings say history = false."


def _suggestion(unanswered: Unanswered) -> str:
    unclear = ""
    if unanswered.not_caught:
        unclear = ", not heard clearly" if unanswered.not_caught == unanswered.count else (
            f", {_times(unanswered.not_caught, 'time')} not heard clearly")
    asked = "once" if unanswered.count == 1 else f"{unanswered.count} times"
    return f"  Add to an Ask: line? '{unanswered.question}' (asked {asked}{unclear})"


def _times(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _age(age: timedelta) -> str:
    minutes = round(age.total_seconds() / 60)
    for unit, per in (("day", 24 * 60), ("hour", 60)):
        if minutes % per == 0:
            return _times(minutes // per, unit)
    return _times(minutes, "minute")
