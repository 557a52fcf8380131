"""Settings: one dataclass, loaded from TOML, overridden by command-line flags.

Two files, so that nothing a caregiver wrote is ever rewritten by the program:
- ``config.toml`` (``$XDG_CONFIG_HOME/voice-assist``) is the caregiver's; the program only reads it.
- ``voice.toml`` (``$XDG_STATE_HOME/voice-assist``) holds the speech rate and volume changed by voice
  ("slower", "louder"); the program rewrites it, and they win over ``config.toml``. Nothing else is read
  from it, so the voice a caregiver chooses in ``config.toml`` always applies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from voice_assist.errors import ConfigError

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHECKOUT_MODELS = PROJECT_ROOT / "models"


def _bundled_content() -> Path:
    """The shipped factsheets: the checkout's ``content/`` folder, installed as ``voice_assist/factsheets``.

    A checkout (run from it, or installed from it in editable mode) reads ``content/`` itself, so that what is
    edited there is what is answered from; an installed wheel reads its package data (pyproject.toml maps
    one to the other)."""
    checkout = PROJECT_ROOT / "content"
    if (PROJECT_ROOT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return Path(str(resources.files("voice_assist").joinpath("factsheets")))


BUNDLED_CONTENT = _bundled_content()

VOICE_KEYS = ("rate", "volume")
"""The settings that voice commands change, kept in voice.toml."""
ENGINES = ("auto", "vosk", "pocketsphinx")


def _xdg(variable: str, fallback: str) -> Path:
    return Path(os.environ.get(variable) or Path.home() / fallback) / "voice-assist"


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    """User data: installed models and the caregiver's own content folder."""
    return _xdg("XDG_DATA_HOME", ".local/share")


def state_dir() -> Path:
    """Program-written state: voice settings, caches."""
    return _xdg("XDG_STATE_HOME", ".local/state")


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache")


@dataclass(frozen=True)
class Settings:
    """Everything a caregiver can set. Defaults work on a fresh install."""

    content_dirs: tuple[Path, ...] = (BUNDLED_CONTENT,)
    """Folders whose ``*.md`` factsheets are loaded; the user content folder is added to these."""
    engine: str = "auto"
    """Recognition engine: auto (vosk when a valid model is installed), vosk or pocketsphinx."""
    model: Path | None = None
    """A vosk model folder; when unset, VOICE_ASSIST_MODEL, ./models and the user data folder are searched."""
    input_device: str | None = None
    """Microphone: a PortAudio device index or part of its name; unset means the system default."""
    output_device: str | None = None
    """Speaker: a PortAudio device index or part of its name; unset means the system default."""
    rate: int = 150
    """Speaking rate, words per minute (espeak-ng's default of 200 is fast for many listeners)."""
    volume: float = 0.9
    """Speech volume, 0.0 to 1.0."""
    voice: str = ""
    """An espeak-ng voice name or id; empty means the default English voice."""
    end_silence: float = 1.8
    """Seconds of silence that end a question that does not yet make sense (longer than the mid-question
    pauses of effortful speech)."""
    quick_end_silence: float = 0.45
    """Seconds of silence that end a question the matcher already understands confidently."""
    max_utterance: float = 20.0
    """Hard cap on one question, seconds."""
    record_audio: bool = False
    """Keep recordings of what was heard (off: no audio is ever stored)."""
    log_level: str = "INFO"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Apply command-line flags; ``None`` means the flag was not given."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **given)


_FIELD_TYPES = {f.name: f for f in fields(Settings)}


@dataclass(frozen=True)
class ConfigProblem:
    """A settings file, or one value in it, that could not be used (the default is used instead)."""

    path: Path
    line: int | None
    """1-based; None when the whole file could not be read."""
    message: str
    """What is wrong and what happens instead."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


def load_settings(config_file: Path | None = None, voice_file: Path | None = None) -> Settings:
    """Read the caregiver's config and the voice settings; a bad value is reported and skipped."""
    settings, problems = read_settings(config_file, voice_file)
    for problem in problems:
        log.warning("%s", problem)
    return settings


def read_settings(config_file: Path | None = None,
                  voice_file: Path | None = None) -> tuple[Settings, tuple[ConfigProblem, ...]]:
    """Like load_settings, but returns the problems (for 'voice-assist doctor') instead of logging them."""
    config_file = config_file or config_dir() / "config.toml"
    voice_file = voice_file or state_dir() / "voice.toml"
    values: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    for path in (config_file, voice_file):
        read, problem = _read_toml(path)
        values.update({key: entry for key, entry in read.items() if path == config_file or key in VOICE_KEYS})
        problems += [problem] if problem else []
    settings = Settings()
    user_content = data_dir() / "content"
    extra_dirs, problem = _content_dirs(values.pop("content_dirs", None))
    problems += [problem] if problem else []
    settings = replace(settings, content_dirs=(BUNDLED_CONTENT, user_content, *extra_dirs))
    for key, (value, source, line) in values.items():
        try:
            settings = replace(settings, **{key: _coerce(key, value)})
        except ConfigError as error:
            problems.append(ConfigProblem(source, line, f"{error}; using the default "
                                                        f"({getattr(Settings(), key, None)!r})."))
    return settings, tuple(problems)


def _read_toml(path: Path) -> tuple[dict[str, tuple[Any, Path, int]], ConfigProblem | None]:
    """Values with the file and line they came from, so a bad one can be pointed at."""
    if not path.is_file():
        return {}, None
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return {}, ConfigProblem(path, None, f"cannot be read ({error}); fix the file or delete it. "
                                             "Using the defaults for it.")
    lines = text.splitlines()
    return {key: (value, path, _line_of(key, lines)) for key, value in data.items()}, None


def _content_dirs(entry: tuple[Any, Path, int] | None) -> tuple[tuple[Path, ...], ConfigProblem | None]:
    """The extra content folders: a list of paths (one path as plain text is accepted too)."""
    if entry is None:
        return (), None
    value, source, line = entry
    folders = [value] if isinstance(value, str) else value
    if not isinstance(folders, list) or not all(isinstance(folder, str) for folder in folders):
        return (), ConfigProblem(source, line, f"content_dirs = {value!r} must be a list of folders in quotes, "
                                               'e.g. content_dirs = ["~/factsheets"]; ignoring it.')
    return tuple(Path(folder).expanduser() for folder in folders), None


def _line_of(key: str, lines: list[str]) -> int:
    """The line that sets ``key``: ``key =``, ``"key" =``, ``key.part =`` or a ``[key]`` table."""
    name = re.escape(key)
    pattern = re.compile(rf"""^\s*(?:(["']?){name}\1\s*[=.]|\[\s*(["']?){name}\2\s*[\].])""")
    return next((number for number, line in enumerate(lines, 1) if pattern.match(line)), 1)


def _coerce(key: str, value: Any) -> Any:
    if key not in _FIELD_TYPES:
        raise ConfigError(f"unknown setting {key!r} (known: {', '.join(_FIELD_TYPES)})")
    default = getattr(Settings(), key)
    if key == "engine" and value not in ENGINES:
        raise ConfigError(f"engine = {value!r} is not one of {', '.join(ENGINES)}")
    if key in ("model",):
        return Path(str(value)).expanduser()
    if key in ("input_device", "output_device"):
        return str(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} must be true or false")
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} = {value!r} must be a number")
        if not math.isfinite(value):  # TOML allows inf and nan; int(inf) would raise, nan never compares
            raise ConfigError(f"{key} = {value!r} must be an ordinary number")
        if key == "volume" and not 0.0 <= value <= 1.0:
            raise ConfigError(f"volume = {value!r} must be between 0.0 and 1.0")
        if value <= 0 and key != "volume":
            raise ConfigError(f"{key} = {value!r} must be greater than zero")
        return type(default)(value)
    if not isinstance(value, str):
        raise ConfigError(f"{key} = {value!r} must be text in quotes")
    return value


def save_voice(settings: Settings, voice_file: Path | None = None) -> None:
    """Persist the voice settings changed by voice; written atomically so a crash cannot corrupt it.

    A file that cannot be written (full disk, read-only home) is logged, not raised: the new voice
    still applies until the program stops, and the conversation goes on."""
    voice_file = voice_file or state_dir() / "voice.toml"
    values = dataclasses.asdict(settings)
    body = "".join(f"{key} = {values[key]!r}\n" for key in VOICE_KEYS)  # numbers: Python and TOML agree
    temporary = voice_file.with_suffix(".tmp")
    try:
        voice_file.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8") as out:
            out.write("# Written by voice-assist when you say slower, faster, louder or quieter.\n" + body)
            out.flush()
            os.fsync(out.fileno())  # the new content is on disk before it replaces the old file
        temporary.replace(voice_file)
    except OSError as error:
        log.warning("Could not keep the voice settings in %s (%s); they apply until voice-assist stops.",
                    voice_file, error.strerror or error)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
