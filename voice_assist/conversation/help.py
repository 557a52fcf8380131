"""The call for help without words: short sounds or switch presses in quick succession, or the switch held down.

What counts as a signal, and when enough of them call for help. The alarm itself, and what it silences, is the
conversation core's (``core.py``): a call for help ends every other mode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from voice_assist.events import SoundEnded

HELP_SIGNALS = 3
HELP_SIGNAL_WINDOW = 2.5
HELP_SOUND_MAX_SECONDS = 0.5
"""A call for help without words: ``HELP_SIGNALS`` short sounds (each at most ``HELP_SOUND_MAX_SECONDS``: a
click, a tap, a short hum), the last ending within ``HELP_SIGNAL_WINDOW`` seconds of the first's start, or as many
switch presses within that time. scripts/bench_sounds.py (held out, sounds at 20 dB): 96 % of such calls caught;
on 5 minutes of conversation at +20 dB, 36 false calls an hour with this alone, hence the two rules below."""

HELP_QUIET_BEFORE_SECONDS = 1.5
"""The first of the three follows no other sound for this long: a deliberate signal starts out of quiet, while
words follow words. Conversation at +20 dB: 36 false calls an hour to 24 (bench_sounds.py)."""

TALK_HOLDS_OFF_HELP_SECONDS = 10.0
"""No sound that rose and fell like speech (``SoundEnded.talk``) ended this long before: conversation at +25 dB
from 24 false calls an hour to 0, and 96 % of calls still caught (a check beside bench_sounds.py, small samples:
one event in 5 minutes is 12 an hour)."""

LONG_PRESS_SECONDS = 2.0
"""A switch held down this long calls for help: far longer than a press that selects."""

ALARM_OFF = "The alarm is off."


@dataclass(frozen=True)
class HelpSignals:
    """The sounds and switch presses of late, as far as they may be a call for help."""

    sound_starts: tuple[float, ...] = ()
    """When the short sounds of a possible call for help began."""
    last_sound_end: float = float("-inf")
    last_talk_end: float = float("-inf")
    presses: tuple[float, ...] = ()
    """When the switch was pressed lately: three quick presses call for help."""
    switch_down_at: float | None = None

    def may_signal(self, sound: SoundEnded) -> bool:
        """Not talk, not a long sound (a held hum), not a spoken word, nor a sound amid talk: one of a call's
        signals, perhaps."""
        return not (sound.talk or sound.seconds > HELP_SOUND_MAX_SECONDS or sound.word
                    or sound.at - self.last_talk_end < TALK_HOLDS_OFF_HELP_SECONDS)

    def after_sound(self, sound: SoundEnded) -> HelpSignals:
        """The signals once ``sound`` has ended: a sound that may signal goes on with a run of them, or begins one
        out of quiet (one that follows other sound does not); any other sound ends the run."""
        ended = replace(self, last_sound_end=sound.at, sound_starts=(),
                        last_talk_end=sound.at if sound.talk else self.last_talk_end)
        if not self.may_signal(sound):
            return ended
        onset = sound.at - sound.seconds
        run = tuple(start for start in self.sound_starts if sound.at - start <= HELP_SIGNAL_WINDOW)
        starts_or_goes_on = run or onset - self.last_sound_end >= HELP_QUIET_BEFORE_SECONDS
        return replace(ended, sound_starts=(*run, onset) if starts_or_goes_on else ())

    def sounds_call(self, help_sounds: int) -> bool:
        """Enough short sounds to call for help (``help_sounds`` 0: sounds never do)."""
        return bool(help_sounds) and len(self.sound_starts) >= help_sounds

    def pressed(self, at: float) -> HelpSignals:
        """A press of the switch at ``at``, counted with the presses before it within ``HELP_SIGNAL_WINDOW``."""
        return replace(self, presses=(*(press for press in self.presses if at - press <= HELP_SIGNAL_WINDOW), at))

    @property
    def presses_call(self) -> bool:
        return len(self.presses) >= HELP_SIGNALS

    def held_long(self, at: float) -> bool:
        """The switch went down ``LONG_PRESS_SECONDS`` or more before ``at``, and is still down."""
        return self.switch_down_at is not None and at - self.switch_down_at >= LONG_PRESS_SECONDS
