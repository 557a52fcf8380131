"""The user's enrolled recordings on disk: one folder per phrase, one WAV file per take.

    ~/.local/share/voice-assist/voice/
        stop/take-1.wav  stop/take-2.wav  stop/take-3.wav
        risk factors/take-1.wav ...

The folder is the phrase as said (lower case words), so a caregiver can find, play or delete a recording by
hand. Files are 16 kHz mono 16-bit WAV, written whole or not at all. Loading skips a file that cannot be used
(not a WAV, empty, no voice in it) with a message naming it, and goes on with the rest.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voice_assist.audio_in import AudioFileError, read_wav
from voice_assist.config import data_dir
from voice_assist.examples import ExampleMatcher
from voice_assist.recordings import write_wav

log = logging.getLogger(__name__)

TAKE_NAME = re.compile(r"take-(\d+)\.wav")
"""A take's file name: its number, from 1, in the order recorded."""
MAX_PHRASE_LENGTH = 100
"""Characters: far more than a command or topic name, well within any file system's name limit."""


def voice_folder() -> Path:
    """Where the user's recordings are kept: ``data_dir()/voice``."""
    return data_dir() / "voice"


@dataclass(frozen=True)
class StoredTake:
    path: Path
    pcm: bytes
    """16 kHz mono s16le."""


@dataclass(frozen=True)
class StoredTakes:
    """What was found on disk."""

    takes: dict[str, tuple[StoredTake, ...]]
    """Phrase -> its takes, in take order."""
    problems: tuple[str, ...] = ()
    """One message per file skipped: which file, what is wrong, what to do."""


class ExampleStore:
    """Reads and writes the takes of each phrase in one folder (see the module's docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self) -> StoredTakes:
        """Every take of every phrase; unusable files are skipped and described in ``problems``."""
        takes: dict[str, tuple[StoredTake, ...]] = {}
        problems: list[str] = []
        for phrase_folder in self._phrase_folders():
            found = []
            for path in _take_files(phrase_folder):
                try:
                    found.append(StoredTake(path, read_wav(path)))
                except AudioFileError as error:
                    problems.append(f"{error} Or record '{phrase_folder.name}' again.")
            if found:
                takes[phrase_folder.name] = tuple(found)
        for problem in problems:
            log.warning("Skipped a recording of the user's voice: %s", problem)
        return StoredTakes(takes, tuple(problems))

    def add_take(self, phrase: str, pcm: bytes) -> Path:
        """Keep one more take of ``phrase``; its file. Raises OSError when it cannot be written."""
        folder = self._phrase_folder(phrase)
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(match.group(1)) for path in folder.iterdir() if (match := TAKE_NAME.fullmatch(path.name))]
        return write_wav(folder / f"take-{max(numbers, default=0) + 1}.wav", pcm)

    def replace(self, phrase: str, takes: Sequence[bytes]) -> tuple[Path, ...]:
        """Record ``phrase`` again: its old takes are deleted and these kept instead, numbered from 1."""
        self.remove(phrase)
        return tuple(self.add_take(phrase, pcm) for pcm in takes)

    def remove(self, phrase: str) -> int:
        """Delete the takes of ``phrase``; how many there were."""
        folder = self._phrase_folder(phrase)
        if not folder.is_dir():
            return 0
        count = len(_take_files(folder))
        shutil.rmtree(folder)
        return count

    def forget(self) -> int:
        """Delete every recording of the user's voice ("forget my voice"); how many takes there were."""
        count = sum(len(_take_files(folder)) for folder in self._phrase_folders())
        if self.folder.is_dir():
            shutil.rmtree(self.folder)
        return count

    def _phrase_folders(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(path for path in self.folder.iterdir() if path.is_dir() and not path.name.startswith("."))

    def _phrase_folder(self, phrase: str) -> Path:
        if not phrase.strip() or phrase != phrase.strip() or phrase.startswith(".") or "/" in phrase \
                or "\0" in phrase or len(phrase) > MAX_PHRASE_LENGTH:
            raise ValueError(f"{phrase!r} cannot name a folder of recordings: use words without '/', not starting "
                             f"with '.', at most {MAX_PHRASE_LENGTH} characters")
        return self.folder / phrase


def load_matcher(store: ExampleStore, matcher: ExampleMatcher | None = None) -> tuple[ExampleMatcher, tuple[str, ...]]:
    """A matcher with every take in ``store`` enrolled, and the problems met (files skipped, takes with no voice)."""
    matcher = matcher or ExampleMatcher()
    stored = store.load()
    problems = list(stored.problems)
    for phrase, takes in stored.takes.items():
        for take in takes:
            if not matcher.add(phrase, take.pcm):
                problems.append(f"{take.path}: holds no voice, only silence or noise. Record '{phrase}' again.")
                log.warning("Skipped a recording of the user's voice: %s", problems[-1])
    return matcher, tuple(problems)


def _take_files(folder: Path) -> list[Path]:
    """The takes in a phrase's folder, by take number."""
    numbered = [(int(match.group(1)), path) for path in folder.iterdir() if (match := TAKE_NAME.fullmatch(path.name))]
    return [path for _, path in sorted(numbered)]
