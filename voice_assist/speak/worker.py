"""The speech worker: a separate process that owns the one pyttsx3 engine and writes one WAV per request.

Synthesis is pyttsx3's ``save_to_file`` followed by its run loop, on the espeak driver (see ``_driver``).
Run as a script (``python -I worker.py``) by ``voice_assist.speak.synth``; it imports only the standard
library and pyttsx3, so it starts fast and cannot pull in audio devices. pyttsx3 is kept in a process of
its own because its run loop can hang on Linux: a hung or crashed worker is killed and replaced without
touching the assistant.

Protocol, one JSON object per line. Requests on stdin: ``{"text", "path", "rate", "voice"}``.
Replies on the original stdout: ``{"ready": true}`` once, then ``{"ok": true}`` or
``{"ok": false, "error": "..."}`` per request. pyttsx3 prints "Audio saved to ..." on stdout, so the
process's stdout is pointed at /dev/null and replies go to a private copy of the original descriptor.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

_WAV_HEADER_BYTES = 44


def _private_reply_channel() -> TextIO:
    """Keep the real stdout for replies; anything else printed on stdout goes nowhere."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return replies


def _driver(engine: Any) -> Any:
    """The espeak driver behind the engine, used directly.

    pyttsx3 2.99's ``engine.setProperty`` / ``save_to_file`` / ``runAndWait`` go through a command queue
    whose ``endLoop`` calls espeak's Cancel when espeak still reports "playing"; Cancel restores the
    previous parameters, so a new rate was applied only some of the time (measured: the same sentence
    at 200 wpm kept the 100 wpm length in most runs). The driver's ``save_to_file`` + ``startLoop`` is
    the same synthesis without that queue, and applied every rate in repeated runs.
    """
    proxy = getattr(engine, "proxy", None)
    driver = getattr(proxy, "_driver", None)
    if driver is None:
        raise RuntimeError("this pyttsx3 version has no espeak driver at engine.proxy._driver")
    return driver


def _synthesize(driver: Any, request: dict[str, Any], state: dict[str, Any]) -> None:
    voice = request.get("voice") or ""
    if voice != state.get("voice"):
        state["voice"] = voice
        try:
            driver.setProperty("voice", voice or state["default_voice"])
        except ValueError as error:  # an unknown voice name: speak with the default rather than not at all
            sys.stderr.write(f"voice-assist speech worker: voice {voice!r} not usable ({error}); "
                             "using the default voice.\n")
            driver.setProperty("voice", state["default_voice"])
    driver.setProperty("rate", int(request["rate"]))
    path = Path(request["path"])
    path.unlink(missing_ok=True)
    driver.save_to_file(request["text"], str(path))
    driver.startLoop()  # returns when the WAV is written (espeak synthesizes synchronously here)
    # pyttsx3 reports write errors only from inside a ctypes callback, where they are swallowed.
    if not path.is_file() or path.stat().st_size <= _WAV_HEADER_BYTES:
        raise RuntimeError(f"pyttsx3 produced no audio in {path}")


def main() -> int:
    # Ctrl-C in the terminal reaches the whole process group; the parent ends this worker by closing
    # its input (or killing it), so an interrupt here would only print a stray traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = _private_reply_channel()
    import pyttsx3  # imported after the redirection: nothing it prints may reach the reply channel

    engine = pyttsx3.init()  # kept referenced: the driver holds it only weakly
    driver = _driver(engine)
    driver.setProperty("volume", 1.0)  # volume is applied by scaling samples in the parent
    state: dict[str, Any] = {"default_voice": driver.getProperty("voice"), "voice": ""}
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        try:
            _synthesize(driver, json.loads(line), state)
            reply: dict[str, Any] = {"ok": True}
        except Exception as error:  # report every failure to the parent, which decides what to do
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
    del engine
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
