"""Settings the user changes by voice, a step at a time: the assistant's rate and volume, scanning's pace and the
sound a selection needs."""

from __future__ import annotations

from dataclasses import replace

from voice_assist.commands import Command
from voice_assist.events import Scanning, Voice

RATE_STEP, RATE_MIN, RATE_MAX = 25, 80, 300
"""Words per minute, as voice commands change them. A caregiver may set a rate outside these in the settings
(80 to 450): a voice command then never moves it the other way ("faster" at 350 stays at 350)."""
VOLUME_STEP, VOLUME_MIN, VOLUME_MAX = 0.15, 0.25, 1.0

SCAN_STEP, SCAN_MIN, SCAN_MAX = 0.5, 0.5, 15.0
"""Seconds: "scan slower" and "scan faster" change the pause after each option by this much, within the
settings' range."""
SOUND_LEVEL_STEP, SOUND_LEVEL_MIN, SOUND_LEVEL_MAX = 3.0, 3.0, 50.0
"""Decibels: "more sensitive" and "less sensitive" change the sound a selection needs by this much (3 dB is
half or double the sound's power), within the settings' range."""

VOICE_CHANGES = frozenset({Command.SLOWER, Command.FASTER, Command.LOUDER, Command.QUIETER, Command.NORMAL_VOICE})

SCANNING_SETTINGS = frozenset({Command.SCAN_SLOWER, Command.SCAN_FASTER, Command.MORE_SENSITIVE,
                               Command.LESS_SENSITIVE})


def changed_voice(command: Command, voice: Voice, normal_voice: Voice | None) -> tuple[Voice, str, str]:
    """The voice after one of ``VOICE_CHANGES``, what to say when it changed, and what to say at its limit."""
    changed = {
        Command.SLOWER: (replace(voice, rate=round(stepped(voice.rate, -RATE_STEP, RATE_MIN, RATE_MAX))),
                         "Speaking slower.", "This is as slow as I can speak."),
        Command.FASTER: (replace(voice, rate=round(stepped(voice.rate, RATE_STEP, RATE_MIN, RATE_MAX))),
                         "Speaking faster.", "This is as fast as I can speak."),
        Command.LOUDER: (replace(voice, volume=round(stepped(voice.volume, VOLUME_STEP, VOLUME_MIN, VOLUME_MAX), 2)),
                         "Speaking louder.", "This is as loud as I can speak."),
        Command.QUIETER: (replace(voice, volume=round(stepped(voice.volume, -VOLUME_STEP, VOLUME_MIN,
                                                               VOLUME_MAX), 2)),
                          "Speaking more quietly.", "This is as quiet as I can speak."),
        Command.NORMAL_VOICE: (normal_voice or voice, "Speaking in my normal voice.",
                               "This is my normal voice already."),
    }
    return changed[command]


def changed_scanning(command: Command, scanning: Scanning) -> tuple[Scanning, str]:
    """Scanning after one of ``SCANNING_SETTINGS`` ("scan slower" / "scan faster" / "more sensitive" / "less
    sensitive"), and what to say about it."""
    seconds, level = scanning.seconds, scanning.sound_level
    if command in (Command.SCAN_SLOWER, Command.SCAN_FASTER):
        step = SCAN_STEP if command is Command.SCAN_SLOWER else -SCAN_STEP
        seconds = stepped(seconds, step, SCAN_MIN, SCAN_MAX)
        said = f"I will wait {seconds:g} seconds after each option."
    else:
        step = -SOUND_LEVEL_STEP if command is Command.MORE_SENSITIVE else SOUND_LEVEL_STEP
        level = stepped(level, step, SOUND_LEVEL_MIN, SOUND_LEVEL_MAX)
        said = f"A sound must now be {level:g} decibels above the room's noise."
    return Scanning(seconds, level), said


def stepped(value: float, step: float, lowest: float, highest: float) -> float:
    """``value`` moved by ``step`` but not past ``lowest``/``highest``, and never the other way (a value the
    caregiver set beyond them stays where it is)."""
    moved = min(highest, max(lowest, value + step))
    return value if (moved - value) * step < 0 else moved
