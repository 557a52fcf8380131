"""Privacy: nothing leaves the machine and no audio is kept, unless the caregiver turns recording on; what was
asked is kept as text only, in the history.

The real program runs in a subprocess. Two independent witnesses watch for network use:
- an audit hook (``sys.addaudithook``, installed through ``sitecustomize``) logs any use of a socket that is
  not AF_UNIX, any name lookup and any HTTP request in the program's own process;
- /proc: every socket the whole process tree holds (C libraries included, e.g. PulseAudio's client, and the
  speech worker, which runs in isolated mode where no sitecustomize reaches) is looked up in the kernel's
  TCP/UDP/raw tables while it runs. Only Unix sockets (the sound server's) may appear.
Afterwards every file in the user's config, data, state and cache folders and in TMPDIR is accounted for.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tests.spoken import silence, synthesize, wav_file
from tests.tiny_vosk import write_tiny_model
from tests.virtual_audio import VirtualAudio
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.recordings import Recorder

ROOT = Path(__file__).resolve().parents[1]
SOUND_SYSTEM_FILES = {"config/pulse/cookie"}
"""Written by PulseAudio's client library (not by voice-assist) when a user has none yet: an auth token.
Even ``ask`` reaches the sound server, since importing the speech output starts PortAudio."""
HISTORY = "data/voice-assist/history.jsonl"
"""The caregiver's record of what was asked, as text (voice_assist/history.py): on unless turned off."""
TIMEOUT = 90.0
"""Seconds to wait for one step of a voice session: far beyond what it takes."""

AUDIT_HOOK = '''
import os, socket, sys

_LOG = os.environ.get("VOICE_ASSIST_AUDIT_LOG")
_NETWORK_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
                   "socket.getnameinfo", "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect"}
_SOCKET_USE = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}


def _note(line):
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\\n").encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _loopback(address):
    host = address[0] if isinstance(address, tuple) and address else ""
    return host in ("127.0.0.1", "::1", "localhost")


def _hook(event, args):
    if event == "socket.__new__" and args[1] not in (socket.AF_UNIX, -1):
        _note(f"{os.getpid()} NOTE {event} family={args[1]}")  # made, not used: urllib3 does this on import
    elif event == "socket.bind" and getattr(args[0], "family", None) != socket.AF_UNIX and _loopback(args[1]):
        _note(f"{os.getpid()} NOTE {event} {args[1]!r}")  # urllib3's IPv6 probe binds ::1 and closes
    elif event in _SOCKET_USE and getattr(args[0], "family", None) != socket.AF_UNIX:
        _note(f"{os.getpid()} VIOLATION {event} {args[1]!r}")
    elif event in _NETWORK_EVENTS:
        _note(f"{os.getpid()} VIOLATION {event} {args!r}")


if _LOG:
    _note(f"{os.getpid()} watching {sys.argv!r}")
    sys.addaudithook(_hook)
'''


# --- watching a run -------------------------------------------------------------------------------------

def inet_socket_inodes() -> set[str]:
    """Inodes of the TCP, UDP and raw sockets that talk to, or listen for, the network: a remote address is
    set, or the socket listens on an address other than loopback."""
    inodes = set()
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            columns = line.split()
            if len(columns) > 9 and (_set(columns[2]) or not _loopback_hex(columns[1])):
                inodes.add(columns[9])
    return inodes


def _set(hex_address: str) -> bool:
    return any(char != "0" for char in hex_address.split(":", maxsplit=1)[0])


def _loopback_hex(hex_address: str) -> bool:
    """127.x.x.x (stored little-endian: ends in 7F) or ::1, in /proc/net's hex notation."""
    host = hex_address.split(":", maxsplit=1)[0]
    return host.endswith("7F") if len(host) == 8 else host == "00000000000000000000000001000000"


def process_tree(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return tree


def socket_inodes(pids: set[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue  # the process ended meanwhile
    return inodes


@dataclass
class SocketWatch:
    """Samples the process tree's sockets every 50 ms until stopped."""

    root: int
    unix_seen: int = 0
    processes: set[int] = field(default_factory=set)
    network: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(0.05):
            tree = process_tree(self.root)
            self.processes |= tree
            held = socket_inodes(tree)
            bad = held & inet_socket_inodes()
            self.network |= bad
            self.unix_seen = max(self.unix_seen, len(held - bad))

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Homes:
    root: Path

    def __post_init__(self) -> None:
        for name in ("config", "data", "state", "cache", "home", "tmp"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        (self.root / "site").mkdir(exist_ok=True)
        (self.root / "site" / "sitecustomize.py").write_text(AUDIT_HOOK)

    @property
    def audit_log(self) -> Path:
        return self.root / "audit.log"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "XDG_CONFIG_HOME": str(self.root / "config"), "XDG_DATA_HOME": str(self.root / "data"),
                "XDG_STATE_HOME": str(self.root / "state"), "XDG_CACHE_HOME": str(self.root / "cache"),
                "HOME": str(self.root / "home"), "TMPDIR": str(self.root / "tmp"), "VOICE_ASSIST_MODEL": "",
                "VOICE_ASSIST_AUDIT_LOG": str(self.audit_log),
                "PYTHONPATH": os.pathsep.join([str(self.root / "site"), str(ROOT)])}

    def files(self) -> set[str]:
        """Every file left in the user's folders, relative to them (the cache folder's content summarized)."""
        found = set()
        for name in ("config", "data", "state", "home", "tmp"):
            found |= {str(path.relative_to(self.root)) for path in (self.root / name).rglob("*") if path.is_file()}
        cache = self.root / "cache" / "voice-assist"
        found |= {"cache/voice-assist/<recognizer cache>"} if any(cache.rglob("*")) else set()
        return found

    def write_config(self, text: str) -> None:
        (self.root / "config" / "voice-assist").mkdir(parents=True, exist_ok=True)
        (self.root / "config" / "voice-assist" / "config.toml").write_text(text)


def audit_lines(homes: Homes, *, kind: str = "VIOLATION") -> tuple[list[str], list[str]]:
    """(watched process lines, lines of ``kind``: VIOLATION, or NOTE for sockets made but not used)."""
    lines = homes.audit_log.read_text().splitlines() if homes.audit_log.exists() else []
    return [line for line in lines if " watching " in line], [line for line in lines if f" {kind} " in line]


@pytest.fixture
def homes(tmp_path: Path) -> Homes:
    return Homes(tmp_path)


def run_watched(homes: Homes, *args: str, env: dict[str, str] | None = None,
                stdin: str = "") -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen([sys.executable, "-m", "voice_assist", *args], cwd=ROOT, text=True,
                               env=homes.env(env or dict(os.environ)), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watch = SocketWatch(process.pid)
    watcher = threading.Thread(target=watch.run, daemon=True)
    watcher.start()
    try:
        stdout, stderr = process.communicate(stdin, timeout=TIMEOUT * 2)
    finally:
        watch.stop()
        watcher.join()
    assert not watch.network, f"network sockets held: {watch.network}"
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# --- typed and WAV questions ----------------------------------------------------------------------------

@pytest.mark.slow
def test_asking_by_text_and_by_wav_opens_no_network_and_keeps_no_audio(homes: Homes) -> None:
    typed = run_watched(homes, "--engine", "pocketsphinx", "ask", "what causes als", "stop")
    assert typed.returncode == 0, typed.stderr
    spoken = run_watched(homes, "--engine", "pocketsphinx", "ask", "--json", "--wav", str(wav_file("what causes als")))
    assert spoken.returncode == 0, spoken.stderr
    assert '"section": "causes"' in spoken.stdout
    watched, violations = audit_lines(homes)
    assert len(watched) >= 2 and violations == []
    assert audit_lines(homes, kind="NOTE")[1] == []  # with pocketsphinx not even a socket is made
    assert homes.files() <= {"cache/voice-assist/<recognizer cache>", *SOUND_SYSTEM_FILES}


def test_with_vosk_only_the_import_time_ipv6_probe_makes_a_socket(homes: Homes, tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny-model")
    result = run_watched(homes, "--engine", "vosk", "--model", str(model), "transcribe",
                         str(wav_file("what causes als")))
    assert result.returncode == 0, result.stderr
    assert "vosk" in result.stderr
    assert audit_lines(homes)[1] == []
    assert all("family=10" in line or "'::1'" in line for line in audit_lines(homes, kind="NOTE")[1])
    assert homes.files() <= {"cache/voice-assist/<recognizer cache>", *SOUND_SYSTEM_FILES}


def test_the_audit_hook_does_see_network_use(homes: Homes) -> None:
    """The witness works: a program that does open a TCP socket is caught by both."""
    code = ("import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(); time.sleep(0.5); "
            "socket.getaddrinfo('localhost', 80)")
    process = subprocess.Popen([sys.executable, "-c", code], env=homes.env(dict(os.environ)))
    watch = SocketWatch(process.pid)
    watcher = threading.Thread(target=watch.run, daemon=True)
    watcher.start()
    process.wait(timeout=30)
    watch.stop()
    watcher.join()
    _, violations = audit_lines(homes)
    assert any("socket.bind" in line for line in violations)
    assert any("socket.getaddrinfo" in line for line in violations)
    assert watch.network


# --- a voice session ------------------------------------------------------------------------------------

class Session:
    """``voice-assist`` listening on the virtual microphone, under both witnesses."""

    def __init__(self, homes: Homes, pulse: VirtualAudio) -> None:
        self.homes = homes
        self.said = 0
        """How many times the last question had to be said."""
        self.out = homes.root / "session.out"
        self.err = homes.root / "session.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "voice_assist"], cwd=ROOT, env=homes.env(pulse.env),
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.watch = SocketWatch(self.process.pid)
        self._watcher = threading.Thread(target=self.watch.run, daemon=True)
        self._watcher.start()

    def wait_for(self, text: str, *, after: int = 0, stream: str = "err") -> int:
        """Line number of the first line after ``after`` containing ``text``."""
        path = self.err if stream == "err" else self.out
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            lines = path.read_text(errors="replace").splitlines()
            for number, line in enumerate(lines[after:], after):
                if text in line:
                    return number + 1
            assert self.process.poll() is None, self.err.read_text()
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear:\n{path.read_text()}")

    def wait_for_any(self, texts: tuple[str, ...], *, after: int) -> str:
        """The first log line after line ``after`` that contains one of ``texts``."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in self.err.read_text(errors="replace").splitlines()[after:]:
                if any(text in line for text in texts):
                    return line
            assert self.process.poll() is None, self.err.read_text()
            time.sleep(0.1)
        raise AssertionError(f"none of {texts} appeared:\n{self.err.read_text()}")

    def wait_until_listening(self) -> None:
        """Past the greeting: the view shows LISTENING after SPEAKING."""
        self.wait_for("LISTENING", after=self.wait_for("SPEAKING", stream="out"), stream="out")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        finally:
            self.watch.stop()
            self._watcher.join()
        return code


@pytest.fixture
def session_factory(homes: Homes, pulse: VirtualAudio) -> Iterator[Callable[[], Session]]:
    started: list[Session] = []

    def start() -> Session:
        session = Session(homes, pulse)
        started.append(session)
        return session

    yield start
    for session in started:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait(timeout=30)


def ask_aloud(pulse: VirtualAudio, session: Session, text: str) -> str:
    """Say ``text`` into the microphone; again if it came while the assistant was still speaking (then only
    commands are taken). The log line saying what was heard."""
    for attempt in range(1, 5):
        session.said = attempt
        before = len(session.err.read_text().splitlines())
        pulse.play_pcm_into_microphone(synthesize(text) + silence(1.0))
        line = session.wait_for_any(("Heard ", "Ignored "), after=before)
        if "Heard " in line:
            return line
        time.sleep(3.0)
    raise AssertionError(f"{text!r} was only heard while the assistant spoke:\n{session.err.read_text()}")


@pytest.mark.audio
@pytest.mark.slow
def test_a_voice_session_opens_no_network_and_stores_no_audio(homes: Homes, pulse: VirtualAudio,
                                                              session_factory: Callable[[], Session]) -> None:
    homes.write_config('engine = "pocketsphinx"\n')
    session = session_factory()
    session.wait_until_listening()
    assert "causes" in ask_aloud(pulse, session, "what causes als")
    assert "stop" in ask_aloud(pulse, session, "stop")
    assert session.stop() in (0, 130)
    assert session.watch.unix_seen >= 1 and not session.watch.network  # the sound server, nothing else
    watched, violations = audit_lines(homes)
    assert len(watched) == 1 and violations == []
    assert audit_lines(homes, kind="NOTE")[1] == []
    assert len(session.watch.processes) >= 2  # the speech worker was watched too
    assert homes.files() <= {"config/voice-assist/config.toml", "cache/voice-assist/<recognizer cache>",
                             HISTORY, *SOUND_SYSTEM_FILES}
    history = [json.loads(line) for line in (homes.root / HISTORY).read_text().splitlines()]  # text, no audio
    assert [(turn["section"], turn["command"]) for turn in history][-2:] == [("causes", None), (None, "stop")]


@pytest.mark.audio
@pytest.mark.slow
def test_with_recording_on_each_question_is_kept_as_a_wav(homes: Homes, pulse: VirtualAudio,
                                                          session_factory: Callable[[], Session]) -> None:
    homes.write_config('engine = "pocketsphinx"\nrecord_audio = true\n')
    session = session_factory()
    session.wait_until_listening()
    assert "causes" in ask_aloud(pulse, session, "what causes als")
    assert session.stop() in (0, 130)
    _, violations = audit_lines(homes)
    assert violations == [] and not session.watch.network
    recordings = sorted((homes.root / "data" / "voice-assist" / "recordings").glob("*.wav"))
    assert len(recordings) == session.said, homes.files()  # also what was said over the greeting
    spoken = len(synthesize("what causes als")) / 2 / SAMPLE_RATE
    for recording in recordings:
        with wave.open(str(recording)) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (SAMPLE_RATE, 1, 2)
            seconds = wav.getnframes() / SAMPLE_RATE
        assert spoken * 0.6 <= seconds <= spoken + 3.0
    assert homes.files() - {str(path.relative_to(homes.root)) for path in recordings} <= {
        "config/voice-assist/config.toml", "cache/voice-assist/<recognizer cache>", HISTORY, *SOUND_SYSTEM_FILES}


# --- the recorder itself --------------------------------------------------------------------------------

def test_the_recorder_writes_whole_wav_files_with_distinct_names(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "recordings", clock=lambda: 1_700_000_000.25)
    pcm = (np.sin(np.arange(16000) / 5) * 8000).astype("<i2").tobytes()
    first, second = recorder.save(pcm), recorder.save(pcm + b"\x01")
    assert first is not None and second is not None and first != second
    for path in (first, second):
        with wave.open(str(path)) as wav:
            assert wav.readframes(wav.getnframes()) == pcm
    assert recorder.save(b"") is None
    assert sorted(path.suffix for path in (tmp_path / "recordings").iterdir()) == [".wav", ".wav"]


def test_only_the_newest_recordings_are_kept(tmp_path: Path) -> None:
    times = iter(range(1_700_000_000, 1_700_000_100))
    recorder = Recorder(tmp_path, clock=lambda: next(times), keep=3)
    saved = [recorder.save(bytes([number, 0]) * 800) for number in range(5)]
    newest = [path for path in saved[2:] if path is not None]

    assert len(newest) == 3
    assert sorted(tmp_path.iterdir()) == sorted(newest)


def test_a_recorder_that_cannot_write_does_not_raise(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    recorder = Recorder(blocker / "recordings")
    assert recorder.save(b"\x00\x01" * 100) is None
    assert recorder.save(b"\x00\x01" * 100) is None
    assert caplog.text.count("Cannot keep recordings") == 1
