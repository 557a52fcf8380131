"""The installed program: a wheel built from this checkout, installed into a new virtual environment, answers
from its own copy of the factsheet, with the checkout out of reach (another working folder, no PYTHONPATH)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from voice_assist.content import Library

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "voice_assist", "content")
"""What a wheel is built from."""

needs_wheel_tools = pytest.mark.skipif(
    importlib.util.find_spec("setuptools.command.bdist_wheel") is None and importlib.util.find_spec("wheel") is None,
    reason="building a wheel offline needs setuptools 70.1 or later, from the dev extra (scripts/setup.sh --dev)")


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(tmp_path: Path) -> Path:
    """Built from a copy of the sources, so that the checkout gets no build/ or egg-info folders."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "--wheel-dir", tmp_path / "dist", source, cwd=tmp_path)
    return next((tmp_path / "dist").glob("voice_assist-*.whl"))


def dependency_folders() -> list[str]:
    """The site-packages folders the running tests take voice-assist's dependencies from."""
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0] for requirement in requirements]
    return list(dict.fromkeys(str(metadata.distribution(name).locate_file("")) for name in names))


def install(wheel: Path, venv: Path) -> Path:
    """Install the wheel alone into a new venv and let it see the tests' dependencies through a .pth file.

    The checkout is not among them: the tests reach it through PYTHONPATH or an editable install's finder,
    and a .pth path line brings neither along."""
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--disable-pip-version-check", wheel, cwd=venv.parent)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv).strip())
    (site / "test_dependencies.pth").write_text("".join(f"{folder}\n" for folder in dependency_folders()))
    return python


def test_every_package_of_the_source_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists the packages by hand (the factsheet folder is mapped, so they cannot be found): a
    package missing from the list is missing from every installed copy (voice_assist.match once was)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    in_source = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "voice_assist").rglob("__init__.py")}
    assert in_source <= listed, f"add to [tool.setuptools] packages: {sorted(in_source - listed)}"


@pytest.mark.slow
@needs_wheel_tools
def test_an_installed_wheel_answers_from_its_own_factsheet(tmp_path: Path, library: Library) -> None:
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    python = install(wheel, venv)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "VOICE_ASSIST_MODEL")}
    env.update({"HOME": str(elsewhere), "XDG_CONFIG_HOME": str(elsewhere / "config"),
                "XDG_DATA_HOME": str(elsewhere / "data"), "XDG_STATE_HOME": str(elsewhere / "state"),
                "XDG_CACHE_HOME": str(elsewhere / "cache")})

    where = run(python, "-c", "import voice_assist.config as c; print(c.__file__); print(c.BUNDLED_CONTENT)",
                cwd=elsewhere, env=env).split()
    assert all(Path(path).is_relative_to(venv) for path in where), where
    assert (Path(where[1]) / "als.md").is_file()

    answer = run(venv / "bin" / "voice-assist", "ask", "what is ALS", cwd=elsewhere, env=env)
    overview = library.section("overview")
    assert answer.startswith(f"From the factsheet section {overview.title}: {overview.passages[0]}"), answer
