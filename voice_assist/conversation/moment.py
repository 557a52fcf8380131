"""The clock and the assistant's own voice, as of the event being handled: all the modes go by it."""

from __future__ import annotations

from dataclasses import dataclass

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
