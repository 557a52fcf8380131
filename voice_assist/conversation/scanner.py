"""Auditory scanning: the options of ``scanning.py``'s menus read one at a time, and a sound or the switch picks
one (a topic, a passage, read it again, more, back, stop scanning).

The ``Scanner`` owns the scan; it reads passages through ``Answering``, and says and shows through the core's
``Say`` and ``Show`` (``stage.py``). What starts scanning, and what a call for help or talk undoes, is the core's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from voice_assist.commands import Command
from voice_assist.content import Start
from voice_assist.conversation.adjustments import changed_scanning
from voice_assist.conversation.answering import Answering
from voice_assist.conversation.stage import Moment, Say, Show
from voice_assist.events import Action, ChangeScanning, Reply, Scanning, Silence, State
from voice_assist.match import Match
from voice_assist.scanning import (
    START_SCANNING,
    STOPPED_SCANNING,
    Option,
    OptionKind,
    Scan,
    after_answer_menu,
    passage_menu,
    topic_menu,
)

log = logging.getLogger(__package__)

CHOSEN_BY_SCANNING = "(chosen by scanning)"
"""What the screen and the caregiver's record show as heard for a passage chosen by a sound or the switch."""


class Scanner:
    """Scanning's state (the scan, None when not scanning) and its rules."""

    def __init__(self, answering: Answering, *, say: Say, show: Show, fall_quiet: Callable[[float], None],
                 way_in: bool) -> None:
        """``fall_quiet``: the assistant's voice stopped at that time; ``way_in``: the user does not speak, and
        any sound starts scanning."""
        self.answering = answering
        self.library = answering.library
        self.scan: Scan | None = None
        self._say, self._show, self._fall_quiet = say, show, fall_quiet
        self.way_in = way_in

    @property
    def active(self) -> bool:
        return self.scan is not None

    def greeted(self) -> None:
        """Scanning is the way in: the topics follow the greeting, one at a time."""
        self.scan = Scan(topic_menu(self.library))

    def begin(self, moment: Moment) -> list[Action]:
        self.scan = Scan(topic_menu(self.library), selected_at=moment.now)
        log.info("Scanning the topics")
        return self._next_option(moment, intro=START_SCANNING)

    def end(self) -> list[Action]:
        """Scanning stops, and the user hears how to start it again."""
        return self._stop(f"{STOPPED_SCANNING} {self._how_to_scan_again()}")

    def quiet(self, silence: Silence, moment: Moment, seconds: float) -> list[Action]:
        """After an option (or a passage) and a pause of the scanning pace (``seconds``), the next option."""
        quiet_since = moment.quiet_since
        if silence.speaking or quiet_since is None or silence.at - quiet_since < seconds:
            return []
        return self._next_option(moment)

    def select(self, moment: Moment) -> list[Action]:
        """A sound or a press while scanning: stops a passage being read, or picks the option."""
        scan, at = self.scan, moment.now
        assert scan is not None
        if scan.locked(at):
            return []
        if scan.answering:
            log.info("Stopped reading by a sound or the switch")
            self.scan = replace(scan, selected_at=at, answering=False)
            self._fall_quiet(at)
            self._show(state=State.SCANNING, said="")
            return [Reply("", interrupt=True)]
        option = scan.chosen(at)
        if option is None:
            return []
        log.info("Selected %r by a sound or the switch", option.label)
        self.scan = replace(scan, selected_at=at)
        return self._choose(option, moment)

    def steer(self, command: Command | None, match: Match) -> list[Action]:
        """Speech while scanning: "stop" (or "no") ends it, the rest is not taken ("scan" starts it again: the
        core's). For a user who does not speak, "stop" is not taken: their hum was heard as "stop" and ended
        scanning in silence (scripts/bench_scanning.py); the "Stop scanning" option, or any key, ends it
        instead."""
        if command in (Command.STOP, Command.NO) and not self.way_in:
            log.info("Heard %r while scanning: scanning stopped", match.heard)
            self.scan = None
            self._show(state=State.LISTENING, said="", heard=match.heard)
            return [Reply("", match, interrupt=True)]
        log.info("Heard %r while scanning: not taken", match.heard)
        return []

    def change(self, command: Command, match: Match, scanning: Scanning) -> list[Action]:
        """ "scan slower" / "scan faster" / "more sensitive" / "less sensitive", by the caregiver or the user."""
        changed, said = changed_scanning(command, scanning)
        if changed == scanning:
            return [Reply("That is as far as it goes.", match)]
        self._show(scanning=changed, heard=match.heard)
        return [ChangeScanning(changed), *self._say(said, interrupt=True)]

    def _next_option(self, moment: Moment, *, intro: str = "") -> list[Action]:
        assert self.scan is not None
        scan = self.scan.advanced(moment.now)
        if scan.exhausted:
            return self.end()
        self.scan = scan
        option = scan.menu[scan.index]
        log.info("Option %r", option.label)
        self._show(section=option.section if option.kind is OptionKind.TOPIC else None)
        return self._say(f"{intro} {option.label}".strip(), interrupt=True)

    def _how_to_scan_again(self) -> str:
        return "Make a sound to start again." if self.way_in else "Say scan to start again."

    def _choose(self, option: Option, moment: Moment) -> list[Action]:
        assert self.scan is not None
        scan = replace(self.scan, index=-1, rounds=0)
        kind = option.kind
        thread = self.answering.thread
        if kind is OptionKind.STOP:
            return self._stop(f"Okay. {self._how_to_scan_again()}")
        if kind is OptionKind.TOPIC and option.section is not None:
            menu = passage_menu(self.library, option.section)
            if len(menu) == 2:  # one passage, and "back": read it
                return self._read_chosen(replace(scan, topic=option.section), menu[0])
            self.scan = replace(scan, menu=menu, topic=option.section)
        elif kind is OptionKind.PASSAGE:
            return self._read_chosen(scan, option)
        elif kind is OptionKind.REPEAT and thread.last_text:
            self.scan = replace(scan, answering=True)
            log.info("Reading %s again by scanning", thread.last_section)
            return self._say(thread.last_text, interrupt=True)
        elif kind is OptionKind.MORE and thread.unread:
            return self._read_on(scan, self.answering.read_next(None, announce=False))
        elif kind is OptionKind.BACK and scan.topic is not None:
            self.scan = replace(scan, menu=passage_menu(self.library, scan.topic))
        else:
            self.scan = replace(scan, menu=topic_menu(self.library))
        return self._next_option(moment)

    def _read_chosen(self, scan: Scan, option: Option) -> list[Action]:
        self.scan = scan
        assert option.section is not None
        reply = self.answering.read_section(option.section, None, start=Start(option.passage), announce=False)
        return self._read_on(scan, reply)

    def _read_on(self, scan: Scan, reply: Reply) -> list[Action]:
        """Read a passage while scanning; a sound stops it, and the options for what next follow it."""
        self.scan = replace(scan, answering=True, menu=after_answer_menu(has_more=bool(self.answering.thread.unread)))
        self.answering.thread = self.answering.thread.repeating(reply)
        self._show(section=reply.section, heard=CHOSEN_BY_SCANNING)
        log.info("Reading %s by scanning", reply.section)
        return self._say(reply.text, interrupt=True, section=reply.section)

    def _stop(self, said: str) -> list[Action]:
        self.scan = None
        log.info("Scanning stopped")
        return self._say(said, interrupt=True)
