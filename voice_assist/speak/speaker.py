"""The Speaker: queues text, synthesizes sentence k+1 while sentence k plays, and stops at once on barge-in.

Threads: callers use say/stop/set_voice/wait; one speech thread owns the synthesizer (and through it the
worker process) and hands audio to the player; the audio callback only copies samples.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable

from voice_assist.config import Settings
from voice_assist.errors import SpeechOutputError, VoiceAssistError
from voice_assist.speak.playback import Player
from voice_assist.speak.synth import Synthesizer, VoiceSettings
from voice_assist.speak.text import split_sentences

log = logging.getLogger(__name__)



class _Close(enum.Enum):
    """Queued by close(): the speech thread ends."""

    CLOSE = enum.auto()


_CLOSE = _Close.CLOSE
_Item = tuple[int, str] | _Close
"""What the speech thread takes from its queue: (generation, sentence), or _CLOSE."""

STALL_ALLOWANCE = 3.0
"""Seconds beyond the queued audio's length to wait for the speaker before treating it as stuck."""


class Speaker:
    """Speech output through pyttsx3 (espeak-ng) and a sounddevice output stream; see SpeechOutput."""

    def __init__(self, settings: Settings | None = None, *,
                 on_sentence: Callable[[str], None] | None = None,
                 on_error: Callable[[SpeechOutputError], None] | None = None,
                 synthesizer: Synthesizer | None = None, player: Player | None = None) -> None:
        """``on_sentence(text)`` is called (from the speech thread) as each sentence starts to be heard;
        ``on_error(error)`` when speech failed and the text should be shown instead. Keep both quick."""
        settings = settings or Settings()
        self._voice = VoiceSettings(settings.rate, settings.volume, settings.voice).clamped()
        self._synth = synthesizer or Synthesizer()
        self._player = player or Player(settings.output_device)
        self._on_sentence = on_sentence
        self._on_error = on_error
        self.last_error: SpeechOutputError | None = None
        """The most recent speech failure, for callers that prefer polling to a callback."""
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._lock = threading.Lock()
        self._generation = 0
        """Bumped by stop(): queued sentences and audio from an older generation are dropped."""
        self._idle = threading.Event()
        self._idle.set()
        self._closed = False
        self._unannounced: tuple[int, str] | None = None
        """(generation, sentence) handed to the player but not yet reported to on_sentence."""
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    @property
    def speaking(self) -> bool:
        """True from say() until the last sample has been played (or stop())."""
        return not self._idle.is_set()

    @property
    def worker_pid(self) -> int | None:
        """The speech worker's process id (None before it started or after it was given up)."""
        return self._synth.worker_pid

    @property
    def first_sample_time(self) -> float | None:
        """time.monotonic() when the current or last stretch of speech first reached the speaker."""
        return self._player.first_sample_time

    def say(self, text: str) -> None:
        """Queue text to be spoken after anything already queued; returns at once."""
        sentences = split_sentences(text)
        with self._lock:
            if self._closed:
                log.warning("Speech output is closed; not speaking %r.", text[:60])
                return
            if sentences:
                self._idle.clear()
            for sentence in sentences:
                self._queue.put((self._generation, sentence))

    def stop(self) -> None:
        """Barge-in: drop everything queued and silence the speaker now."""
        with self._lock:
            self._generation += 1
            self._drain_queue()
            self._player.abort()
            self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until everything queued has been spoken; False if still speaking after timeout seconds."""
        return self._idle.wait(timeout)

    def set_voice(self, rate: int, volume: float, voice: str = "") -> None:
        """Rate in words per minute, volume 0.0 to 1.0, an espeak-ng voice ("" = default); used from the
        next sentence synthesized."""
        self._voice = VoiceSettings(rate=rate, volume=volume, voice=voice).clamped()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._generation += 1
            self._drain_queue()
            self._queue.put(_CLOSE)
            self._player.abort()
            self._idle.set()
        self._thread.join(timeout=10)
        self._synth.close()
        self._player.close()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _drain_queue(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _run(self) -> None:
        self._synth.warm_up()
        while True:
            item = self._queue.get()
            if item is _CLOSE:
                return
            try:
                self._session(item)
            except Exception as error:  # the speech thread must outlive any fault
                log.exception("Speech output failed unexpectedly")
                self._report(SpeechOutputError(f"Speech output failed unexpectedly ({error})."))
                self._player.abort()
            with self._lock:
                if self._queue.empty():
                    self._idle.set()

    def _session(self, first: _Item) -> None:
        """Speak queued sentences through one output stream until the queue runs dry."""
        item: _Item | None = first
        while item is not None and item is not _CLOSE:
            generation, sentence = item
            if generation == self._generation:
                self._speak(generation, sentence)
            item = self._next_item()
        if item is _CLOSE:
            self._queue.put(_CLOSE)
        self._player.finish()
        if not self._player.wait_finished(self._player.queued_seconds() + STALL_ALLOWANCE):
            self._player.abort()
            self._report(SpeechOutputError("The speaker stopped taking audio. Check the speaker, or "
                                           "choose another one with output_device."))

    def _next_item(self) -> _Item | None:
        """The next queued item, waiting for the last handed sentence to start before giving up."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            pass
        self._wait_until_started()
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    def _speak(self, generation: int, sentence: str) -> None:
        try:
            audio = self._synth.synthesize(sentence, self._voice)
        except SpeechOutputError as error:
            self._abandon(generation, error)
            return
        self._wait_until_started()  # hand over at most one sentence ahead, so set_voice acts soon
        with self._lock:
            if generation != self._generation:
                return
            try:
                self._player.play(audio)
                failure = None
            except VoiceAssistError as error:
                failure = SpeechOutputError(str(error))
        if failure is not None:
            self._abandon(generation, failure)
            return
        self._unannounced = (generation, sentence)
        log.debug("Speaking (%.1f s): %s", audio.seconds, sentence)

    def _wait_until_started(self) -> None:
        if not self._player.wait_until_started(self._player.queued_seconds() + STALL_ALLOWANCE):
            self._player.abort()
        handed, self._unannounced = self._unannounced, None
        if handed is not None and handed[0] == self._generation and self._on_sentence is not None:
            self._on_sentence(handed[1])

    def _abandon(self, generation: int, error: SpeechOutputError) -> None:
        """Drop the rest of this text (the caller shows it instead); what is already playing finishes."""
        with self._lock:
            if generation == self._generation:
                self._generation += 1
                self._drain_queue()
        self._report(error)

    def _report(self, error: SpeechOutputError) -> None:
        log.error("%s", error)
        self.last_error = error
        if self._on_error is not None:
            self._on_error(error)

