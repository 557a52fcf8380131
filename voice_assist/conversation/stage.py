"""What every mode shares with the core: the moment of the event being handled (the clock and the assistant's
own voice), and the core's ways to say something and to change what the screen shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voice_assist.events import Action

OFFER_SECONDS = 30.0
"""How long after the assistant falls silent a "yes" or "more" still takes up what it offered ("Do you want
more?", "Do you mean Treatment, Breathing?"): time for a tired, slow speaker to answer, short enough that
talk on the television minutes later ("that on", heard as "yes") does not read an old answer."""


@dataclass(frozen=True)
class Moment:
    """The clock and the assistant's own voice, as of the event being handled."""

    now: float = 0.0
    """The time of the event being handled."""
    speaking: bool = False
    """Whether the assistant's voice was playing at the event being handled."""
    quiet_since: float | None = None
    """When the assistant last fell silent (None while it speaks)."""

    def just_said(self) -> bool:
        """The assistant is speaking, or fell silent at most ``OFFER_SECONDS`` ago."""
        return self.quiet_since is None or self.now - self.quiet_since <= OFFER_SECONDS


class Say(Protocol):
    """Say ``text`` (read from ``section``, if it is the factsheet's), and show it being said."""

    def __call__(self, text: str, *, interrupt: bool = False, section: str | None = None) -> list[Action]: ...


class Show(Protocol):
    """Change what the screen shows (``Status`` fields)."""

    def __call__(self, **changes: object) -> None: ...
