"""Auditory scanning: the options read aloud one at a time, for a user whose speech is not enough.

An AAC method: the assistant reads the topics one by one, then the passages of the chosen topic, with the
commands (repeat, more, back, stop) among them; any sound the user can still make, or a switch, selects the
option being read or just read. This module is pure: what the menus are, and which option a signal at a
given moment picks. The conversation core (``conversation/``) keeps the scan and the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from voice_assist.content import Library, Section

SCAN_ROUNDS = 2
"""Rounds of a menu read without a selection before scanning stops and goes quiet: a user who has drifted
off, or who set it going by a sound not meant for it, is not read at for ever; a sound (or the switch)
starts it again."""

SELECT_GRACE_SECONDS = 0.5
"""A selection this soon after the next option began is taken for the option before it: someone with ALS
is often slow to make their sound, and the pause after an option is where they mean it."""

SELECT_LOCKOUT_SECONDS = 1.2
"""After a selection, more sounds select nothing for this long: a cough comes in two or three bursts, a
click may bounce, and the second and third sounds of a call for help must not pick options too."""

LABEL_WORDS = 9
"""The longest passage label, in words: its first sentence when that is short, else its first words. Long
enough to tell passages apart ("The cause of ALS is unknown."), short enough to keep the scan moving."""

START_SCANNING = "Make a sound when you hear the one you want."
STOPPED_SCANNING = "I stopped reading the options."


class OptionKind(StrEnum):
    TOPIC = "topic"
    PASSAGE = "passage"
    REPEAT = "repeat"
    MORE = "more"
    BACK = "back"
    """Back to the passages of the topic answered from."""
    TOPICS = "topics"
    STOP = "stop"
    """Stop scanning."""


@dataclass(frozen=True)
class Option:
    """One thing read while scanning, and what selecting it does."""

    label: str
    """What is said."""
    kind: OptionKind
    section: str | None = None
    """The section of a topic or a passage."""
    passage: int = 0
    """The passage's index in its section."""


@dataclass(frozen=True)
class Scan:
    """Where scanning is: the menu being read, and which of its options was read last and when."""

    menu: tuple[Option, ...]
    index: int = -1
    """The option read last; -1 before the first (or while an answer is read)."""
    said_at: float = 0.0
    """When the option ``index`` was put out to be said."""
    rounds: int = 0
    """Rounds of this menu read to the end without a selection."""
    topic: str | None = None
    """The topic chosen last: what "back" offers the passages of."""
    answering: bool = False
    """A passage is being read; a sound stops it, and its menu (``after_answer``) follows."""
    selected_at: float = float("-inf")
    """When the last selection (or the sound that started scanning) came."""

    def advanced(self, now: float) -> Scan:
        """The scan with its next option put out ``now`` (the first again after the last)."""
        following = self.index + 1
        wrapped = following >= len(self.menu)
        return replace(self, index=0 if wrapped else following, said_at=now,
                       rounds=self.rounds + 1 if wrapped else self.rounds, answering=False)

    @property
    def exhausted(self) -> bool:
        return self.rounds >= SCAN_ROUNDS

    def locked(self, now: float) -> bool:
        """Too soon after the last selection for another one."""
        return now - self.selected_at < SELECT_LOCKOUT_SECONDS

    def chosen(self, now: float) -> Option | None:
        """The option a selection ``now`` picks: the one being read or just read; in the first moments of an
        option, the one before it. None before the first option."""
        if self.index < 0:
            return None
        index = self.index
        if now - self.said_at < SELECT_GRACE_SECONDS and (index > 0 or self.rounds > 0):
            index = (index - 1) % len(self.menu)
        return self.menu[index]

    @property
    def current(self) -> Option | None:
        return self.menu[self.index] if self.index >= 0 else None


def topic_menu(library: Library) -> tuple[Option, ...]:
    topics = tuple(Option(section.title, OptionKind.TOPIC, section.id) for section in library.topics())
    return (*topics, Option("Stop scanning", OptionKind.STOP))


def passage_menu(library: Library, topic: str) -> tuple[Option, ...]:
    """Every passage of a topic, in reading order: a part's first passage by the part's title, the others by
    their first words."""
    passages = tuple(Option(passage_label(section, index), OptionKind.PASSAGE, section.id, index)
                     for section, index in library.reading_order(topic))
    return (*passages, Option("Back to the topics", OptionKind.TOPICS))


def after_answer_menu(*, has_more: bool) -> tuple[Option, ...]:
    more = (Option("More", OptionKind.MORE),) if has_more else ()
    return (Option("Repeat", OptionKind.REPEAT), *more, Option("Back", OptionKind.BACK),
            Option("Topics", OptionKind.TOPICS), Option("Stop scanning", OptionKind.STOP))


def passage_label(section: Section, index: int) -> str:
    """What a passage is called while scanning: the part's title for its first passage ("Drugs"), else the
    passage's first sentence, or its first ``LABEL_WORDS`` words."""
    if index == 0 and "/" in section.id:
        return section.title
    first_sentence = re.split(r"(?<=[.!?:])\s", section.passages[index], maxsplit=1)[0]
    words = first_sentence.split()
    return " ".join(words[:LABEL_WORDS]).rstrip(":") if len(words) > LABEL_WORDS else first_sentence.rstrip(":")
