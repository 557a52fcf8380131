"""The setup scripts: ./run.sh, ./test.sh, .ci/run over scripts/setup.sh.

A fresh install needs root and the network, so it is exercised by CI itself (``bash .ci/run`` on a fresh
clone); these tests check what can be checked on a machine that is already set up: nothing is redone,
stdout stays clean, exit codes pass through, and a too-old Python is explained.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("run.sh", "test.sh", "scripts/setup.sh", ".ci/run")


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def set_up() -> None:
    """Skip unless this checkout is fully set up (as ./test.sh leaves it): then setup must do nothing."""
    check = run("scripts/setup.sh", "--check", "--dev")
    if check.returncode != 0:
        pytest.skip(f"this checkout is not set up ({check.stderr.strip()}); run ./test.sh")


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_are_executable_bash(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    syntax = run("bash", "-n", str(path))
    assert syntax.returncode == 0, syntax.stderr


def test_a_second_setup_changes_nothing_and_says_nothing(set_up: None) -> None:
    stamps = sorted((ROOT / ".venv").glob(".voice-assist-installed*"))
    before = {path: path.stat().st_mtime_ns for path in stamps}
    for _ in range(2):
        again = run("scripts/setup.sh", "--dev")
        assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert {path: path.stat().st_mtime_ns for path in stamps} == before
    assert len(stamps) == 2  # the dev install also counts as a plain one, for ./run.sh


def test_run_sh_passes_arguments_and_keeps_stdout_for_the_assistant(set_up: None) -> None:
    result = run("./run.sh", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: voice-assist")
    assert result.stderr == ""


def test_test_sh_passes_arguments_to_pytest_and_returns_its_exit_code(set_up: None) -> None:
    result = run("./test.sh", "-p", "no:cacheprovider", "-q", "-k", "no_test_has_this_name",
                 "tests/test_setup_scripts.py")
    assert result.returncode == 5  # pytest's "no tests were collected"
    assert "deselected" in result.stdout


def test_a_too_old_python_is_explained(set_up: None, tmp_path: Path) -> None:
    """No Python 3.9 here to try for real: a stand-in answers the version question like one."""
    old_python = tmp_path / "python3.9"
    old_python.write_text("#!/bin/sh\necho 3 9\n")
    old_python.chmod(0o755)
    venv = tmp_path / "venv"
    result = run("scripts/setup.sh", env={"VOICE_ASSIST_PYTHON": str(old_python), "VOICE_ASSIST_VENV": str(venv)})
    assert result.returncode == 1
    assert "needs Python 3.11 or newer" in result.stderr
    assert f"{old_python} (3.9)" in result.stderr
    assert "VOICE_ASSIST_PYTHON=" in result.stderr  # and what to do about it
    assert not venv.exists()


def test_check_reports_a_missing_environment(tmp_path: Path) -> None:
    result = run("scripts/setup.sh", "--check", env={"VOICE_ASSIST_VENV": str(tmp_path / "nothing")})
    assert result.returncode == 1
    assert f"no usable Python environment in {tmp_path / 'nothing'}" in result.stderr
    assert not (tmp_path / "nothing").exists()


def test_unknown_options_are_refused() -> None:
    result = run("scripts/setup.sh", "--bogus")
    assert result.returncode == 64
    assert "usage: scripts/setup.sh" in result.stderr
