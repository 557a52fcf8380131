"""The switch: Linux input events written to a real FIFO and read by the real reader; devices found by name
in a sysfs tree built in a folder; the terminal reader on a real pseudo-terminal; a real permission refusal
(a child process that gives up root). This machine has no /dev/input and a kernel without uinput
(CONFIG_INPUT_UINPUT is not set), so no test reads a real input device or grabs one."""

from __future__ import annotations

import fcntl
import grp
import os
import queue
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.make_key_codes import HEADER, parse_header
from voice_assist.config import Settings
from voice_assist.errors import ConfigError
from voice_assist.key_codes import KEY_CODES, KEY_NAMES
from voice_assist.ops.doctor import Status, check_switch
from voice_assist.switch import (
    InputRoots,
    Switch,
    SwitchChange,
    SwitchError,
    SwitchStatus,
    TerminalSwitch,
    describe_input_devices,
    find_device,
    input_devices,
    open_switch,
    terminal_keys,
)

ROOT = Path(__file__).resolve().parents[1]
KERNEL_EVENT = struct.Struct("=qqHHi")
"""struct input_event on 64-bit Linux as the kernel writes it: seconds, microseconds, type, code, value."""
EV_SYN, EV_KEY = 0, 1
SPACE, ENTER, A, VOLUME_UP = 57, 28, 30, 115
HANG_SECONDS = 10.0
"""Only so that a broken reader fails a test instead of hanging it; not a timing requirement."""
NOBODY = 65534
REAL_ROOTS = InputRoots()


def key_event(code: int, value: int) -> bytes:
    """A key event and the sync that follows it, as a keyboard sends them."""
    return KERNEL_EVENT.pack(1_700_000_000, 250_000, EV_KEY, code, value) + KERNEL_EVENT.pack(0, 0, EV_SYN, 0, 0)


@dataclass
class Heard:
    """What the reader reported, in order."""

    changes: queue.Queue[SwitchChange] = field(default_factory=queue.Queue)
    statuses: queue.Queue[SwitchStatus] = field(default_factory=queue.Queue)

    def change(self) -> SwitchChange:
        return self.changes.get(timeout=HANG_SECONDS)

    def status(self) -> SwitchStatus:
        return self.statuses.get(timeout=HANG_SECONDS)


def opened(settings: Settings, heard: Heard, roots: InputRoots = REAL_ROOTS,
           terminal: int | None = None) -> Switch:
    switch = open_switch(settings, heard.changes.put, heard.statuses.put, roots=roots, terminal=terminal)
    assert switch is not None
    return switch


# --- A device tree in a folder ------------------------------------------------------------------------------

def bitmap(codes: set[int]) -> str:
    """A capability bitmap as sysfs shows it: 64-bit hex words, the highest first, leading zero words left out."""
    words = [0] * (max(codes) // 64 + 1)
    for code in codes:
        words[code // 64] |= 1 << code % 64
    return " ".join(f"{word:x}" for word in reversed(words))


def add_device(roots: InputRoots, number: int, name: str, keys: set[int], by_id: str | None = None) -> Path:
    """A device as the kernel lists it, whose device file is a FIFO; returns the FIFO."""
    device = roots.sys / "class" / "input" / f"event{number}" / "device"
    (device / "capabilities").mkdir(parents=True)
    (device / "name").write_text(name + "\n")
    (device / "capabilities" / "key").write_text(bitmap(keys) + "\n")
    fifo = roots.dev / "input" / f"event{number}"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    if by_id:
        (roots.dev / "input" / "by-id").mkdir(exist_ok=True)
        (roots.dev / "input" / "by-id" / by_id).symlink_to(f"../event{number}")
    return fifo


def remove_device(roots: InputRoots, number: int) -> None:
    """Unplugged: the kernel stops listing it and its device file goes."""
    device = roots.sys / "class" / "input" / f"event{number}"
    for file in (device / "device" / "capabilities" / "key", device / "device" / "name"):
        file.unlink()
    for folder in (device / "device" / "capabilities", device / "device", device):
        folder.rmdir()
    (roots.dev / "input" / f"event{number}").unlink()


@pytest.fixture
def roots(tmp_path: Path) -> InputRoots:
    """A big button (with a by-id link), its own media keys, and a laptop keyboard."""
    roots = InputRoots(tmp_path / "sys", tmp_path / "dev")
    add_device(roots, 3, "Acme Big Button", {SPACE, ENTER}, by_id="usb-Acme_Big_Button-event-kbd")
    add_device(roots, 4, "Acme Big Button Consumer Control", {VOLUME_UP})
    add_device(roots, 5, "AT Translated Set 2 keyboard", set(range(1, 120)))
    (roots.sys / "class" / "input" / "event6" / "device").mkdir(parents=True)  # a mouse: no keys file
    (roots.sys / "class" / "input" / "event6" / "device" / "name").write_text("Mouse\n")
    return roots


@contextmanager
def writer(fifo: Path) -> Iterator[int]:
    """The FIFO held open for writing (read-write, so that opening it never waits); closing it is an unplug."""
    fd = os.open(fifo, os.O_RDWR)
    try:
        yield fd
    finally:
        os.close(fd)


def wait_until_read(fd: int) -> None:
    """Until the reader has taken everything written to the FIFO."""
    unread = bytearray(4)
    while True:
        fcntl.ioctl(fd, termios.FIONREAD, unread)
        if not int.from_bytes(unread, sys.byteorder):
            return
        time.sleep(0.001)


# --- Reading input events -----------------------------------------------------------------------------------

def test_presses_and_releases_are_reported_autorepeat_is_not_and_other_keys_are_marked(roots: InputRoots) -> None:
    heard = Heard()
    fifo = roots.dev / "input" / "event3"
    with writer(fifo) as fd, opened(Settings(switch_device=str(fifo)), heard, roots):
        os.write(fd, key_event(SPACE, 1) + key_event(SPACE, 2) + key_event(SPACE, 2) + key_event(SPACE, 0)
                 + key_event(A, 1) + key_event(A, 0) + key_event(999, 1))
        changes = [heard.change() for _ in range(5)]
    assert changes == [SwitchChange(True, True, "space"), SwitchChange(False, True, "space"),
                       SwitchChange(True, False, "a"), SwitchChange(False, False, "a"),
                       SwitchChange(True, False, "unknown")]
    assert heard.changes.empty() and heard.statuses.empty()


def test_a_record_split_across_reads_is_put_together(roots: InputRoots) -> None:
    heard = Heard()
    fifo = roots.dev / "input" / "event3"
    press = key_event(ENTER, 1)
    with writer(fifo) as fd, opened(Settings(switch_device=str(fifo), switch_key="enter"), heard, roots):
        os.write(fd, press[:10])
        wait_until_read(fd)  # the reader has the first 10 bytes alone
        os.write(fd, press[10:])
        assert heard.change() == SwitchChange(True, True, "enter")
    assert heard.changes.empty()


def test_a_device_found_by_name_is_read_and_an_unplugged_one_is_reported_and_found_again(
        roots: InputRoots) -> None:
    heard = Heard()
    with opened(Settings(switch_device="big button"), heard, roots) as switch:
        with writer(roots.dev / "input" / "event3") as fd:
            os.write(fd, key_event(SPACE, 1))
            assert heard.change() == SwitchChange(True, True, "space")
            remove_device(roots, 3)
        # unplugged while held: released, then reported once
        assert heard.change() == SwitchChange(False, True, "space")
        gone = heard.status()
        assert not gone.working and "Acme Big Button" in gone.what and "event3" in gone.what
        assert "unplugged" in gone.what and "Plug it in again" in gone.fix and "speech still works" in gone.what
        fifo = add_device(roots, 7, "Acme Big Button", {SPACE})  # back, with another number
        with writer(fifo) as fd:
            back = heard.status()
            assert back.working and "event7" in back.what and back.spoken == "The switch works again."
            os.write(fd, key_event(SPACE, 1) + key_event(SPACE, 0))
            assert [heard.change(), heard.change()] == [SwitchChange(True, True, "space"),
                                                        SwitchChange(False, True, "space")]
            switch.stop()  # before this unplug
    assert heard.statuses.empty()


def test_a_path_given_by_number_that_goes_away_suggests_the_stable_path(roots: InputRoots) -> None:
    heard = Heard()
    fifo = roots.dev / "input" / "event3"
    with opened(Settings(switch_device=str(fifo)), heard, roots):
        with writer(fifo) as fd:
            os.write(fd, key_event(SPACE, 1))
            heard.change()  # the reader has the device open
        gone = heard.status()
    assert "by-id path or to its name ('Acme Big Button')" in gone.fix


def test_a_by_id_path_is_followed_to_its_device(roots: InputRoots) -> None:
    heard = Heard()
    link = roots.dev / "input" / "by-id" / "usb-Acme_Big_Button-event-kbd"
    assert find_device(str(link), "space", roots) == (link, "Acme Big Button")
    with writer(roots.dev / "input" / "event3") as fd, opened(Settings(switch_device=str(link)), heard, roots):
        os.write(fd, key_event(SPACE, 1))
        assert heard.change() == SwitchChange(True, True, "space")


@pytest.mark.parametrize(("setting", "key", "number"), [
    ("big button", "space", 3),  # the media-key part has the name too, but not the key
    ("ACME BIG BUTTON", "volumeup", 4),
    ("Acme Big Button", "enter", 3),  # the whole name wins
    ("AT Translated", "space", 5),
])
def test_a_name_chooses_one_device(roots: InputRoots, setting: str, key: str, number: int) -> None:
    path, _name = find_device(setting, key, roots)
    assert path == roots.dev / "input" / f"event{number}"


def test_a_name_that_matches_nothing_or_several_says_which_devices_there_are(roots: InputRoots) -> None:
    with pytest.raises(SwitchError) as nothing:
        find_device("Sip and puff", "space", roots)
    assert nothing.value.kind == "missing" and "'Sip and puff'" in nothing.value.what
    assert all(name in nothing.value.what for name in ("Acme Big Button", "AT Translated Set 2", "event5"))
    assert "Mouse" not in nothing.value.what
    with pytest.raises(SwitchError) as no_key:
        find_device("acme", "a", roots)
    assert "No input device whose name contains 'acme' (switch_device in the settings) can send the key a" in \
        no_key.value.what and "set switch_key" in no_key.value.fix
    add_device(roots, 8, "ACME big button", {SPACE})
    with pytest.raises(SwitchError) as several:
        find_device("acme", "space", roots)
    assert several.value.kind == "several" and "2 input devices match switch_device = 'acme'" in several.value.what
    assert "by-id" in several.value.fix and "usb-Acme_Big_Button-event-kbd" in several.value.what


def test_devices_are_listed_with_their_keys_names_and_stable_paths(roots: InputRoots) -> None:
    devices = input_devices(roots)
    assert [device.name for device in devices] == ["Acme Big Button", "Acme Big Button Consumer Control",
                                                   "AT Translated Set 2 keyboard"]
    assert devices[0].keys == {SPACE, ENTER} and devices[2].keys == set(range(1, 120))
    assert devices[0].stable_paths == (roots.dev / "input" / "by-id" / "usb-Acme_Big_Button-event-kbd",)
    lines = describe_input_devices(Settings(switch_device="Big Button"), roots)
    assert "the switch key is space" in lines[0]
    assert "event3" in lines[1] and "[the switch, can send space]" in lines[1] and "usb-Acme" in lines[1]
    assert "event4" in lines[2] and "[" not in lines[2]
    assert "event5" in lines[3] and "[can send space]" in lines[3]
    assert "No input devices" in describe_input_devices(Settings(), InputRoots(roots.sys / "none", roots.dev))[0]


def test_a_missing_device_is_reported_once_with_its_path(tmp_path: Path) -> None:
    heard = Heard()
    missing = tmp_path / "input" / "event9"
    with opened(Settings(switch_device=str(missing)), heard, InputRoots(tmp_path, tmp_path)) as switch:
        status = heard.status()
        switch.stop()
    assert not status.working and f"There is no {missing}" in status.what and "Plug the switch in" in status.fix
    assert heard.statuses.empty()


def test_a_device_file_that_is_not_an_input_device_says_so(tmp_path: Path) -> None:
    heard = Heard()
    with opened(Settings(switch_device="/dev/null"), heard, InputRoots(tmp_path, tmp_path)):
        status = heard.status()
    assert "/dev/null is not an input event device" in status.what and "/dev/input/by-id" in status.fix


def test_permission_denied_says_how_to_get_it(roots: InputRoots) -> None:
    """A real refusal: a child process gives up root before opening the device."""
    child = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from voice_assist.switch import SwitchError, open_device
        os.setgroups([]); os.setgid({NOBODY}); os.setuid({NOBODY})
        try:
            open_device(Path(sys.argv[1]), "Acme Big Button", grab=True)
        except SwitchError as error:
            print(error.kind, error, sep="\\n")
    """)
    fifo = roots.dev / "input" / "event3"
    with writer(fifo):
        result = subprocess.run([sys.executable, "-c", child, str(fifo)], capture_output=True, text=True,
                                cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    kind, message = result.stdout.splitlines()
    assert kind == "permission" and f"Not allowed to read the switch Acme Big Button ({fifo})" in message
    try:
        grp.getgrnam("input")
    except KeyError:  # this system has no group input
        assert f"'ls -l {fifo}'" in message and "log out and in again" in message
    else:
        assert "'sudo usermod -aG input nobody'" in message and "log out and in again" in message


def test_a_switch_key_that_is_no_key_is_refused_before_anything_opens() -> None:
    with pytest.raises(ConfigError, match="'nokey' is not a Linux key name"):
        open_switch(Settings(switch_device="Acme", switch_key="nokey"), print, print)


def test_the_key_table_is_the_kernels() -> None:
    if not HEADER.is_file():
        pytest.skip(f"{HEADER} is not installed")
    codes, names = parse_header(HEADER.read_text())
    assert (codes, names) == (KEY_CODES, KEY_NAMES)
    assert (KEY_CODES["space"], KEY_CODES["f13"], KEY_CODES["btn_left"], KEY_NAMES[0x100]) == (57, 183, 272, "btn_0")


# --- The terminal -------------------------------------------------------------------------------------------

@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (the keyboard side, the program's side)."""
    keyboard, program = os.openpty()
    yield keyboard, program
    os.close(keyboard)
    os.close(program)


def test_keys_typed_at_the_terminal_are_pressed_and_released_and_the_terminal_is_set_back(
        terminal: tuple[int, int]) -> None:
    keyboard, program = terminal
    before = termios.tcgetattr(program)
    heard = Heard()
    switch = opened(Settings(), heard, terminal=program)
    assert isinstance(switch, TerminalSwitch)
    with switch:
        during = termios.tcgetattr(program)
        os.write(keyboard, b" A\x1b[15~\r")
        changes = [heard.change() for _ in range(8)]
    assert not during[3] & (termios.ECHO | termios.ICANON)
    assert changes == [SwitchChange(True, True, "space"), SwitchChange(False, True, "space"),
                       SwitchChange(True, False, "a"), SwitchChange(False, False, "a"),
                       SwitchChange(True, False, "f5"), SwitchChange(False, False, "f5"),
                       SwitchChange(True, False, "enter"), SwitchChange(False, False, "enter")]
    assert termios.tcgetattr(program) == before and heard.statuses.empty()


def test_the_terminal_is_set_back_after_an_error(terminal: tuple[int, int]) -> None:
    _keyboard, program = terminal
    before = termios.tcgetattr(program)
    with pytest.raises(RuntimeError), opened(Settings(), Heard(), terminal=program):
        raise RuntimeError("the conversation core failed")
    assert termios.tcgetattr(program) == before


def test_the_terminal_is_set_back_when_the_program_is_ended_by_a_signal(terminal: tuple[int, int]) -> None:
    _keyboard, program = terminal
    before = termios.tcgetattr(program)
    child = textwrap.dedent("""
        import time
        from voice_assist.config import Settings
        from voice_assist.switch import open_switch
        open_switch(Settings(), print, print).start()
        print("reading", flush=True)
        time.sleep(60)
    """)
    with subprocess.Popen([sys.executable, "-c", child], stdin=program, stdout=subprocess.PIPE, text=True,
                          cwd=ROOT) as process:
        assert process.stdout is not None and process.stdout.readline() == "reading\n"
        assert not termios.tcgetattr(program)[3] & termios.ECHO
        process.send_signal(signal.SIGTERM)
        assert process.wait() == -signal.SIGTERM
    assert termios.tcgetattr(program) == before


def test_a_key_a_terminal_cannot_tell_apart_is_reported(terminal: tuple[int, int]) -> None:
    heard = Heard()
    with opened(Settings(switch_key="f13"), heard, terminal=terminal[1]):
        status = heard.status()
    assert "switch_key = 'f13' cannot be told apart at a terminal" in status.what and "switch_device" in status.fix


def test_without_a_device_or_a_terminal_there_is_no_switch() -> None:
    read, write = os.pipe()
    try:
        assert open_switch(Settings(), print, print, terminal=read) is None
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.parametrize(("typed", "keys"), [
    (b" ", ["space"]), (b"\n", ["enter"]), (b"\r", ["enter"]), (b"Zz9", ["z", "z", "9"]),
    (b"\t\x7f", ["tab", "backspace"]), (b"\x1b", ["esc"]), (b"\x1bOP\x1b[24~", ["f1", "f12"]), (b"\x1b[[A", ["f1"]),
    (b"\x1b[A\x1b[1;5B", ["up", "down"]), (b"\x1b[3;2~", ["delete"]), (b"\x1ba", ["a"]),
    (b"!\x1b[99~", ["unknown", "unknown"]), (b"\xc3\xa9", ["unknown"] * 2),
])
def test_terminal_bytes_are_named_as_linux_keys(typed: bytes, keys: list[str]) -> None:
    assert list(terminal_keys(typed)) == keys
    assert all(KEY_NAMES[KEY_CODES[key]] == key for key in keys if key != "unknown")  # as devices name them


def test_a_switch_key_given_by_an_alias_is_recognised(roots: InputRoots) -> None:
    heard = Heard()
    add_device(roots, 9, "Lock button", {KEY_CODES["screenlock"]})
    with writer(roots.dev / "input" / "event9") as fd, \
            opened(Settings(switch_device="Lock button", switch_key="screenlock"), heard, roots):
        os.write(fd, key_event(KEY_CODES["screenlock"], 1))
        assert heard.change() == SwitchChange(True, True, "coffee")


# --- The doctor ---------------------------------------------------------------------------------------------

def test_the_doctor_says_whether_the_switch_can_be_used(roots: InputRoots) -> None:
    not_set = check_switch(Settings(), roots)
    assert not_set.status is Status.OK and "no switch_device set" in not_set.detail and len(not_set.lines()) == 1
    found = check_switch(Settings(switch_device="Big Button"), roots)
    assert found.status is Status.OK and "Acme Big Button" in found.detail and "can send space" in found.detail
    no_key = check_switch(Settings(switch_device=str(roots.dev / "input" / "event3"), switch_key="f13"), roots)
    assert no_key.status is Status.PROBLEM and "has no key f13" in no_key.detail and no_key.spoken
    missing = check_switch(Settings(switch_device="Sip and puff"), roots)
    assert missing.status is Status.PROBLEM and "'Sip and puff'" in missing.detail and "Plug" in missing.fix
    bad_key = check_switch(Settings(switch_device="Big Button", switch_key="nokey"), roots)
    assert bad_key.status is Status.PROBLEM and "switch_key" in bad_key.fix
