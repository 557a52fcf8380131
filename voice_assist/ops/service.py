"""Running as a service: a systemd user unit that starts the assistant at login and restarts it on failure.

``voice-assist service install`` writes ``~/.config/systemd/user/voice-assist.service`` and, when a user
systemd can be reached, enables and starts it; otherwise it says what to run. A unit the caregiver has
edited is never overwritten silently: each generated unit carries a checksum of its own text, so an edit is
noticed, and replacing it needs ``--force`` (the edited file is kept as ``.bak``).
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voice_assist.errors import VoiceAssistError

log = logging.getLogger(__name__)

UNIT_NAME = "voice-assist.service"
RESTART_SECONDS = 5
"""Pause before a restart: long enough that a microphone unplugged at start-up does not spin the CPU,
short enough that the assistant is back before anyone wonders."""
SYSTEMCTL_TIMEOUT = 60.0
"""Seconds allowed for one systemctl call (enable --now waits for the start job)."""
_CHECKSUM_PREFIX = "# voice-assist-checksum: "
_LOGS_HINT = "journalctl --user -u voice-assist -f"


class ServiceError(VoiceAssistError):
    """The unit cannot be installed or removed as asked; the message says why and what to do."""


@dataclass(frozen=True)
class UnitState:
    """What is on disk at the unit path."""

    path: Path
    exists: bool
    generated: bool
    """True when the file is one this program wrote and nobody has edited since."""


def unit_dir() -> Path:
    """Where systemd looks for a user's own units."""
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "systemd" / "user"


def unit_path() -> Path:
    return unit_dir() / UNIT_NAME


def program_path() -> Path:
    """The ``voice-assist`` of the environment this code runs in (a venv's bin/, not whatever is on PATH)."""
    beside_python = Path(sys.prefix) / "bin" / "voice-assist"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return beside_python
    found = shutil.which("voice-assist")
    if found:
        return Path(found).absolute()
    raise ServiceError(f"cannot find the voice-assist program (looked in {beside_python.parent} and on PATH). "
                       "Install the project first: run ./run.sh once, or 'pip install .' in its folder.")


def unit_text(program: Path, arguments: Sequence[str] = ()) -> str:
    """The unit file for ``program`` (an absolute path), ending in a checksum line that marks it as generated."""
    if not program.is_absolute():
        raise ValueError(f"systemd needs an absolute program path, not {program}")
    command = " ".join(_quote(part) for part in (str(program), *arguments))
    body = f"""\
# Written by 'voice-assist service install'. To change it, prefer a drop-in that survives reinstalls:
#   systemctl --user edit voice-assist
# If you edit this file itself, 'voice-assist service install' will not replace it without --force.
[Unit]
Description=voice-assist: offline spoken answers from a trusted factsheet
# Start after the sound server when there is one; these are ordering hints only, never requirements.
After=pipewire.service pipewire-pulse.service pulseaudio.service wireplumber.service sound.target

[Service]
Type=simple
ExecStart={command}
Restart=on-failure
RestartSec={RESTART_SECONDS}
Environment=PYTHONUNBUFFERED=1
WorkingDirectory=%h
SyslogIdentifier=voice-assist

[Install]
WantedBy=default.target
"""
    return body + _CHECKSUM_PREFIX + _checksum(body) + "\n"


def _quote(part: str) -> str:
    """systemd's own quoting: double quotes around words with spaces; % and $ doubled so they stay literal."""
    part = part.replace("%", "%%").replace("$", "$$")
    if any(character.isspace() or character in "\"'\\" for character in part):
        return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return part


def _checksum(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def unit_state(path: Path | None = None) -> UnitState:
    path = path or unit_path()
    if not path.is_file():
        return UnitState(path, exists=False, generated=False)
    text = path.read_text(encoding="utf-8", errors="replace")
    body, _, last = text.rstrip("\n").rpartition("\n")
    generated = last.startswith(_CHECKSUM_PREFIX) and last[len(_CHECKSUM_PREFIX):] == _checksum(body + "\n")
    return UnitState(path, exists=True, generated=generated)


class UserSystemd:
    """``systemctl --user`` (and ``loginctl``) for the current user; ``reachable`` says whether it answers."""

    def __init__(self) -> None:
        self._reachable: bool | None = None

    def reachable(self) -> bool:
        if self._reachable is None:
            result = self._run(["systemctl", "--user", "show", "--property=Version"])
            self._reachable = result is not None and result.returncode == 0
            if not self._reachable:
                log.debug("No user systemd: %s", _output(result) if result else "systemctl is not installed")
        return self._reachable

    def systemctl(self, *arguments: str) -> tuple[bool, str]:
        """Run ``systemctl --user ARGUMENTS``; (succeeded, its output)."""
        result = self._run(["systemctl", "--user", *arguments])
        if result is None:
            return False, "systemctl is not installed"
        return result.returncode == 0, _output(result)

    def lingering(self) -> bool | None:
        """Whether the user's services run without a login (None when loginctl cannot tell)."""
        result = self._run(["loginctl", "show-user", _user(), "--property=Linger", "--value"])
        if result is None or result.returncode != 0:
            return None
        return result.stdout.strip() == "yes"

    @staticmethod
    def _run(command: list[str]) -> subprocess.CompletedProcess[str] | None:
        if shutil.which(command[0]) is None:
            return None
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=SYSTEMCTL_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return subprocess.CompletedProcess(command, 1, "", str(error))


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stderr.strip() or result.stdout.strip()).replace("\n", " ")


def _started_program(path: Path) -> str:
    """The program a unit's ExecStart runs (the first word, unquoted)."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("ExecStart="):
            words = shlex.split(line.removeprefix("ExecStart="))
            return words[0].replace("%%", "%").replace("$$", "$") if words else ""
    return ""


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def install(systemd: UserSystemd | None = None, *, force: bool = False, program: Path | None = None,
            arguments: Sequence[str] = (), path: Path | None = None) -> list[str]:
    """Write the unit (unless it is already current), then enable and start it; lines to show the user.

    ``arguments`` are added to the command line (e.g. ``--config /path``). Raises ServiceError when the
    existing unit was edited by hand and ``force`` is not given."""
    systemd = systemd or UserSystemd()
    path = path or unit_path()
    text = unit_text(program or program_path(), arguments)
    written, message = _write_unit(path, text, force)
    lines = [message, *_sudo_warning()]
    if not systemd.reachable():
        return [*lines, *_manual_install_steps()]
    _, was_active = systemd.systemctl("is-active", UNIT_NAME)
    steps = [(("daemon-reload",), "reload the unit files"),
             (("enable", "--now", UNIT_NAME), "enable and start voice-assist")]
    if written and was_active == "active":
        # enable --now leaves a running service alone; restart it so the new unit takes effect
        steps.append((("restart", UNIT_NAME), "restart voice-assist"))
    for command, doing in steps:
        succeeded, output = systemd.systemctl(*command)
        if not succeeded:
            raise ServiceError(f"systemctl --user {' '.join(command)} failed, so it could not {doing} "
                               f"({output}). The unit is in {path}; see '{_LOGS_HINT}'.")
    lines.append("voice-assist is enabled and running: it starts at every login and restarts if it fails. "
                 f"Its messages: {_LOGS_HINT}")
    return [*lines, *_linger_advice(systemd)]


def _write_unit(path: Path, text: str, force: bool) -> tuple[bool, str]:
    """(whether the file was written, what happened)."""
    state = unit_state(path)
    if state.exists and path.read_text(encoding="utf-8", errors="replace") == text:
        return False, f"The unit {path} is already installed and up to date."
    if state.exists and not state.generated:
        if not force:
            raise ServiceError(f"{path} was changed by hand, so it was left as it is. To replace it, run "
                               "'voice-assist service install --force' (your version is kept as "
                               f"{path.name}.bak); for lasting changes use 'systemctl --user edit voice-assist'.")
        backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, backup)
        note = f" Your edited version was saved as {backup}."
    else:
        note = " It replaces an older generated unit." if state.exists else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # atomic: systemd never reads half a unit
    return True, f"Wrote the unit {path}.{note}"


def _sudo_warning() -> list[str]:
    invoker = os.environ.get("SUDO_USER")
    if os.geteuid() != 0 or not invoker or invoker == "root":
        return []
    return [f"Note: this ran with sudo, so the service was installed for root, not for {invoker}. To run it in "
            f"{invoker}'s session, run 'voice-assist service uninstall' with sudo, then 'voice-assist service "
            "install' without sudo."]


def _manual_install_steps() -> list[str]:
    return ["No user systemd could be reached (no 'systemctl --user' session here), so nothing was started.",
            "In a desktop or console login session of this user, run:",
            "    systemctl --user daemon-reload",
            f"    systemctl --user enable --now {UNIT_NAME}",
            "To start it at boot even before anyone logs in, run once (as this user):",
            f"    loginctl enable-linger {_user()}",
            f"Its messages: {_LOGS_HINT}"]


def _linger_advice(systemd: UserSystemd) -> list[str]:
    if systemd.lingering():
        return ["Lingering is on: it also starts at boot, before anyone logs in."]
    return ["To start it at boot even before anyone logs in, run once: "
            f"loginctl enable-linger {_user()}"]


def uninstall(systemd: UserSystemd | None = None, *, path: Path | None = None) -> list[str]:
    """Stop and disable the service and remove the unit; an edited unit is kept as ``.bak``."""
    systemd = systemd or UserSystemd()
    path = path or unit_path()
    state = unit_state(path)
    lines = []
    reachable = systemd.reachable()
    if reachable:
        systemd.systemctl("disable", "--now", UNIT_NAME)  # fails harmlessly when it was not enabled
    if not state.exists:
        lines.append(f"There is no unit at {path}; nothing to remove.")
    elif state.generated:
        path.unlink()
        lines.append(f"Removed {path}.")
    else:
        backup = path.with_name(path.name + ".bak")
        path.replace(backup)
        lines.append(f"Removed {path}; it had been edited by hand, so it was kept as {backup}.")
    if reachable:
        systemd.systemctl("daemon-reload")
        lines.append("voice-assist is stopped and will not start at login.")
    elif state.exists:
        lines += ["No user systemd could be reached. If the service is running, in a login session run:",
                  f"    systemctl --user disable --now {UNIT_NAME}",
                  "    systemctl --user daemon-reload"]
    return lines


def status(systemd: UserSystemd | None = None, *, path: Path | None = None,
           program: Path | None = None) -> list[str]:
    """Whether the unit is installed, edited, current, enabled and running."""
    systemd = systemd or UserSystemd()
    state = unit_state(path or unit_path())
    if not state.exists:
        lines = [f"Not installed ({state.path} does not exist). Install it with 'voice-assist service install'."]
    elif not state.generated:
        lines = [f"Unit: {state.path} (edited by hand)"]
    elif (started := _started_program(state.path)) != str(program or program_path()):
        lines = [f"Unit: {state.path} (it starts {started}, not this installation: run "
                 "'voice-assist service install' to update it)"]
    else:
        lines = [f"Unit: {state.path}"]
    if not systemd.reachable():
        return [*lines, "No user systemd could be reached here, so whether it runs is unknown; in a login "
                        "session run 'systemctl --user status voice-assist'."]
    _, enabled = systemd.systemctl("is-enabled", UNIT_NAME)
    _, active = systemd.systemctl("is-active", UNIT_NAME)
    lines += [f"Enabled: {enabled or 'unknown'}", f"Running: {active or 'unknown'}", f"Messages: {_LOGS_HINT}"]
    lingering = systemd.lingering()
    if lingering is not None:
        lines.append("Starts at boot without a login: " + ("yes" if lingering else
                     f"no (run 'loginctl enable-linger {_user()}' to turn it on)"))
    return lines
