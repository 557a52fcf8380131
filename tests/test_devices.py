"""Finding sound devices, through the private PulseAudio server's virtual microphone and speaker."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.virtual_audio import VirtualAudio
from voice_assist.devices import find_input_device, find_output_device, find_sink, list_devices, list_sinks
from voice_assist.errors import AudioDeviceError


@pytest.mark.audio
def test_devices_are_listed_with_defaults(pulse: VirtualAudio) -> None:
    devices = list_devices()
    names = [device.name for device in devices]
    assert "pulse" in names and "default" in names
    default = next(device for device in devices if device.name == "default")
    assert default.is_default_input and default.is_default_output
    assert default.input_channels > 0 and default.default_rate > 0
    assert "default microphone" in default.describe()


@pytest.mark.audio
def test_a_microphone_is_found_by_index_or_part_of_its_name(pulse: VirtualAudio) -> None:
    by_name = {device.name: device.index for device in list_devices()}
    assert find_input_device("PuLsE") == by_name["pulse"]
    assert find_input_device(" default ") == by_name["default"]
    assert find_input_device(str(by_name["pulse"])) == by_name["pulse"]
    assert find_input_device(None) is None
    assert find_output_device("puls") == by_name["pulse"]


@pytest.mark.audio
@pytest.mark.parametrize("spec", ["usb headset", "99"])
def test_an_unknown_microphone_is_explained(pulse: VirtualAudio, spec: str) -> None:
    with pytest.raises(AudioDeviceError) as raised:
        find_input_device(spec)
    message = str(raised.value)
    assert repr(spec) in message and "pulse" in message and "default" in message and "--input-device" in message


@pytest.mark.audio
def test_the_sound_servers_outputs_are_listed_and_found_by_name_or_description(pulse: VirtualAudio) -> None:
    module = pulse.pactl("load-module", "module-null-sink", "sink_name=bedroom",
                         "sink_properties=device.description=Bedroom_speaker").strip()
    try:
        sinks = {sink.name: sink for sink in list_sinks()}
        assert sinks["speaker"].is_default and not sinks["bedroom"].is_default
        assert sinks["bedroom"].description == "Bedroom_speaker"
        assert find_sink("BEDROOM") == find_sink("room_speak") == sinks["bedroom"]
        assert find_sink("speaker") == sinks["speaker"]  # a whole name before part of a description
        assert find_sink("garage") is None
    finally:
        pulse.pactl("unload-module", module)


def test_without_a_sound_server_there_are_no_sinks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'nothing-listens-here'}")
    assert list_sinks() == []
    assert find_sink("speaker") is None
