"""One exception hierarchy; messages are written for the caregiver who will read or hear them."""

from __future__ import annotations

from pathlib import Path


class VoiceAssistError(Exception):
    """Something the user can fix. ``str(error)`` says what is wrong and what to do."""


class ContentError(VoiceAssistError):
    """A factsheet file that cannot be used, pointing at the file and line."""

    def __init__(self, path: Path, line: int, problem: str, fix: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}:{line}: {problem}. {fix}")


class ConfigError(VoiceAssistError):
    """A settings file value that cannot be used."""


class ModelError(VoiceAssistError):
    """A speech-recognition model that is missing, incomplete or unreadable."""


class AudioDeviceError(VoiceAssistError):
    """A microphone or speaker that cannot be opened or has gone away."""


class SpeechOutputError(VoiceAssistError):
    """Speech synthesis or playback failed."""
