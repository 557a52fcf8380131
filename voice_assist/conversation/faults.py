"""Faults around the conversation: speech that could not be said, listening that went wrong, the microphone lost
and back (or none at start), the switch's trouble, an alarm that could not sound as set up. The screen shows each;
the user hears each once, not again and again while it lasts."""

from __future__ import annotations

import logging

from voice_assist.conversation.stage import Say, Show
from voice_assist.events import (
    Action,
    AlarmFailed,
    MicrophoneLost,
    MicrophoneOpened,
    NoMicrophoneAtStart,
    SpeechFailed,
    State,
    SwitchTrouble,
)

log = logging.getLogger(__package__)

MICROPHONE_BACK = "The microphone is working again."
"""Not "I can hear you again", which a listener heard as "I can't hear you again"."""

FAULT_NOTICE_SECONDS = 60.0
"""A fault is announced once; the same fault again within this time is only logged."""


class Faults:
    """What was announced of the faults so far, and the rules for announcing them."""

    def __init__(self, *, say: Say, show: Show) -> None:
        self.last_fault_notice = -FAULT_NOTICE_SECONDS
        """When "something went wrong while I was listening" was last said."""
        self.microphone_lost = False
        """The microphone's loss was announced, and it has not come back since."""
        self._say, self._show = say, show

    def speech_failed(self, failure: SpeechFailed) -> list[Action]:
        self._show(problem=f"I could not speak ({failure.error}). The answer is shown above in full.")
        return []

    def listening_failed(self, at: float) -> list[Action]:
        actions: list[Action] = []
        if at - self.last_fault_notice >= FAULT_NOTICE_SECONDS:
            self.last_fault_notice = at
            actions = self._say("Sorry, something went wrong while I was listening. I am listening again.",
                                interrupt=True)
        self._show(state=State.LISTENING)
        return actions

    def lost_microphone(self, lost: MicrophoneLost) -> list[Action]:
        problem = lost.problem
        actions: list[Action] = []
        if not self.microphone_lost:
            log.warning("Microphone problem: %s", problem)
            self.microphone_lost = True
            actions = self._say("I can't hear the microphone. I will keep trying.", interrupt=True)
        self._show(state=State.NO_MICROPHONE, problem=problem)
        return actions

    def opened_microphone(self, _opened: MicrophoneOpened) -> list[Action]:
        actions: list[Action] = []
        if self.microphone_lost:
            self.microphone_lost = False
            actions = self._say(MICROPHONE_BACK)
        self._show(state=State.LISTENING, problem="")
        return actions

    def no_microphone_at_start(self, missing: NoMicrophoneAtStart, *, before: str = "") -> list[Action]:
        found_none = f"I can't find a microphone. {missing.checked} You can type questions instead."
        return self._say(f"{before} {found_none}" if before else found_none)

    def switch_trouble(self, trouble: SwitchTrouble, *, alarm_sounding: bool) -> list[Action]:
        """Said once each time the switch stops working or works again (not over the alarm); the screen keeps what
        to do."""
        self._show(problem=trouble.problem)
        return [] if alarm_sounding else self._say(trouble.spoken)

    def alarm_failed(self, failed: AlarmFailed) -> list[Action]:
        self._show(problem=f"The call for help could not sound as set up: {failed.problem}")
        return []
