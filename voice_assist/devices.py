"""Sound devices, microphones and speakers alike: listing them, finding one by number or name, and making
PortAudio look again after a device or sound server appears."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from voice_assist.errors import AudioDeviceError

log = logging.getLogger(__name__)

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
