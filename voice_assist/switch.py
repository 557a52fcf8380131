"""The switch: one key from an assistive switch (a big button, a sip-and-puff, a head switch), which Linux
sees as a USB keyboard, read from its input events (/dev/input/event*); or, with no device set, from the
terminal.

Each press and release comes to ``on_change`` as a SwitchChange, from one reader thread; keys other than the
switch key come too, marked as such. What a press means (select, start scanning, call for help when held) is
decided by the conversation core, not here. A device that is missing, unplugged or unreadable is reported to
``on_status`` (what is wrong, where, what to do) and looked for again until it is back; nothing here raises
for it, so speech goes on working.

Input events are parsed with ``struct`` rather than python-evdev: the record is five numbers, and evdev
must be compiled against the kernel headers (or comes from a Debian package that the program's own Python
environment does not see), and opens only real input devices, so it could not be tested on recorded events.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import grp
import logging
import os
import pwd
import select
import signal
import stat
import struct
import sys
import termios
import threading
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from voice_assist.config import Settings, key_name
from voice_assist.errors import VoiceAssistError
from voice_assist.key_codes import KEY_CODES, KEY_NAMES

log = logging.getLogger(__name__)

INPUT_EVENT = struct.Struct("@llHHi")
"""Linux's struct input_event: time (two C longs), type, code, value; 24 bytes on a 64-bit machine."""
EV_SYN, EV_KEY = 0, 1
SYN_DROPPED = 3
"""The kernel dropped events because they were not read in time (a release may be lost)."""
RELEASED, PRESSED = 0, 1
"""Key event values; 2, the keyboard's autorepeat while a key is held, is not a change and is ignored."""
EVIOCGVERSION = 0x80044501
"""ioctl _IOR('E', 0x01, int): answered by input event devices only."""
EVIOCGRAB = 0x40044590
"""ioctl _IOW('E', 0x90, int): while the assistant holds it, the device's keys go to no other program."""
LONG_BITS = 8 * struct.calcsize("l")
"""Bits in one word of the kernel's capability bitmaps in sysfs."""
READ_BYTES = 64 * INPUT_EVENT.size
"""At most this much is read at once: a switch sends a press or release (and a sync) at a time."""
RETRY_FIRST = 0.5
"""Seconds before a missing device is looked for again: a replugged switch takes about this long to be
listed, so it works again within a second."""
RETRY_MAX = 5.0
"""The longest wait between looks: a switch plugged in later works within 5 s. A look reads /sys/class/input:
about 1.4 ms with 11 keyboards listed (scripts/bench_switch.py), so looking every 5 s costs nothing."""
STOP_SECONDS = 2.0
"""How long stop() waits for the reader thread; it wakes at once, unless a callback is stuck."""
TERMINAL_KEYS_OF_BYTES = {b" ": "space", b"\r": "enter", b"\n": "enter", b"\t": "tab", b"\x7f": "backspace",
                          b"\x08": "backspace", b"\x1b": "esc", b"-": "minus", b"=": "equal", b",": "comma",
                          b".": "dot", b"/": "slash", b";": "semicolon", b"'": "apostrophe", b"[": "leftbrace",
                          b"]": "rightbrace", b"\\": "backslash", b"`": "grave"}
"""Keys that type one byte; letters and digits are added below."""
TERMINAL_ESCAPES = {"A": "up", "B": "down", "C": "right", "D": "left", "H": "home", "F": "end", "P": "f1",
                    "Q": "f2", "R": "f3", "S": "f4", "1~": "home", "2~": "insert", "3~": "delete", "4~": "end",
                    "5~": "pageup", "6~": "pagedown", "11~": "f1", "12~": "f2", "13~": "f3", "14~": "f4",
                    "15~": "f5", "17~": "f6", "18~": "f7", "19~": "f8", "20~": "f9", "21~": "f10", "23~": "f11",
                    "24~": "f12", "[A": "f1", "[B": "f2", "[C": "f3", "[D": "f4", "[E": "f5"}
"""Keys that type an escape sequence (ESC [ or ESC O, then these; modifiers such as ";5" are dropped):
xterm's and the Linux console's. F13 and above type nothing a terminal agrees on."""
TERMINAL_KEYS = frozenset({*TERMINAL_KEYS_OF_BYTES.values(), *TERMINAL_ESCAPES.values(),
                           *"abcdefghijklmnopqrstuvwxyz0123456789"})
"""The keys a terminal can tell apart."""
UNKNOWN_KEY = "unknown"

OnChange = Callable[["SwitchChange"], None]
OnStatus = Callable[["SwitchStatus"], None]


@dataclass(frozen=True)
class SwitchChange:
    """A key went down or came up."""

    pressed: bool
    is_switch_key: bool
    """The configured switch_key; other keys (on the same device, or at the terminal) are reported too."""
    key: str
    """Its Linux name without KEY_ ("space"), or "unknown"."""


@dataclass(frozen=True)
class SwitchStatus:
    """The switch stopped working, or works again (after it had stopped)."""

    working: bool
    what: str
    """What happened, and with which device (its path and name), or which setting."""
    fix: str
    """What to do about it; empty when working."""
    spoken: str
    """One short sentence to say aloud."""


class SwitchError(VoiceAssistError):
    """The switch device cannot be used; ``str(error)`` says what is wrong and what to do."""

    def __init__(self, kind: str, what: str, fix: str, spoken: str) -> None:
        self.kind = kind
        """missing, several, permission, busy, not_input or gone: a new kind of fault is reported again."""
        self.what = what
        self.fix = fix
        self.spoken = spoken
        super().__init__(f"{what}. {fix}")

    def status(self) -> SwitchStatus:
        return SwitchStatus(False, f"{self.what}; speech still works, and I keep looking for the switch", self.fix,
                            self.spoken)


# --- Finding the device ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputRoots:
    """Where the kernel lists input devices and where their device files are (tests give a folder)."""

    sys: Path = Path("/sys")
    dev: Path = Path("/dev")


@dataclass(frozen=True)
class InputDevice:
    """An input device with keys."""

    name: str
    """As the device calls itself (/sys/class/input/eventN/device/name)."""
    path: Path
    """/dev/input/eventN: the number can change when it is plugged in again."""
    stable_paths: tuple[Path, ...]
    """/dev/input/by-id/... links to it, which stay the same."""
    keys: frozenset[int]

    def describe(self) -> str:
        also = f"  (also {', '.join(map(str, self.stable_paths))})" if self.stable_paths else ""
        return f"{self.path}  {self.name!r}{also}"


def input_devices(roots: InputRoots = InputRoots()) -> list[InputDevice]:
    """The input devices that have keys, in the kernel's order."""
    found = []
    for entry in sorted((roots.sys / "class" / "input").glob("event*"), key=lambda entry: int(entry.name[5:])):
        try:
            name = (entry / "device" / "name").read_text(encoding="utf-8", errors="replace").strip()
            keys = _key_bits((entry / "device" / "capabilities" / "key").read_text())
        except (OSError, ValueError):  # unplugged while listed, or not a keyboard-like device
            continue
        path = roots.dev / "input" / entry.name
        if keys:
            found.append(InputDevice(name, path, _links_to(path, roots.dev / "input" / "by-id"), keys))
    return found


def _key_bits(bitmap: str) -> frozenset[int]:
    """The key codes set in a sysfs capability bitmap: hex words, the highest first."""
    words = [int(word, 16) for word in reversed(bitmap.split())]
    return frozenset(index * LONG_BITS + bit for index, word in enumerate(words) for bit in range(LONG_BITS)
                     if word >> bit & 1)


def _links_to(path: Path, folder: Path) -> tuple[Path, ...]:
    try:
        links = sorted(folder.iterdir())
    except OSError:
        return ()
    return tuple(link for link in links if link.is_symlink() and os.path.realpath(link) == os.path.realpath(path))


def find_device(setting: str, key: str, roots: InputRoots = InputRoots()) -> tuple[Path, str]:
    """The device file and name for switch_device: a path as it is, or the one device that can send ``key``
    and whose name contains ``setting`` (any case; the whole name wins). Raises SwitchError."""
    if setting.startswith("/"):
        known = listed_device(Path(setting), roots)
        return Path(setting), known.name if known else Path(setting).name
    devices = input_devices(roots)
    wanted = setting.casefold()
    named = [device for device in devices if wanted in device.name.casefold()]
    fitting = [device for device in named if KEY_CODES[key] in device.keys]
    fitting = [device for device in fitting if device.name.casefold() == wanted] or fitting
    if len(fitting) == 1:
        return fitting[0].path, fitting[0].name
    if fitting:
        raise SwitchError("several", f"{len(fitting)} input devices match switch_device = {setting!r}: "
                          f"{_listed(fitting)}", "Set switch_device to the whole name, or to one of the "
                          "/dev/input/by-id paths", "More than one device matches the switch setting.")
    if named:  # a part of the switch that is left when the rest is unplugged, or the wrong key
        raise SwitchError("missing", f"No input device whose name contains {setting!r} (switch_device in the "
                          f"settings) can send the key {key} (switch_key): {_listed(named)}", "Plug the switch in;"
                          " if it is plugged in, set switch_key to the key it types (its manual or 'evtest' tells)",
                          "The switch is not plugged in, or the switch key in the settings is wrong.")
    raise SwitchError("missing", f"No input device's name contains {setting!r} (switch_device in the settings); the "
                      f"devices with keys are: {_listed(devices)}", "Plug the switch in, or set switch_device to "
                      "one of these names or paths ('voice-assist devices' lists them)",
                      "The switch is not plugged in.")


def _listed(devices: list[InputDevice]) -> str:
    return "; ".join(device.describe() for device in devices) or "none at all"


def listed_device(path: Path, roots: InputRoots = InputRoots()) -> InputDevice | None:
    """The input device with keys that ``path`` is (or links to); None when it is no such device."""
    return next((device for device in input_devices(roots)
                 if os.path.realpath(device.path) == os.path.realpath(path)), None)


def open_device(path: Path, name: str, *, grab: bool) -> int:
    """Open the device file for reading (non-blocking), taken for the assistant alone when ``grab``.

    A FIFO or a plain file (recorded events) is read as it is. Raises SwitchError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SwitchError("missing", f"There is no {path} (switch_device in the settings)",
                          "Plug the switch in; if it is plugged in, set switch_device to a path or name that "
                          "'voice-assist devices' lists", "The switch is not plugged in.") from None
    except PermissionError:
        raise SwitchError("permission", f"Not allowed to read the switch {name} ({path})", _permission_fix(path),
                          "I am not allowed to read the switch.") from None
    except OSError as error:
        raise SwitchError("missing", f"The switch {name} ({path}) cannot be opened: {error.strerror}",
                          "Plug it in again", "The switch cannot be opened.") from None
    if not stat.S_ISCHR(os.fstat(fd).st_mode):
        return fd
    try:
        fcntl.ioctl(fd, EVIOCGVERSION, bytearray(4))
    except OSError as error:
        os.close(fd)
        raise SwitchError("not_input", f"{path} is not an input event device ({error.strerror})",
                          "Set switch_device to a /dev/input/event* or /dev/input/by-id/*-event-* path, or a name, "
                          "that 'voice-assist devices' lists",
                          "The switch setting names something that is not a switch.") from None
    try:
        if grab:
            fcntl.ioctl(fd, EVIOCGRAB, 1)
    except OSError as error:
        os.close(fd)
        raise SwitchError("busy", f"Another program has taken the switch {name} ({path}) for itself "
                          f"({error.strerror})", "Close the other program that uses the switch (another "
                          "voice-assist?)", "Another program is using the switch.") from None
    return fd


def _permission_fix(path: Path) -> str:
    """How this user gets to read ``path``: the group ``input``, joined and logged in again."""
    user = pwd.getpwuid(os.getuid()).pw_name
    again = ("then log out and in again (for the voice-assist service, restart the computer), or use sudo only "
             "for this check")
    try:
        group = grp.getgrnam("input")
    except KeyError:
        return f"Run 'ls -l {path}' to see which group may read it, and add {user} to that group; {again}"
    if group.gr_gid in os.getgroups():
        return (f"{user} is in the group input, but {path} does not let that group read it ('ls -l {path}'): "
                "check the udev rules that set its permissions")
    if user in group.gr_mem:
        return f"{user} was added to the group input after logging in: log out and in again"
    return f"Run 'sudo usermod -aG input {user}', {again}"


# --- Reading -----------------------------------------------------------------------------------------------

class Switch:
    """Reads keys in one thread ("switch-reader") from start() until stop(); a context manager too.

    Callbacks run in that thread: keep them short (put the change on the core's queue)."""

    def __init__(self, source: str, key: str, on_change: OnChange, on_status: OnStatus) -> None:
        self.source = source
        """Where the keys come from: "the terminal", or the device setting."""
        self.key = KEY_NAMES[KEY_CODES[key]]
        """The switch key by the name its code is reported with (an alias such as "screenlock" is "coffee")."""
        self._on_change = on_change
        self._on_status = on_status
        self._stopping = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._guarded, name="switch-reader", daemon=True)

    def start(self) -> Switch:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading and wait for the reader thread; safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        os.write(self._wake_write, b"x")
        if self._thread.is_alive():
            self._thread.join(STOP_SECONDS)
        if not self._thread.is_alive():  # a thread stuck in a callback still has the pipe in its select
            os.close(self._wake_read)
            os.close(self._wake_write)

    def __enter__(self) -> Switch:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception as error:  # a bug must not end the program: speech goes on
            log.exception("The switch reader stopped")
            self._on_status(SwitchStatus(False, f"The switch stopped working ({type(error).__name__}: {error})",
                                         "Restart voice-assist; run 'voice-assist -v doctor' and report the "
                                         "messages if it happens again", "The switch stopped working."))

    def _run(self) -> None:
        raise NotImplementedError

    def _readable(self, fd: int) -> bool:
        """Wait until ``fd`` can be read (True) or stop() is called (False)."""
        ready, _, _ = select.select([fd, self._wake_read], [], [])
        return self._wake_read not in ready

    def _change(self, pressed: bool, key: str) -> None:
        self._on_change(SwitchChange(pressed, key == self.key, key))


class DeviceSwitch(Switch):
    """A switch read from its Linux input events, taken for the assistant alone (grabbed) while it runs, so
    that its key does not also type into a console or a window; found again when it is plugged back in."""

    def __init__(self, setting: str, key: str, on_change: OnChange, on_status: OnStatus,
                 roots: InputRoots = InputRoots()) -> None:
        super().__init__(setting, key, on_change, on_status)
        self._roots = roots

    def _run(self) -> None:
        delay = RETRY_FIRST
        reported: str | None = None
        while not self._stopping.is_set():
            try:
                path, name = find_device(self.source, self.key, self._roots)
                fd = open_device(path, name, grab=True)
            except SwitchError as error:
                kind = "gone" if error.kind == "missing" and reported == "gone" else error.kind
                if kind != reported:  # each fault is said once, not at every look
                    self._on_status(error.status())
                reported = kind
                log.debug("Switch not found yet: %s", error)
                if self._stopping.wait(delay):
                    return
                delay = min(2 * delay, RETRY_MAX)
                continue
            if reported is not None:
                self._on_status(SwitchStatus(True, f"The switch {name} ({path}) works again", "",
                                             "The switch works again."))
            log.info("Reading the switch %s (%s) for the key %s", name, path, self.key)
            delay, reported = RETRY_FIRST, None
            try:
                gone = self._read(fd, path, name)
            finally:
                os.close(fd)
            if gone is None:
                return
            self._on_status(gone.status())
            reported = gone.kind

    def _read(self, fd: int, path: Path, name: str) -> SwitchError | None:
        """Report changes until stop() (None) or the device goes away (what to report)."""
        pending = b""
        held: set[int] = set()
        while self._readable(fd):
            try:
                chunk = os.read(fd, READ_BYTES)
            except BlockingIOError:
                continue
            except OSError as error:  # ENODEV: unplugged
                log.debug("Reading %s: %s", path, error)
                chunk = b""
            if not chunk:
                for code in sorted(held):  # a key held when the cable was pulled is not held for ever
                    self._change(False, KEY_NAMES.get(code, UNKNOWN_KEY))
                return self._unplugged(path, name)
            pending += chunk
            whole = len(pending) - len(pending) % INPUT_EVENT.size
            for _seconds, _micros, kind, code, value in INPUT_EVENT.iter_unpack(pending[:whole]):
                self._event(kind, code, value, held)
            pending = pending[whole:]
        return None

    def _event(self, kind: int, code: int, value: int, held: set[int]) -> None:
        if kind == EV_SYN and code == SYN_DROPPED:
            log.warning("The switch sent more than was read in time; a press or release may be lost")
        if kind != EV_KEY or value not in (RELEASED, PRESSED):
            return
        if value == PRESSED:
            held.add(code)
        else:
            held.discard(code)
        self._change(value == PRESSED, KEY_NAMES.get(code, UNKNOWN_KEY))

    def _unplugged(self, path: Path, name: str) -> SwitchError:
        by_number = path.parent == self._roots.dev / "input" and path.name.startswith("event")
        fix = "Plug it in again"
        if by_number and self.source.startswith("/"):
            fix += (f". Its number can change when it is plugged in again: set switch_device to its "
                    f"/dev/input/by-id path or to its name ({name!r}) instead of {path}")
        return SwitchError("gone", f"The switch {name} ({path}) was unplugged or stopped answering", fix,
                           "The switch is disconnected. Please plug it in again.")


class TerminalSwitch(Switch):
    """Keys typed at the terminal, read one by one without echo; the terminal is set back as it was on stop(),
    at exit, and on SIGTERM or SIGHUP (when nothing else handles those). A terminal tells no releases, and a
    held key repeats: each key is reported as a press followed at once by a release."""

    def __init__(self, fd: int, key: str, on_change: OnChange, on_status: OnStatus) -> None:
        super().__init__("the terminal", key, on_change, on_status)
        self._fd = fd
        self._saved: list[Any] | None = None
        self._restore_lock = threading.Lock()
        self._signals: list[signal.Signals] = []

    def start(self) -> Switch:
        self._saved = termios.tcgetattr(self._fd)
        atexit.register(self.restore)
        self._restore_on_signals()
        tty.setcbreak(self._fd, termios.TCSANOW)
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.restore()
        atexit.unregister(self.restore)
        for number in self._signals:
            if signal.getsignal(number) == self._on_signal:
                signal.signal(number, signal.SIG_DFL)
        self._signals = []

    def restore(self) -> None:
        """Set the terminal back as it was before start(); once only."""
        with self._restore_lock:
            if self._saved is not None:
                termios.tcsetattr(self._fd, termios.TCSAFLUSH, self._saved)
                self._saved = None

    def _restore_on_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # only the main thread may set signal handlers
        for number in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(number) == signal.SIG_DFL:
                signal.signal(number, self._on_signal)
                self._signals.append(number)

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        """Set the terminal back, then end as the signal would have ended the program."""
        self.restore()
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)

    def _run(self) -> None:
        if self.key not in TERMINAL_KEYS:
            self._on_status(SwitchStatus(False, f"switch_key = {self.key!r} cannot be told apart at a terminal",
                                         "Set switch_device to the switch (see 'voice-assist devices'), or choose"
                                         " a key such as space or enter", "The switch key cannot be read here."))
        while self._readable(self._fd):
            try:
                data = os.read(self._fd, READ_BYTES)
            except OSError:  # EIO: the terminal hung up
                data = b""
            if not data:
                log.info("The terminal was closed: the switch key is no longer read from it")
                return
            for key in terminal_keys(data):
                self._change(True, key)
                self._change(False, key)


def terminal_keys(data: bytes) -> Iterator[str]:
    """The keys typed as ``data``: their Linux names, or "unknown"."""
    rest = data
    while rest:
        key, rest = _first_key(rest)
        yield key


def _first_key(data: bytes) -> tuple[str, bytes]:
    """The first key in ``data`` and the bytes after it."""
    first, rest = data[:1], data[1:]
    if first == b"\x1b" and rest[:1] in (b"[", b"O"):
        opener, body = rest[:1], rest[1:]
        if opener == b"[" and body[:1] == b"[":  # the Linux console's F1 to F5: ESC [ [ A
            return TERMINAL_ESCAPES.get(body[:2].decode("latin-1"), UNKNOWN_KEY), body[2:]
        end = next((index for index, byte in enumerate(body) if 0x40 <= byte <= 0x7E), len(body))
        numbers, final = body[:end].decode("latin-1").split(";")[0], body[end:end + 1].decode("latin-1")
        number = "" if numbers == "1" and final != "~" else numbers  # ESC [ 1 ; 5 A is ctrl+up
        return TERMINAL_ESCAPES.get(number + final, UNKNOWN_KEY), body[end + 1:]
    if first == b"\x1b" and rest:  # alt with a key
        return _first_key(rest)
    character = first.decode("latin-1").lower()
    if character.isascii() and character.isalnum():
        return character, rest
    return TERMINAL_KEYS_OF_BYTES.get(first, UNKNOWN_KEY), rest


# --- Opening -----------------------------------------------------------------------------------------------

def open_switch(settings: Settings, on_change: OnChange, on_status: OnStatus, *,
                roots: InputRoots = InputRoots(), terminal: int | None = None) -> Switch | None:
    """The switch as set up, not yet started: the switch_device, or else the terminal (``terminal``, or
    standard input) when there is one in the foreground; None when there is neither.

    Raises ConfigError for a switch_key that is no key; device faults go to ``on_status`` once started."""
    key = key_name(settings.switch_key)
    if settings.switch_device:
        return DeviceSwitch(settings.switch_device, key, on_change, on_status, roots)
    fd = terminal if terminal is not None else _standard_input()
    if fd is None or not os.isatty(fd):
        return None
    try:
        in_background = os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:  # not this program's controlling terminal: nothing stops it from being set up
        in_background = False
    if in_background:
        log.info("Running in the background: the switch key is not read from the terminal")
        return None
    return TerminalSwitch(fd, key, on_change, on_status)


def _standard_input() -> int | None:
    try:
        return sys.stdin.fileno() if sys.stdin is not None else None
    except (OSError, ValueError):  # closed, or replaced by something without a file
        return None


def describe_input_devices(settings: Settings, roots: InputRoots = InputRoots()) -> list[str]:
    """Lines for 'voice-assist devices': the input devices with keys, which can send the switch key, which
    is the switch, and which cannot be read."""
    devices = input_devices(roots)
    if not devices:
        return ["No input devices with keys are visible (none plugged in, or /sys/class/input is not shown here)."]
    key = key_name(settings.switch_key)
    chosen = None
    if settings.switch_device:
        with contextlib.suppress(SwitchError):  # 'voice-assist doctor' says why
            chosen = os.path.realpath(find_device(settings.switch_device, key, roots)[0])
    lines = [f"Input devices with keys (for switch_device; the switch key is {key}):"]
    for device in devices:
        marks = [mark for mark, on in (("the switch", os.path.realpath(device.path) == chosen),
                                       (f"can send {key}", KEY_CODES[key] in device.keys),
                                       ("not readable: see 'voice-assist doctor'",
                                        not os.access(device.path, os.R_OK))) if on]
        lines.append(f"  {device.describe()}{'  [' + ', '.join(marks) + ']' if marks else ''}")
    return lines
