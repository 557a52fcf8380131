"""The caregiver view: what the assistant is doing, in words large and plain enough to read across a room.

A terminal cannot change its font size, so the state is drawn in block letters, the rest in short labelled
lines wrapped to the terminal's width, with the sentence being said in bold and problems in red with what
to do. In a log (not a terminal, e.g. the service's journal) it writes one line per change instead.
``screen`` and ``log_lines`` are pure renderings of the core's ``Status``, so tests need no terminal.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
import threading
from typing import TextIO

from voice_assist.events import LearningProgress, State, Status, Voice
from voice_assist.speak.text import split_sentences

_CLEAR = "\033[2J\033[H"
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
_COLOUR = {State.LISTENING: "\033[1;32m", State.HEARING: "\033[1;33m", State.THINKING: "\033[1;33m",
           State.SPEAKING: "\033[1;36m", State.SCANNING: "\033[1;35m", State.ALARM: "\033[1;41m",
           State.NO_MICROPHONE: "\033[1;31m", State.LEARNING: "\033[1;34m"}
_RED = "\033[1;31m"

INDENT = "  "
LABEL_WIDTH = 11
"""Characters for a line's label ("Reading"), so that what follows lines up."""
HOW_TO_ASK = 'Say "topics", "stop", "repeat", "more", "slower", "louder", "normal voice" or "scan".'
CALL_FOR_HELP = ('Call for help: say "help me", make 3 quick sounds, or hold the switch 2 seconds; "stop the alarm" '
                 "or any key stops it. This is not a monitored medical alarm: it only sounds here, and nobody "
                 "outside is told.")
"""Shown on every screen, and written once to a log: the call for help only works if people know it exists and
what it is not."""

_GLYPHS = {
    "A": (" ███ ", "█   █", "█████", "█   █", "█   █"),
    "B": ("████ ", "█   █", "████ ", "█   █", "████ "),
    "C": (" ████", "█    ", "█    ", "█    ", " ████"),
    "D": ("████ ", "█   █", "█   █", "█   █", "████ "),
    "E": ("█████", "█    ", "████ ", "█    ", "█████"),
    "F": ("█████", "█    ", "████ ", "█    ", "█    "),
    "G": (" ████", "█    ", "█  ██", "█   █", " ████"),
    "H": ("█   █", "█   █", "█████", "█   █", "█   █"),
    "I": ("███", " █ ", " █ ", " █ ", "███"),
    "J": ("  ███", "    █", "    █", "█   █", " ███ "),
    "K": ("█   █", "█  █ ", "███  ", "█  █ ", "█   █"),
    "L": ("█    ", "█    ", "█    ", "█    ", "█████"),
    "M": ("█   █", "██ ██", "█ █ █", "█   █", "█   █"),
    "N": ("█   █", "██  █", "█ █ █", "█  ██", "█   █"),
    "O": (" ███ ", "█   █", "█   █", "█   █", " ███ "),
    "P": ("████ ", "█   █", "████ ", "█    ", "█    "),
    "Q": (" ███ ", "█   █", "█ █ █", "█  █ ", " ██ █"),
    "R": ("████ ", "█   █", "████ ", "█  █ ", "█   █"),
    "S": (" ████", "█    ", " ███ ", "    █", "████ "),
    "T": ("█████", "  █  ", "  █  ", "  █  ", "  █  "),
    "U": ("█   █", "█   █", "█   █", "█   █", " ███ "),
    "V": ("█   █", "█   █", "█   █", " █ █ ", "  █  "),
    "W": ("█   █", "█   █", "█ █ █", "██ ██", "█   █"),
    "X": ("█   █", " █ █ ", "  █  ", " █ █ ", "█   █"),
    "Y": ("█   █", " █ █ ", "  █  ", "  █  ", "  █  "),
    "Z": ("█████", "   █ ", "  █  ", " █   ", "█████"),
    " ": ("  ", "  ", "  ", "  ", "  "),
}
"""Block letters, five rows high, for the words of the states and the phrase asked for while learning."""

_TECHNICAL = re.compile(r"\s*\((?:[^()]*\b(?:error|errno|PaErrorCode)\b[^()]*)\)", re.IGNORECASE)
"""A parenthesised library message ("(Error opening InputStream: ... [PaErrorCode -9996])"): the log keeps
it; the view leaves it out."""


class TerminalView:
    """Redraws the screen on every change; on a non-terminal it writes one line per change."""

    def __init__(self, stream: TextIO = sys.stdout) -> None:
        self.stream = stream
        self._fancy = stream.isatty()
        self._last: Status | None = None
        self._lock = threading.Lock()
        """The speaker's thread shows the sentence being said while the listening thread shows the rest."""

    def show(self, status: Status) -> None:
        with self._lock:
            if status == self._last:
                return
            before, self._last = self._last, status
            if self._fancy:
                width = shutil.get_terminal_size().columns
                self.stream.write(_CLEAR + "\n".join(screen(status, width)) + "\n")
            else:
                self.stream.write("".join(line + "\n" for line in log_lines(status, before)))
            self.stream.flush()


def screen(status: Status, width: int) -> list[str]:
    """The whole screen for a terminal ``width`` characters wide, with colour and bold."""
    colour = _COLOUR[status.state]
    lines = ["", *(colour + row + _RESET for row in big_word(status.state.upper(), width - len(INDENT))), ""]
    if status.learning is not None:
        lines += learning_lines(status.learning, width)
    lines += _labelled("Heard", status.heard or "-", width)
    lines += _labelled("Reading", status.reading or "-", width)
    if status.said:
        lines += _saying(status, width)
    for problem in status.problems:
        lines += ["", *_labelled("PROBLEM", problem.what, width, _RED), *_labelled("", f"What to do: {problem.fix}",
                                                                                    width)]
    if status.problem:
        lines += ["", *_labelled("PROBLEM", plain(status.problem), width, _RED)]
    lines += ["", *_labelled("Voice", _voice(status.voice), width)]
    if status.normal_voice is not None and status.voice != status.normal_voice:
        lines += _labelled("", f"Changed by voice; the settings file says {_voice(status.normal_voice)}. "
                               'Say "normal voice" to go back to it.', width)
    lines += _labelled("Hearing", f"with {status.engine}" if status.engine else "-", width)
    if status.scanning is not None:
        lines += _labelled("Scanning", f"{status.scanning.seconds:g} s after each option; a sound must be "
                                       f"{status.scanning.sound_level:g} dB above the room", width)
    wrap = max(20, width - len(INDENT))
    lines += ["", *(INDENT + line for line in textwrap.wrap(HOW_TO_ASK, wrap))]
    lines += [*(INDENT + line for line in textwrap.wrap(CALL_FOR_HELP, wrap))]
    return lines


def log_lines(status: Status, before: Status | None) -> list[str]:
    """What to write to a log for a change from ``before``: the start-up problems once, then one line for
    the state, what was heard, what is read and said (nothing when only the sentence being said changed)."""
    lines = [CALL_FOR_HELP] if before is None else []
    if before is None or status.problems != before.problems:
        lines += [f"PROBLEM: {problem.what} What to do: {problem.fix}" for problem in status.problems]
    if before is None or _log_line(status) != _log_line(before):
        lines.append(_log_line(status))
    return lines


def _log_line(status: Status) -> str:
    parts = [status.state.upper(), f"Heard: {status.heard or '-'}", f"Reading: {status.reading or '-'}"]
    parts += [f"Learning: {learning_progress(status.learning)}"] if status.learning is not None else []
    parts += [f"Saying: {status.said}"] if status.said else []
    parts += [f"PROBLEM: {plain(status.problem)}"] if status.problem else []
    return " | ".join(parts)


def learning_lines(learning: LearningProgress, width: int) -> list[str]:
    """While learning the user's voice: the phrase to say, large, and how far learning has come."""
    return [*_labelled("Say", "", width), *big_word(learning.phrase.upper(), width), "",
            *_labelled("Progress", learning_progress(learning), width), ""]


def learning_progress(learning: LearningProgress) -> str:
    return (f'"{learning.phrase}": take {learning.take} of {learning.takes} · phrase {learning.number} of '
            f'{learning.phrases} · say "stop learning" to stop')


def big_word(word: str, width: int) -> list[str]:
    """``word`` in block letters five rows high, or as it is when they would not fit in ``width``."""
    glyphs = [_GLYPHS.get(letter) for letter in word]
    rows = [" ".join(glyph[row] for glyph in glyphs if glyph) for row in range(5)]
    if any(glyph is None for glyph in glyphs) or len(rows[0]) + len(INDENT) > width:
        return [INDENT + word]
    return [INDENT + row.rstrip() for row in rows]


def plain(problem: str) -> str:
    """A fault report without the library's own message in it, as a sentence."""
    text = _TECHNICAL.sub("", problem)
    return text[:1].upper() + text[1:]


def _voice(voice: Voice) -> str:
    return f"{voice.rate} words a minute, volume {round(voice.volume * 100)} %"


def _labelled(label: str, text: str, width: int, label_style: str = _BOLD, text_style: str = "") -> list[str]:
    """``text`` wrapped to ``width`` after its label, continued under the text; each part in its style."""
    body = max(20, width - len(INDENT) - LABEL_WIDTH)
    lines = textwrap.wrap(text, body, break_long_words=False, break_on_hyphens=False) or [""]  # paths stay whole
    wrapped = [text_style + line + (_RESET if text_style else "") for line in lines]
    head = f"{INDENT}{label_style}{label:<{LABEL_WIDTH}}{_RESET}" if label else INDENT + " " * LABEL_WIDTH
    return [head + wrapped[0], *(INDENT + " " * LABEL_WIDTH + line for line in wrapped[1:])]


def _saying(status: Status, width: int) -> list[str]:
    """What is being said, a sentence to a line (wrapped): said already dim, being said now bold."""
    sentences = split_sentences(status.said) or [status.said]
    now = sentences.index(status.sentence) if status.sentence in sentences else -1
    lines: list[str] = []
    for index, sentence in enumerate(sentences):
        style = _BOLD if index == now else _DIM if index < now else ""
        lines += _labelled("Saying" if index == 0 else "", sentence, width, text_style=style)
    return lines
