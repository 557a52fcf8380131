"""The call for help: a bell chime, repeating, until a caregiver stops it.

The chime is made with numpy when first needed (no files). It sounds on ``alarm_output`` (a second speaker
in another room) and, more softly, on the speaker the answers come from, so the person who called hears that
help was called; when ``alarm_output`` is unset, missing or fails, it sounds at full level on that speaker
instead, never staying silent. ``alarm_output`` is a PortAudio device (index or part of its name) or a sound
server output (a PulseAudio/PipeWire sink: a USB, HDMI or Bluetooth speaker the server holds, which PortAudio
cannot reach one by one); a sink is played by ``paplay``.

Threads: start()/stop() from anyone; one "alarm" thread per alarm opens the outputs, and reopens any that
fails or dies (every RETRY_SECONDS); audio callbacks and paplay feeders only copy the looped chime out.
Not a monitored medical alarm: nobody is called if no one hears it.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import sounddevice as sd

from voice_assist.devices import find_output_device, find_sink, list_devices, list_sinks
from voice_assist.errors import AudioDeviceError

log = logging.getLogger(__name__)

RATE = 48_000
"""Hertz at which the chime is made and played: every sound card and sound server takes it."""
TONES = (784.0, 1046.5, 1318.5)
"""Hertz: G5, C6, E6, a rising major triad, struck one after another like a bell. Far above a voice's pitch
(espeak-ng's is 100-200 Hz) and steady, where speech glides; 0.8-1.3 kHz is heard well by older ears."""
PARTIALS = ((1.0, 1.0, 0.30), (2.0, 0.35, 0.12), (3.0, 0.12, 0.06))
"""(multiple of the tone, amplitude, decay time constant in seconds): a fundamental that rings and two
overtones that die fast, which is what makes a sine sound like a bell."""
TONE_SPACING = 0.3
"""Seconds between the strikes of the three tones."""
TONE_SECONDS = 0.6
"""Seconds each tone rings (it has decayed to a twentieth of its start by then)."""
ATTACK_SECONDS = 0.005
"""The strike: fast enough to sound like a bell, slow enough not to click."""
RELEASE_SECONDS = 0.03
"""A fade at the end of each tone, so it stops without a click."""
PERIOD_SECONDS = 3.0
"""The chime repeats every this many seconds: it lasts 1.2 s, leaving 1.8 s of quiet, in which "I'm here"
(about 0.6 s) and the quick end-of-question silence (quick_end_silence, 0.45 s) fit with room to spare."""
PEAK = 0.89
"""Of full scale (-1 dBFS): loud, without clipping."""
MAIN_LEVEL = 0.3
"""The chime's level on the speaker the answers come from while the second speaker sounds it (-10 dB): the
person who called hears that help was called without being deafened by an alarm they cannot walk away from."""
LATENCY = 0.1
"""Seconds of output buffering asked of PortAudio and paplay; stop() discards them."""
CHECK_SECONDS = 0.5
"""How often the alarm thread checks that its outputs still sound."""
RETRY_SECONDS = 2.0
"""How often an output that failed or vanished is tried again while the alarm sounds, and how often a sink
is checked to be still there (when it goes, the sound server moves its streams to the default speaker, so
paplay would go on, in the wrong room)."""
JOIN_SECONDS = 5.0
"""How long stop() waits for the alarm thread (it only ever waits for a stream to open or a process to end)."""


@functools.lru_cache(maxsize=4)
def chime(rate: int = RATE) -> np.ndarray:
    """One period of the alarm as int16 samples: the three-tone chime, then quiet up to PERIOD_SECONDS."""
    period = np.zeros(round(PERIOD_SECONDS * rate), dtype=np.float64)
    times = np.arange(round(TONE_SECONDS * rate)) / rate
    envelope = np.minimum(1.0, times / ATTACK_SECONDS) * np.minimum(1.0, (TONE_SECONDS - times) / RELEASE_SECONDS)
    for number, tone in enumerate(TONES):
        ringing = sum(amplitude * np.exp(-times / decay) * np.sin(2 * np.pi * multiple * tone * times)
                      for multiple, amplitude, decay in PARTIALS)
        start = round(number * TONE_SPACING * rate)
        period[start:start + len(times)] += envelope * ringing
    samples = np.rint(period * (PEAK * 32767 / np.max(np.abs(period)))).astype(np.int16)
    samples.flags.writeable = False  # shared by every stream (cached)
    return samples


@dataclass(frozen=True)
class Target:
    """Where the chime sounds: a PortAudio device, or a sound server sink."""

    name: str
    """For messages, e.g. "Bedroom speaker (bluez_output.00_11_22_33_44_55.1)"."""
    device: int | None = None
    """PortAudio device index (None: the default output), when ``sink`` is empty."""
    sink: str = ""
    """A PulseAudio/PipeWire sink name, played through paplay."""
    default: bool = False
    """It is the system's default output (so the main speaker, if that is the default too)."""


def find_alarm_output(spec: str | None) -> Target | None:
    """The output ``alarm_output`` names; None when unset. Raises AudioDeviceError saying what was found.

    A number is a PortAudio device index; a name is looked for among the sound server's sinks first (with a
    sound server running, that is where USB, HDMI and Bluetooth speakers are reached), then PortAudio's devices.
    """
    if spec is None or not spec.strip():
        return None
    sink = None if spec.strip().isdigit() else find_sink(spec)
    if sink is not None:
        if shutil.which("paplay") is None:
            raise AudioDeviceError(f"alarm_output = {spec!r} is the sound server's output {sink.name}, but paplay "
                                   "is not installed to play on it: install pulseaudio-utils.")
        return Target(f"{sink.description} ({sink.name})", sink=sink.name, default=sink.is_default)
    try:
        index = find_output_device(spec)
    except AudioDeviceError:
        speakers = "; ".join(f"{device.index}: {device.name}" for device in list_devices()
                             if device.output_channels > 0) or "none"
        sinks = "; ".join(f"{sink.name} ({sink.description})" for sink in list_sinks()) or "none"
        raise AudioDeviceError(
            f"alarm_output = {spec!r} matches no speaker. Speakers: {speakers}. Sound server outputs: {sinks}. "
            "Is the speaker switched on and connected? Set alarm_output in the settings to one of these numbers "
            "or names (see 'voice-assist devices'); until then the call for help sounds on the main speaker."
        ) from None
    return Target(f"speaker {spec!r}", device=index, default=index == _default_output())


def _main_target(spec: str | None) -> Target:
    """The speaker the answers come from (Settings.output_device); the default one if that is not found."""
    try:
        index = find_output_device(spec)
    except AudioDeviceError as error:
        log.error("The call for help uses the default speaker: %s", error)
        index = None
    if index is None:
        return Target("the default speaker", default=True)
    return Target(f"speaker {spec!r}", device=index, default=index == _default_output())


def _default_output() -> int | None:
    return next((device.index for device in list_devices() if device.is_default_output), None)


class _Output(Protocol):
    target: Target

    @property
    def alive(self) -> bool: ...
    def why_not(self) -> str: ...
    def set_level(self, level: float) -> None: ...
    def close(self) -> None: ...


class _StreamOutput:
    """The chime looped by a PortAudio callback stream."""

    def __init__(self, target: Target, level: float) -> None:
        self.target = target
        self._position = 0
        """Next sample of the period to copy out; touched only by the callback."""
        try:
            self._stream = self._open(target.device, RATE, level)
        except sd.PortAudioError:
            rate = int(sd.query_devices(target.device, "output")["default_samplerate"])
            if rate == RATE:
                raise
            self._stream = self._open(target.device, rate, level)
        self._stream.start()

    @property
    def alive(self) -> bool:
        return bool(self._stream.active)

    def why_not(self) -> str:
        return "its sound stream stopped"

    def set_level(self, level: float) -> None:
        """The period is swapped whole, so the callback always copies from one consistent period."""
        if level != self._level:
            self._period = self._at_level(int(self._stream.samplerate), level)

    def close(self) -> None:
        self._stream.abort(ignore_errors=True)
        self._stream.close(ignore_errors=True)

    def _open(self, device: int | None, rate: int, level: float) -> sd.RawOutputStream:
        self._period = self._at_level(rate, level)
        return sd.RawOutputStream(samplerate=rate, channels=1, dtype="int16", device=device, latency=LATENCY,
                                  callback=self._callback)

    def _at_level(self, rate: int, level: float) -> np.ndarray:
        self._level = level
        return chime(rate) if level == 1.0 else np.rint(chime(rate) * level).astype(np.int16)

    def _callback(self, outdata: Any, frames: int, _time: Any, _status: sd.CallbackFlags) -> None:
        out = np.frombuffer(outdata, dtype=np.int16)
        period = self._period
        filled = 0
        while filled < frames:
            count = min(frames - filled, len(period) - self._position)
            out[filled:filled + count] = period[self._position:self._position + count]
            filled += count
            self._position = (self._position + count) % len(period)


class _SinkOutput:
    """The chime looped into ``paplay --device=SINK``, fed by a thread; killing paplay silences it at once."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._process = subprocess.Popen(
            ["paplay", "--raw", f"--device={target.sink}", f"--rate={RATE}", "--channels=1", "--format=s16le",
             f"--latency-msec={round(LATENCY * 1000)}", "--client-name=voice-assist call for help"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._feeder = threading.Thread(target=self._feed, name="alarm-feeder", daemon=True)
        self._feeder.start()
        self._sink_checked = time.monotonic()
        self._sink_listed = True

    @property
    def alive(self) -> bool:
        """paplay plays, and on the sink named (looked up at most every RETRY_SECONDS)."""
        if time.monotonic() - self._sink_checked >= RETRY_SECONDS:
            self._sink_checked = time.monotonic()
            self._sink_listed = any(sink.name == self.target.sink for sink in list_sinks())
        return self._sink_listed and self._process.poll() is None

    def why_not(self) -> str:
        """Why it no longer sounds (call once it is not alive)."""
        if not self._sink_listed:
            return "the sound server no longer has that output (switched off or disconnected?)"
        assert self._process.stderr is not None
        said = self._process.stderr.read().decode(errors="replace").strip()
        return f"paplay said: {said}" if said else f"paplay ended (exit code {self._process.returncode})"

    def set_level(self, level: float) -> None:
        """Always full: this is the alarm's own speaker."""

    def close(self) -> None:
        self._process.kill()
        self._process.wait()
        self._feeder.join()
        for pipe in (self._process.stdin, self._process.stderr):
            if pipe is not None:
                pipe.close()

    def _feed(self) -> None:
        period = chime(RATE).astype("<i2").tobytes()
        stdin = self._process.stdin
        assert stdin is not None
        try:
            while True:
                stdin.write(period)
                stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            return  # paplay ended: killed by close(), or failed (the alarm thread sees it and reports)


def _open(target: Target, level: float) -> _Output:
    return _SinkOutput(target) if target.sink else _StreamOutput(target, level)


Report = Callable[[str | None], None]


class Alarm:
    """The call for help's sound; see the module docstring."""

    def __init__(self, output: str | None, main: str | None = None, *,
                 on_problem: Callable[[str], None] | None = None) -> None:
        """``output``: Settings.alarm_output; ``main``: Settings.output_device, the speaker the answers come
        from. ``on_problem(message)`` is called (from the alarm thread) when an output cannot be used, again
        only when the message changes; keep it quick."""
        self._output_spec = output
        self._main_spec = main
        self._on_problem = on_problem
        self.problem: str | None = None
        """The latest problem with an output (None: it sounds everywhere it should), for polling."""
        self._lock = threading.Lock()
        self._episode: _Episode | None = None
        self._closed = False

    @property
    def sounding(self) -> bool:
        """True from start() until stop()."""
        return self._episode is not None

    def start(self) -> None:
        """Sound the alarm; returns at once, the first chime follows within a fraction of a second."""
        with self._lock:
            if self._closed:
                log.warning("The alarm is closed; not sounding it.")
                return
            if self._episode is not None:
                return
            self.problem = None  # each alarm reports its problems afresh
            self._episode = _Episode(self._output_spec, self._main_spec, self._report)
        log.warning("The call for help is sounding.")

    def stop(self) -> None:
        """Silence it now."""
        with self._lock:
            episode, self._episode = self._episode, None
        if episode is not None:
            episode.end()
            log.info("The call for help was stopped.")

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.stop()

    def __enter__(self) -> Alarm:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _report(self, problem: str | None) -> None:
        if problem == self.problem:
            return
        self.problem = problem
        if problem is None:
            log.info("The call for help sounds where it should again.")
            return
        log.error("%s", problem)
        if self._on_problem is not None:
            self._on_problem(problem)


class _Episode:
    """One alarm, from start() to stop(): its thread and its outputs, "named" (alarm_output) and "main"."""

    def __init__(self, output: str | None, main: str | None, report: Report) -> None:
        self._output_spec = output
        self._main_spec = main
        self._report = report
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._outputs: dict[str, _Output] = {}
        self._roles = ["named", "main"] if output and output.strip() else ["main"]
        self._next_try = dict.fromkeys(self._roles, 0.0)
        """time.monotonic() before which an output that failed is not tried again."""
        self._problems: dict[str, str] = {}
        self._main: Target | None = None
        self._thread = threading.Thread(target=self._run, name="alarm", daemon=True)
        self._thread.start()

    def end(self) -> None:
        with self._lock:
            self._ended.set()
            outputs, self._outputs = list(self._outputs.values()), {}
        for output in outputs:
            output.close()
        if threading.current_thread() is not self._thread:  # stop() may be called from on_problem
            self._thread.join(JOIN_SECONDS)

    def _run(self) -> None:
        while not self._ended.is_set():
            try:
                self._keep_sounding()
            except Exception as error:  # the alarm thread must outlive any fault
                log.exception("The call for help failed unexpectedly")
                self._problems["alarm"] = f"The call for help failed unexpectedly ({error}); trying again."
            self._report(" ".join(self._problems.values()) or None)
            self._ended.wait(CHECK_SECONDS)

    def _keep_sounding(self) -> None:
        """(Re)open each output that is not sounding, then set the main speaker's level."""
        if self._main is None:
            self._main = _main_target(self._main_spec)
        for role in list(self._roles):
            self._keep(role)
        with self._lock:
            main = self._outputs.get("main")
        if main is not None:
            main.set_level(self._main_level())

    def _main_level(self) -> float:
        """Softer on the main speaker while the alarm's own speaker sounds."""
        with self._lock:
            named = self._outputs.get("named")
        return MAIN_LEVEL if named is not None and named.alive else 1.0

    def _keep(self, role: str) -> None:
        with self._lock:
            output = self._outputs.get(role)
        if output is not None and output.alive:
            self._problems.pop(role, None)
            return
        now = time.monotonic()
        if output is not None:
            self._problems[role] = (f"The call for help stopped sounding on {output.target.name}: "
                                    f"{output.why_not()}. {self._retrying(role)}")
            self._drop(role)
            self._next_try[role] = now + RETRY_SECONDS
        if now < self._next_try[role]:
            return
        self._next_try[role] = now + RETRY_SECONDS
        try:
            target = self._target(role)
            if target is None:
                return
            output = _open(target, 1.0 if role == "named" else self._main_level())
        except (AudioDeviceError, sd.PortAudioError, OSError) as error:
            self._problems[role] = self._failed(role, error)
            return
        with self._lock:
            if self._ended.is_set():
                output.close()
                return
            self._outputs[role] = output

    def _target(self, role: str) -> Target | None:
        """Where ``role`` sounds; None (and "named" dropped) when alarm_output is the main speaker itself."""
        assert self._main is not None
        if role == "main":  # after a failure, the default speaker: better than silence
            return self._main if "main" not in self._problems else Target("the default speaker", default=True)
        named = find_alarm_output(self._output_spec)
        if named is None or (named.device == self._main.device and not named.sink) or (
                named.default and self._main.default):
            self._roles.remove("named")
            return None
        return named

    def _failed(self, role: str, error: Exception) -> str:
        if isinstance(error, AudioDeviceError):  # says what to do and where it sounds meanwhile
            return f"{error} (Looked for again every {RETRY_SECONDS:g} s.)"
        return f"The {'alarm' if role == 'named' else 'main'} speaker could not be opened ({error}). " \
               + self._retrying(role)

    def _retrying(self, role: str) -> str:
        fallback = "It sounds on the main speaker meanwhile; " if role == "named" else ""
        return f"{fallback}trying again every {RETRY_SECONDS:g} s."

    def _drop(self, role: str) -> None:
        with self._lock:
            output = self._outputs.pop(role, None)
        if output is not None:
            output.close()
