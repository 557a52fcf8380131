"""The caregiver view: a few large, plain lines in the terminal, readable across the room."""

from __future__ import annotations

import sys
from typing import TextIO

from voice_assist.conversation import Status

_CLEAR = "\033[2J\033[H"
_BOLD, _RESET = "\033[1m", "\033[0m"


class TerminalView:
    """Redraws the status block on every change; on a non-terminal it writes one line per change."""

    def __init__(self, stream: TextIO = sys.stdout) -> None:
        self.stream = stream
        self._fancy = stream.isatty()
        self._last: Status | None = None

    def show(self, status: Status) -> None:
        if status == self._last:
            return
        self._last = status
        if self._fancy:
            self.stream.write(_CLEAR + "\n".join(self._lines(status)) + "\n")
        else:
            # a log (the service's journal): state, heard, reading and what is said, one line per change
            self.stream.write(" | ".join(line.strip() for line in self._lines(status)[:4 if status.said else 3]) + "\n")
        self.stream.flush()

    def _lines(self, status: Status) -> list[str]:
        state = status.state.upper()
        lines = [f"  {_BOLD if self._fancy else ''}{state}{_RESET if self._fancy else ''}",
                 f"  Heard:    {status.heard or '-'}",
                 f"  Reading:  {status.section or '-'}"]
        if status.said:
            said = status.said if status.problem else _shorten(status.said, 160)
            lines.append(f"  Saying:   {said}")
        if status.problem:
            lines.append(f"  PROBLEM:  {status.problem}")
        lines.append(f"  Voice:    {status.voice.rate} words a minute, volume {round(status.voice.volume * 100)} %")
        lines.append(f"  Hearing with {status.engine}")
        lines.append("  Say 'topics' for what to ask, 'stop' to stop, 'repeat', 'slower', 'louder'.")
        return lines


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
