"""Finding sound devices, through the private PulseAudio server's virtual microphone and speaker."""

from __future__ import annotations

import pytest

from tests.virtual_audio import VirtualAudio
from voice_assist.devices import find_input_device, find_output_device, list_devices
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
