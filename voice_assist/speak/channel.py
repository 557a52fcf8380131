"""The pipes to the speech worker process, with a deadline on every reply (the watchdog).

A worker that does not answer in time, answers nonsense or exits is killed; the next request starts a
fresh one. Used by one thread only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WORKER_ARGUMENTS = ("-I", str(Path(__file__).with_name("worker.py")))
"""Arguments to this Python interpreter that run our worker: isolated mode, so nothing on PYTHONPATH or
in the current folder can shadow what the worker imports."""


class WorkerError(Exception):
    """The worker hung, died or reported a failure; internal to speech output."""


class WorkerChannel:
    def __init__(self, command: Sequence[str] | None, *, timeout: float) -> None:
        """``command``: the full worker command; None runs our worker script with this interpreter.
        ``timeout``: seconds allowed for the worker to start and say it is ready."""
        self._command = tuple(command) if command is not None else (sys.executable, *WORKER_ARGUMENTS)
        self._start_timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._buffer = b""

    @property
    def pid(self) -> int | None:
        """The process id of a worker that has started and said it is ready, else None."""
        return self._process.pid if self._process is not None and self._ready else None

    def ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self.kill()
        log.debug("Starting the speech worker: %s", " ".join(self._command))
        try:
            # stderr is inherited: a worker's own complaints belong in the log, never on our stdout.
            self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             close_fds=True)
        except OSError as error:
            raise WorkerError(f"could not be started ({error})") from error
        reply = self._read_reply(self._start_timeout, "start")
        if not reply.get("ready"):
            self.kill()
            raise WorkerError(f"started but did not report ready ({reply})")
        self._ready = True

    def request(self, message: dict[str, Any], *, timeout: float) -> None:
        """Send one request and wait for its reply; raises WorkerError on failure, hang or exit."""
        self.ensure_started()
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            self._process.stdin.flush()
        except OSError as error:
            raise WorkerError(f"cannot be reached ({error})") from error
        reply = self._read_reply(timeout, "synthesize")
        if not reply.get("ok"):
            raise WorkerError(f"reported: {reply.get('error', reply)}")

    def kill(self) -> None:
        """Stop the worker at once (SIGKILL also ends a stopped or hung process)."""
        process, self._process = self._process, None
        self._ready = False
        self._buffer = b""
        if process is None:
            return
        process.kill()
        process.wait(timeout=5)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()

    def close(self) -> None:
        """Let the worker end by closing its input; kill it if it does not."""
        process = self._process
        if process is not None and process.stdin is not None:
            process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)
        self.kill()

    def _read_reply(self, timeout: float, doing: str) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        descriptor = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerError(f"did not {doing} within {timeout:.1f} s (hung)")
            readable, _, _ = select.select([descriptor], [], [], remaining)
            if readable:
                chunk = os.read(descriptor, 65536)
                if not chunk:
                    raise WorkerError(f"exited (status {self._process.wait(timeout=5)})")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except ValueError as error:
            raise WorkerError(f"sent an unreadable reply {line[:80]!r}") from error
        if not isinstance(reply, dict):
            raise WorkerError(f"sent an unexpected reply {line[:80]!r}")
        return reply
