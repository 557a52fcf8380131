"""Speech out: text is split into sentences, synthesized by pyttsx3 (espeak-ng) in a watched worker
process, and played through a sounddevice stream that "stop" silences at once.

``speaker.Speaker`` is the real thing; the conversation loop depends only on the ``SpeechOutput`` protocol.
Importing this package does not load the sound library: ``ask`` and the other text commands never touch
the sound system.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import Protocol

from voice_assist.errors import SpeechOutputError
from voice_assist.speak.text import split_sentences


class SpeechOutput(Protocol):
    """What the conversation loop needs from speech output."""

    @property
    def speaking(self) -> bool:
        """True from say() until the last sample has been played: the loop ignores its own voice then."""

    def say(self, text: str) -> None:
        """Queue text to be spoken; returns at once."""

    def stop(self) -> None:
        """Barge-in: drop the queue and silence the speaker now."""

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until all queued text has been spoken; False on timeout."""

    def set_voice(self, rate: int, volume: float, voice: str = "") -> None:
        """Words per minute, 0.0 to 1.0, an espeak-ng voice ("" = default); from the next sentence."""

    def close(self) -> None:
        """Stop speaking and release the worker process and the speaker."""


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice."""

    id: str
    """What to put in the ``voice`` setting, e.g. "gmw/en-US"."""
    name: str
    """Human-readable, e.g. "English (America)"."""
    language: str
    """Language tag, e.g. "en-us"."""


def voices(language: str = "") -> list[Voice]:
    """The voices espeak-ng has (for a language prefix such as "en", or all). Raises SpeechOutputError."""
    command = ["espeak-ng", f"--voices={language}" if language else "--voices"]
    try:
        listing = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise SpeechOutputError(f"Cannot list the espeak-ng voices ({error}). Check that espeak-ng is "
                                "installed: run 'espeak-ng --version'.") from error
    found = []
    for line in listing.splitlines()[1:]:
        # Columns: Pty Language Age/Gender VoiceName File [Other Languages]; names have no spaces.
        columns = re.split(r"\s+", line.strip())
        if len(columns) >= 5:
            found.append(Voice(id=columns[4], name=columns[3].replace("_", " "), language=columns[1]))
    return found


__all__ = ["SpeechOutput", "Voice", "split_sentences", "voices"]
