"""Start-up problems a caregiver must fix, in plain words: shown in the caregiver view until the assistant
is restarted without them, and said once at the start."""

from __future__ import annotations

from dataclasses import dataclass

from voice_assist.config import ConfigProblem
from voice_assist.errors import ContentError

RESTART = "then restart voice-assist."


@dataclass(frozen=True)
class Problem:
    """Something that is not working as set up, and what to do about it."""

    what: str
    """What is wrong, where (file and line), and what the assistant does instead."""
    fix: str
    """What to do about it."""
    spoken: str
    """One short sentence to say aloud (the person using the assistant may not see the screen)."""


def from_settings(problem: ConfigProblem) -> Problem:
    line = f", line {problem.line}" if problem.line is not None else ""
    return Problem(f"Settings file {problem.path}{line}: {problem.message}",
                   f"Correct it (see 'Settings' in the README), {RESTART}",
                   f"The settings file {problem.path.name} has a bad value" + (f" on line {problem.line}."
                                                                              if line else "."))


def from_factsheet(error: ContentError) -> Problem:
    return Problem(f"Factsheet {error.path}, line {error.line}: {error.problem}. Until it is fixed, questions "
                   "about what it says get 'not in my factsheet'.", f"{error.fix} Then restart voice-assist.",
                   f"The factsheet {error.path.name} has a problem on line {error.line}.")


BASIC_RECOGNIZER = Problem("The installed speech model could not be loaded, so the basic recognizer is used.",
                           f"Run './run.sh doctor' to see what is wrong with it, {RESTART}",
                           "The installed speech model could not be loaded, so I am using the basic one.")
