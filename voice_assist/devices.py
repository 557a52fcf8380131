"""Sound devices, microphones and speakers alike: listing them, finding one by number or name, and making
PortAudio look again after a device or sound server appears; and the sound server's outputs ("sinks"),
which PortAudio does not list one by one."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from voice_assist.errors import AudioDeviceError

log = logging.getLogger(__name__)

PACTL_TIMEOUT = 5.0
"""Seconds to wait for pactl to list the sinks: it answers in about 10 ms; a hung sound server must not
hang the caller."""


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device."""

    index: int
    name: str
    input_channels: int
    output_channels: int
    default_rate: int
    """Hertz."""
    is_default_input: bool = False
    is_default_output: bool = False

    def describe(self) -> str:
        marks = [mark for mark, on in (("default microphone", self.is_default_input),
                                       ("default speaker", self.is_default_output)) if on]
        return (f"{self.index:>3}  {self.name}  (in {self.input_channels}, out {self.output_channels}, "
                f"{self.default_rate} Hz){'  [' + ', '.join(marks) + ']' if marks else ''}")


def refresh_devices() -> None:
    """Make PortAudio list the devices again (it lists them once, when it starts).

    Call it after plugging in a microphone or starting a sound server. It closes every open stream,
    so call it only when no audio is playing or being recorded.
    """
    import sounddevice as sd

    sd._terminate()  # sounddevice has no public re-scan; these are the calls its own docs point to
    sd._initialize()


def list_devices() -> list[DeviceInfo]:
    """All audio devices PortAudio knows, microphones and speakers."""
    import sounddevice as sd

    try:
        devices = sd.query_devices()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as error:
        raise AudioDeviceError(f"cannot list the audio devices ({error}).") from error
    return [DeviceInfo(index=device["index"], name=device["name"], input_channels=device["max_input_channels"],
                       output_channels=device["max_output_channels"],
                       default_rate=round(device["default_samplerate"]),
                       is_default_input=device["index"] == default_in,
                       is_default_output=device["index"] == default_out)
            for device in devices]


def find_input_device(spec: str | None) -> int | None:
    """The microphone for ``spec``: a device index or part of a name (any case); None is the system default."""
    return _find_device(spec, "microphone", lambda device: device.input_channels > 0, "--input-device")


def find_output_device(spec: str | None) -> int | None:
    """The speaker for ``spec``: a device index or part of a name (any case); None is the system default."""
    return _find_device(spec, "speaker", lambda device: device.output_channels > 0, "--output-device")


def _find_device(spec: str | None, kind: str, usable: Callable[[DeviceInfo], bool], flag: str) -> int | None:
    if spec is None or not spec.strip():
        return None
    spec = spec.strip()
    candidates = [device for device in list_devices() if usable(device)]
    if spec.isdigit():
        chosen = [device for device in candidates if device.index == int(spec)]
    else:
        wanted = spec.casefold()
        exact = [device for device in candidates if device.name.casefold() == wanted]
        chosen = exact or [device for device in candidates if wanted in device.name.casefold()]
    if not chosen:
        known = "; ".join(f"{device.index}: {device.name}" for device in candidates) or "none at all"
        raise AudioDeviceError(f"no {kind} matches {spec!r}. Known {kind}s: {known}. "
                               f"Use {flag} with one of these numbers or names (see 'voice-assist devices').")
    if len(chosen) > 1:
        log.info("%d %ss match %r; using %d: %s", len(chosen), kind, spec, chosen[0].index, chosen[0].name)
    return chosen[0].index


@dataclass(frozen=True)
class Sink:
    """One output of the sound server (PulseAudio, or PipeWire through pipewire-pulse): a USB or HDMI speaker
    the server holds, or a Bluetooth speaker. PortAudio reaches only the default one (its "pulse" device)."""

    name: str
    """What ``paplay --device=`` takes, e.g. bluez_output.00_11_22_33_44_55.1."""
    description: str
    """What people see in the sound settings, e.g. "JBL Flip 5"."""
    is_default: bool = False

    def describe(self) -> str:
        return f"{self.name}  ({self.description}){'  [default]' if self.is_default else ''}"


def list_sinks() -> list[Sink]:
    """The sound server's outputs; empty when there is no sound server or no pactl (pulseaudio-utils, 15 or
    later for its JSON output)."""
    try:
        listed = json.loads(_pactl("-f", "json", "list", "sinks"))
        default = _pactl("get-default-sink").strip()
        return [Sink(sink["name"], sink.get("description") or sink["name"], sink["name"] == default)
                for sink in listed]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError) as error:
        log.debug("No sound server outputs listed: %s", error)
        return []


def find_sink(spec: str) -> Sink | None:
    """The sink whose name is ``spec``, else the first whose name or description contains it (any case)."""
    wanted = spec.strip().casefold()
    sinks = list_sinks()
    exact = [sink for sink in sinks if sink.name.casefold() == wanted]
    partial = [sink for sink in sinks if wanted in sink.name.casefold() or wanted in sink.description.casefold()]
    return next(iter(exact or partial), None) if wanted else None


def _pactl(*args: str) -> str:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, check=True, timeout=PACTL_TIMEOUT).stdout
