"""Learning the user's voice (enrolment.py says what to ask and when; the loop measures and keeps the takes), and
forgetting it.

The ``Learner`` owns the enrolment under way and the phrases that can be learned; it says and shows through the
core's ``Say`` and ``Show``. What learning sets aside (a half question, scanning, the thread) is the core's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from voice_assist import enrolment
from voice_assist.content import Library
from voice_assist.conversation.stage import Moment, Say, Show
from voice_assist.events import (
    Action,
    DropTakes,
    ForgetVoice,
    Reply,
    Silence,
    State,
    TakeMeasured,
    TakesSaved,
    VoiceForgotten,
)

log = logging.getLogger(__package__)


class Learner:
    """Learning's state (the enrolment, None when not learning) and its rules."""

    def __init__(self, library: Library, *, say: Say, show: Show) -> None:
        self.enrollable = enrolment.enrollable_phrases(library)
        self.enrolment: enrolment.Enrolment | None = None
        self._say, self._show = say, show

    @property
    def active(self) -> bool:
        return self.enrolment is not None

    def requested(self, said: str) -> enrolment.Request | None:
        """ "learn my voice", "learn stop again" or "forget my voice" said whole; None for anything else."""
        request = enrolment.requested(said, self.enrollable)
        if request is not None:
            log.info("Heard %r → %s", said, "forget my voice" if request.forget else f"learn {len(request.learn)} "
                     "phrases")
        return request

    def begin(self, phrases: Sequence[str] | None = None) -> enrolment.Turn:
        """Learning begins: ``phrases``, or all the phrases that can be learned."""
        return enrolment.begin(self.enrollable if phrases is None else phrases)

    def go_on(self, turn: enrolment.Turn, *, interrupt: bool = False, before: str = "") -> list[Action]:
        """Go on as learning says: its actions first, then its words (none: wait for the loop's report)."""
        self.enrolment = turn.enrolment
        self._show(learning=turn.enrolment.progress if turn.enrolment is not None else None)
        text = f"{before}{turn.text}"
        if text:
            return [*turn.actions, *self._say(text, interrupt=interrupt)]
        self._show(state=State.LISTENING if turn.enrolment is None else State.THINKING)
        return list(turn.actions)

    def heard(self, said: str, *, spoke_over: bool) -> enrolment.Turn:
        """An utterance while learning: a take, or the way out (the recognizer's words act on nothing else)."""
        assert self.enrolment is not None
        if spoke_over:
            log.info("Heard %r over my prompt: not a take", said)
        return enrolment.heard(self.enrolment, said, spoke_over=spoke_over)

    def typed(self, text: str) -> enrolment.Turn:
        """Text typed while learning: the way out, a redo, or else how to stop and the prompt again."""
        assert self.enrolment is not None
        log.info("Typed %r while learning: not answered", text)
        return enrolment.typed(self.enrolment, text)

    def measured(self, take: TakeMeasured) -> enrolment.Turn | None:
        if self.enrolment is None:
            return None
        log.info("Take of %r: %.2f s of voice, distance %s", take.phrase, take.voiced_seconds, take.distance)
        return enrolment.measured(self.enrolment, take)

    def quiet(self, silence: Silence, moment: Moment) -> enrolment.Turn | None:
        """A reminder once the user has said nothing for ``enrolment.REMINDER_SECONDS`` after a prompt."""
        quiet_since = moment.quiet_since
        if self.enrolment is None or silence.speaking or quiet_since is None \
                or silence.at - quiet_since < enrolment.REMINDER_SECONDS:
            return None
        return enrolment.quiet(self.enrolment)

    def stop(self) -> enrolment.Turn:
        assert self.enrolment is not None
        return enrolment.stop(self.enrolment)

    def dropped(self) -> list[Action]:
        """Learning ends at once (a call for help, no microphone): the takes of the phrase under way are dropped, and
        the screen no longer shows learning."""
        learning: list[Action] = [DropTakes()] if self.enrolment is not None else []
        self.enrolment = None
        self._show(learning=None)
        return learning

    def saved(self, saved: TakesSaved) -> list[Action]:
        """A phrase learned; if it could not be saved, learning stops, and the screen says why."""
        if not saved.failed:
            return []
        self.enrolment = None
        self._show(problem=f"The recordings of '{saved.phrase}' could not be saved: {saved.failed}", learning=None)
        return [DropTakes(), *self._say("I could not save the recordings of your voice. A caregiver can see why "
                                        "on the screen.", interrupt=True)]

    def forget(self, heard: str) -> list[Action]:
        """ "Forget my voice", confirmed: what is being said stops, and the reply waits for ``VoiceForgotten``."""
        log.info("Heard %r → forget my voice", heard)
        self._show(state=State.THINKING, heard=heard, section=None, said="")
        return [Reply("", interrupt=True), ForgetVoice()]

    def forgotten(self, forgotten: VoiceForgotten) -> list[Action]:
        if forgotten.failed:
            self._show(problem=f"The recordings of the user's voice could not be deleted: {forgotten.failed}")
            return self._say("I could not delete the recordings of your voice. A caregiver can see why on the "
                             "screen.")
        if not forgotten.takes:
            return self._say("There were no recordings of your voice.")
        return self._say(f"I deleted the {forgotten.takes} recordings of your voice. "
                         "I will go by your words alone.")
