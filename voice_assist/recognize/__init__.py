"""Speech to text: one small interface, one adapter module per engine.

Recognizers take audio in the pipeline's format (``voice_assist.audio_format``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voice_assist.commands import COMMAND_PHRASES
from voice_assist.content import Library
from voice_assist.enrolment import spoken_phrases
from voice_assist.other_subjects import OTHER_SUBJECTS


@dataclass(frozen=True)
class Transcript:
    """What the recognizer heard in one utterance: several guesses, best first."""

    alternatives: tuple[str, ...] = ()
    word_confidences: tuple[float, ...] = ()
    """How sure the engine is of each word of the best guess, in order: its posterior probability (0-1) over
    the engine's other guesses for the same stretch of sound. Empty when the engine gives none."""
    voiced_seconds: float = 0.0
    """The length of sound the best guess's words cover (silences and noises between them left out); 0 when
    the engine does not say."""

    @property
    def text(self) -> str:
        """The best guess, or "" when nothing was heard."""
        return self.alternatives[0] if self.alternatives else ""


@dataclass(frozen=True)
class Domain:
    """What can be asked, so the recognizer can favour it: phrases from the content and the commands."""

    phrases: tuple[str, ...]
    """Example questions, titles, lay words and command phrases, lower case; also the names of other
    illnesses, so that a question about one is heard as it is, not as the nearest words of the content."""


class Recognizer(Protocol):
    """A speech recognizer fed one utterance at a time."""

    engine: str
    """The engine's short name, "pocketsphinx" or "vosk": for log lines and the caregiver view."""
    description: str
    """Which engine and model, and why it was chosen: shown at start-up."""

    def accept(self, pcm: bytes) -> None:
        """Feed audio (16 kHz mono s16le) of the current utterance."""

    def partial(self) -> str:
        """The best guess so far for the current utterance ("" if none)."""

    def finish(self) -> Transcript:
        """End the utterance: return its transcript and get ready for the next one."""

    def decode_afresh(self, pcm: bytes) -> Transcript:
        """Decode a whole utterance again (between utterances) from the engine's starting state, unadapted
        to the speech heard before, and leave the adapted state as it was: a second opinion when the adapted
        decode may have drifted."""


def domain_of(library: Library) -> Domain:
    """Everything worth hearing: section titles, the ways people ask, the commands, other illnesses, and what
    steers learning the user's voice ("learn my voice", "learn stop again", "stop learning")."""
    phrases = [section.title for section in library.sections]
    phrases += [ask for section in library.sections for ask in section.asks]
    phrases += [*COMMAND_PHRASES, *OTHER_SUBJECTS, *spoken_phrases(library)]
    return Domain(tuple(dict.fromkeys(phrase.lower() for phrase in phrases)))
