"""The systemd user unit: its text (checked by systemd-analyze when installed), install/uninstall/status.

No systemd runs in this container, so the "no user systemd" path is the real one; the path where systemctl
answers is driven by a stand-in ``systemctl`` script that records its arguments (the one fake here: a
user systemd cannot be produced in a container).
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from voice_assist.ops import service
from voice_assist.ops.service import ServiceError, UserSystemd

VOICE_ASSIST = Path(sys.prefix) / "bin" / "voice-assist"


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def parse_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(text)
    return parser


def systemd_verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}  # --user verify needs a runtime dir, not a manager
    return subprocess.run(["systemd-analyze", "--user", "verify", str(unit)], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze is not installed (Debian package systemd)")


def test_unit_starts_this_programs_voice_assist_and_restarts_on_failure() -> None:
    unit = parse_unit(service.unit_text(service.program_path()))
    assert service.program_path() == VOICE_ASSIST
    assert unit["Service"]["ExecStart"] == str(VOICE_ASSIST)
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["RestartSec"] == "5"
    assert unit["Service"]["Environment"] == "PYTHONUNBUFFERED=1"
    assert unit["Install"]["WantedBy"] == "default.target"
    assert "Requires" not in unit["Unit"]  # a missing sound server must not stop it from starting


def test_unit_file_goes_where_systemd_looks_for_user_units(config_home: Path) -> None:
    assert service.unit_path() == config_home / "systemd" / "user" / "voice-assist.service"


@needs_systemd_analyze
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    unit = tmp_path / "voice-assist.service"
    unit.write_text(service.unit_text(VOICE_ASSIST, ["--config", "/etc/my config.toml"]))
    result = systemd_verify(unit, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


@needs_systemd_analyze
def test_systemd_analyze_would_catch_a_bad_unit(tmp_path: Path) -> None:
    """The check above can fail: the same verifier rejects a unit whose program does not exist."""
    unit = tmp_path / "voice-assist.service"
    unit.write_text(service.unit_text(tmp_path / "missing" / "voice-assist"))
    result = systemd_verify(unit, tmp_path)
    assert result.returncode != 0
    assert "missing/voice-assist" in result.stderr


@needs_systemd_analyze
def test_a_program_path_with_spaces_and_percent_is_quoted_for_systemd(tmp_path: Path) -> None:
    program = tmp_path / "my 100% venv" / "bin" / "voice-assist"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    unit = tmp_path / "voice-assist.service"
    unit.write_text(service.unit_text(program))
    result = systemd_verify(unit, tmp_path)
    assert result.returncode == 0, result.stderr
    assert parse_unit(unit.read_text())["Service"]["ExecStart"] == f'"{str(program).replace("%", "%%")}"'


def test_relative_program_path_is_refused() -> None:
    with pytest.raises(ValueError, match="absolute"):
        service.unit_text(Path("voice-assist"))


def test_install_without_user_systemd_writes_the_unit_and_says_what_to_run(config_home: Path) -> None:
    assert not UserSystemd().reachable()  # true in this container: no systemd runs here
    lines = service.install()
    path = config_home / "systemd" / "user" / "voice-assist.service"
    assert path.read_text() == service.unit_text(VOICE_ASSIST)
    report = "\n".join(lines)
    assert f"Wrote the unit {path}" in report
    assert "No user systemd could be reached" in report
    assert "systemctl --user daemon-reload" in report
    assert "systemctl --user enable --now voice-assist.service" in report
    assert "loginctl enable-linger" in report


def test_install_twice_changes_nothing(config_home: Path) -> None:
    service.install()
    path = service.unit_path()
    before = path.stat().st_mtime_ns, path.read_text()
    lines = service.install()
    assert "already installed and up to date" in lines[0]
    assert (path.stat().st_mtime_ns, path.read_text()) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["voice-assist.service"]


def test_an_older_generated_unit_is_replaced_without_asking(config_home: Path, tmp_path: Path) -> None:
    path = service.unit_path()
    path.parent.mkdir(parents=True)
    path.write_text(service.unit_text(tmp_path / "old-venv" / "bin" / "voice-assist"))
    lines = service.install()
    assert "replaces an older generated unit" in lines[0]
    assert path.read_text() == service.unit_text(VOICE_ASSIST)
    assert not path.with_name("voice-assist.service.bak").exists()


def test_a_unit_edited_by_hand_is_not_overwritten_without_force(config_home: Path) -> None:
    service.install()
    path = service.unit_path()
    edited = path.read_text().replace("RestartSec=5", "RestartSec=30")
    path.write_text(edited)
    assert not service.unit_state(path).generated
    with pytest.raises(ServiceError, match=r"changed by hand.*--force"):
        service.install()
    assert path.read_text() == edited
    lines = service.install(force=True)
    assert path.read_text() == service.unit_text(VOICE_ASSIST)
    backup = path.with_name("voice-assist.service.bak")
    assert backup.read_text() == edited
    assert str(backup) in lines[0]


def test_uninstall_removes_a_generated_unit_and_keeps_an_edited_one(config_home: Path) -> None:
    path = service.unit_path()
    assert "nothing to remove" in service.uninstall()[0]
    service.install()
    lines = service.uninstall()
    assert not path.exists()
    assert lines[0] == f"Removed {path}."
    service.install()
    path.write_text(path.read_text() + "# my note\n")
    service.uninstall()
    assert not path.exists()
    assert path.with_name("voice-assist.service.bak").read_text().endswith("# my note\n")


def test_status_says_whether_it_is_installed(config_home: Path) -> None:
    assert "Not installed" in service.status()[0]
    service.install()
    lines = service.status()
    assert lines[0] == f"Unit: {service.unit_path()}"
    assert "No user systemd" in lines[1]


def test_status_notices_a_unit_for_another_installation(config_home: Path, tmp_path: Path) -> None:
    """E.g. the program folder was moved: the unit still starts the old path."""
    elsewhere = tmp_path / "old 100% place" / "voice-assist"
    service.install(program=elsewhere)
    assert f"it starts {elsewhere}, not this installation" in service.status()[0]
    assert service.status(program=elsewhere)[0] == f"Unit: {service.unit_path()}"


def test_install_with_sudo_says_it_was_installed_for_root(config_home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_USER", "carer")
    lines = service.install()
    assert (os.geteuid() == 0) == any("installed for root, not for carer" in line for line in lines)


def run_cli(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VOICE_ASSIST), *arguments], capture_output=True, text=True, env=env, timeout=60,
                          check=False)


def test_cli_service_install_status_uninstall(config_home: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home)}
    installed = run_cli("service", "install", env=env)
    assert installed.returncode == 0, installed.stderr
    assert "systemctl --user enable --now voice-assist.service" in installed.stdout
    assert (config_home / "systemd/user/voice-assist.service").is_file()
    assert "Unit:" in run_cli("service", "status", env=env).stdout
    (config_home / "systemd/user/voice-assist.service").write_text("[Service]\nExecStart=/bin/true\n")
    refused = run_cli("service", "install", env=env)
    assert refused.returncode == 2
    assert "changed by hand" in refused.stderr
    removed = run_cli("service", "uninstall", env=env)
    assert removed.returncode == 0
    assert "kept as" in removed.stdout


def test_cli_passes_the_global_options_given_to_the_service(config_home: Path, tmp_path: Path) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text("rate = 140\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home)}
    result = run_cli("--config", str(settings), "--input-device", "USB Mic", "--content", str(tmp_path),
                     "service", "install", env=env)
    assert result.returncode == 0, result.stderr
    unit = parse_unit((config_home / "systemd/user/voice-assist.service").read_text())
    assert shlex.split(unit["Service"]["ExecStart"]) == [
        str(VOICE_ASSIST), "--config", str(settings), "--input-device", "USB Mic", "--content", str(tmp_path)]


# --- With a user systemd (stand-in systemctl) ------------------------------------------------------------

def stand_in_systemd(folder: Path, monkeypatch: pytest.MonkeyPatch, state: str) -> Path:
    """A ``systemctl`` and ``loginctl`` on PATH that log their arguments, succeed and print ``state``."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    log = folder / "calls.log"
    for name, answer in (("systemctl", state), ("loginctl", "no")):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\necho {answer}\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.fixture
def systemctl_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stand_in_systemd(tmp_path, monkeypatch, "inactive")


def test_install_with_user_systemd_reloads_enables_and_starts(config_home: Path, systemctl_log: Path) -> None:
    lines = service.install()
    calls = systemctl_log.read_text().splitlines()
    assert "systemctl --user daemon-reload" in calls
    assert "systemctl --user enable --now voice-assist.service" in calls
    assert calls.index("systemctl --user daemon-reload") < calls.index(
        "systemctl --user enable --now voice-assist.service")
    report = "\n".join(lines)
    assert "enabled and running" in report
    assert "loginctl enable-linger" in report  # the stand-in says lingering is off


def test_uninstall_with_user_systemd_disables_and_stops(config_home: Path, systemctl_log: Path) -> None:
    service.install()
    service.uninstall()
    calls = systemctl_log.read_text().splitlines()
    assert "systemctl --user disable --now voice-assist.service" in calls
    assert calls[-1] == "systemctl --user daemon-reload"


def test_reinstalling_a_changed_unit_restarts_the_running_service(config_home: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    service.install(program=tmp_path / "old" / "voice-assist")
    log = stand_in_systemd(tmp_path, monkeypatch, "active")
    service.install()
    assert "systemctl --user restart voice-assist.service" in log.read_text().splitlines()
    log.unlink()
    service.install()  # unchanged: a running service is left alone
    assert "systemctl --user restart voice-assist.service" not in log.read_text().splitlines()
