"""Settings: one dataclass, loaded from TOML, overridden by command-line flags.

Two files, so that nothing a caregiver wrote is ever rewritten by the program:
- ``config.toml`` (``$XDG_CONFIG_HOME/voice-assist``) is the caregiver's; the program only reads it.
- ``voice.toml`` (``$XDG_STATE_HOME/voice-assist``) holds the speech rate and volume changed by voice
  ("slower", "louder") where they differ from ``config.toml``'s; the program rewrites it, and they win over
  ``config.toml``. That is reported (log, caregiver view, doctor), and "normal voice" removes it. Nothing
  else is read from it, so the voice a caregiver chooses in ``config.toml`` always applies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from voice_assist.errors import ConfigError
from voice_assist.key_codes import KEY_CODES

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

VOICE_KEYS = ("rate", "volume", "scan_seconds", "sound_level")
"""The settings that voice commands change, kept in voice.toml: the voice ("slower", "louder"), and the scanning
pace and sound level ("scan slower", "more sensitive")."""
NORMAL_VOICE_KEYS = ("rate", "volume")
"""What "normal voice" puts back to config.toml's."""
ENGINES = ("auto", "vosk", "pocketsphinx")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
WAYS_IN = ("speech", "scanning")
RANGES: dict[str, tuple[float, float, str]] = {
    "rate": (80, 450, "words a minute"),  # what espeak-ng can say (speak/synth.py clamps to this)
    "volume": (0.1, 1.0, "(1 is full volume; below 0.1 it cannot be heard)"),
    "end_silence": (0.3, 10.0, "seconds"),
    "quick_end_silence": (0.1, 5.0, "seconds"),
    "max_utterance": (2.0, 120.0, "seconds"),
    "history_days": (1, 365, "days"),
    "scan_seconds": (0.5, 15.0, "seconds"),
    "sound_level": (3.0, 50.0, "decibels"),
    "help_sounds": (0, 6, "sounds (0 turns the signal off)"),
}
"""The numbers a caregiver can set: lowest, highest, and their unit in words. Beyond these the assistant
would be silent, cut every question short or never end one."""


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
    history: bool = True
    """Keep a history of what was asked, as text (history.py): local, deletable by voice ("forget history")."""
    history_days: int = 30
    """Days the history keeps a question: long enough to see what was asked over weeks, short enough that an
    old worry does not linger."""
    way_in: str = "speech"
    """How the user starts: "speech" (questions and commands; "scan" starts scanning) or "scanning" (for a
    user who no longer speaks: any sound the user can make, or the switch, starts auditory scanning)."""
    scan_seconds: float = 2.5
    """Auditory scanning: the pause after each option is read, in which a sound or the switch selects it."""
    sound_level: float = 20.0
    """Auditory scanning: how far above the room's noise (decibels) a sound must rise to select. Lower it for
    a user whose sounds are faint; raise it when room noise selects."""
    help_sounds: int = 3
    """Short sounds in quick succession (within 2.5 s) that call for help without words; 0 turns that signal off
    ("help me" and a long press of the switch still call). Raise it where knocks or bumps call for help: in an
    8-hour soak of simulated home life, knocks did so three times."""
    switch_device: str | None = None
    """An assistive switch or keyboard: a /dev/input/by-id/... or /dev/input/event* path, or part of the
    device's name (see 'voice-assist devices'). While the assistant runs, the device is its alone: its keys
    type nothing into other programs. Unset: the key is read from the terminal, when there is one."""
    switch_key: str = "space"
    """The key the switch types: its Linux name without KEY_, any case (space, enter, f13, a, btn_left)."""
    alarm_output: str | None = None
    """Where the call for help sounds (a second speaker in another room): a sound server output (PulseAudio or
    PipeWire sink: its name or part of its description, e.g. a Bluetooth speaker's) or a PortAudio output device
    index or part of its name. It sounds softly on the speaker the answers come from too. Unset: only there."""
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


@dataclass(frozen=True)
class VoiceOverride:
    """A voice setting changed by voice (kept in voice.toml) that is used instead of the caregiver's."""

    key: str
    """"rate" or "volume"."""
    used: float
    """The value set by voice."""
    configured: float
    """The value config.toml sets (or the default, when it sets none)."""
    config_file: Path
    config_line: int | None
    """The line of config.toml that sets it; None when it sets none."""
    voice_file: Path

    def __str__(self) -> str:
        if self.config_line is None:
            where = f"{self.key} is {self.used:g} (the default is {self.configured:g})"
        else:
            where = (f"{self.config_file}:{self.config_line}: {self.key} = {self.configured:g} is not used: "
                     f"{self.key} is {self.used:g}")
        if self.key in NORMAL_VOICE_KEYS:
            undo = f"Say 'normal voice' to go back to {self.configured:g}, or delete {self.voice_file}."
        else:
            undo = f"Delete {self.voice_file} to go back to {self.configured:g}."
        return f"{where}, set by voice and kept in {self.voice_file}. {undo}"


@dataclass(frozen=True)
class SettingsFiles:
    """What the two settings files say, and what of it could not be used."""

    settings: Settings
    """The settings in force: config.toml over the defaults, then the voice settings from voice.toml."""
    configured: Settings
    """config.toml alone over the defaults: the voice that 'normal voice' goes back to."""
    problems: tuple[ConfigProblem, ...]
    overrides: tuple[VoiceOverride, ...]
    """Voice settings from voice.toml that differ from the configured ones."""


def load_settings(config_file: Path | None = None, voice_file: Path | None = None) -> Settings:
    """Read the caregiver's config and the voice settings; a bad value is reported and skipped, and a
    voice setting changed by voice that hides the caregiver's is reported too."""
    read = read_settings(config_file, voice_file)
    for problem in read.problems:
        log.warning("%s", problem)
    for override in read.overrides:
        log.warning("%s", override)
    return read.settings


def read_settings(config_file: Path | None = None, voice_file: Path | None = None) -> SettingsFiles:
    """Like load_settings, but returns the problems (for 'voice-assist doctor') instead of logging them.

    Each file's values are checked on their own, so a bad value in config.toml is reported even when
    voice.toml sets the same key."""
    config_file = config_file or config_dir() / "config.toml"
    voice_file = voice_file or state_dir() / "voice.toml"
    config_values, config_problem = _read_toml(config_file)
    voice_values, voice_problem = _read_toml(voice_file)
    extra_dirs, dirs_problem = _content_dirs(config_values.pop("content_dirs", None))
    user_content = data_dir() / "content"
    defaults = replace(Settings(), content_dirs=(BUNDLED_CONTENT, user_content, *extra_dirs))
    configured, config_problems = _apply(defaults, config_values)
    settings, voice_problems = _apply(configured, {key: voice_values[key] for key in VOICE_KEYS
                                                   if key in voice_values})
    overrides = tuple(VoiceOverride(key, getattr(settings, key), getattr(configured, key), config_file,
                                    _line_setting(key, config_values), voice_file)
                      for key in VOICE_KEYS if getattr(settings, key) != getattr(configured, key))
    problems = [problem for problem in (config_problem, dirs_problem) if problem]
    problems += [*config_problems, *([voice_problem] if voice_problem else []), *voice_problems]
    return SettingsFiles(settings, configured, tuple(problems), overrides)


def _apply(settings: Settings,
           values: dict[str, tuple[Any, Path, int]]) -> tuple[Settings, tuple[ConfigProblem, ...]]:
    """``settings`` with each usable value set; a value that cannot be used keeps what was there."""
    problems = []
    for key, (value, source, line) in values.items():
        try:
            settings = replace(settings, **{key: _coerce(key, value)})
        except ConfigError as error:
            instead = f"using {getattr(settings, key)!r} instead" if key in _FIELD_TYPES else "ignoring it"
            problems.append(ConfigProblem(source, line, f"{error}; {instead}."))
    return settings, tuple(problems)


def _line_setting(key: str, values: dict[str, tuple[Any, Path, int]]) -> int | None:
    """The line that sets ``key`` to a usable value; None when no line does."""
    if key not in values:
        return None
    value, _source, line = values[key]
    try:
        _coerce(key, value)
    except ConfigError:
        return None
    return line


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


_CHOICES = {"engine": ENGINES, "way_in": WAYS_IN, "log_level": LOG_LEVELS}
"""The settings that take one of a few words."""


def _coerce(key: str, value: Any) -> Any:
    """The value to use for ``key``; raises ConfigError saying what is wrong with it."""
    if key not in _FIELD_TYPES:
        raise ConfigError(f"unknown setting {key!r} (known: {', '.join(_FIELD_TYPES)})")
    default = getattr(Settings(), key)
    choices = _CHOICES.get(key)
    if choices is not None and (str(value).upper() if key == "log_level" else value) not in choices:
        raise ConfigError(f"{key} = {value!r} is not one of {', '.join(choices)}")
    if key == "help_sounds" and value == 1:
        raise ConfigError("help_sounds = 1 would call for help at every sound; use 2 to 6, or 0 to turn it off")
    if key in _SWITCH_SETTINGS:
        return _SWITCH_SETTINGS[key](value)
    if key in ("input_device", "output_device", "alarm_output"):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ConfigError(f"{key} = {value!r} must be a device number or part of its name in quotes")
        return str(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} must be true or false")
        return value
    if key in RANGES:
        return _number(key, value, type(default))
    if not isinstance(value, str) or (key == "model" and not value.strip()):
        raise ConfigError(f"{key} = {value!r} must be text in quotes")
    if key == "model":
        return Path(value).expanduser()
    return value.upper() if key == "log_level" else value


KEY_SYNONYMS = {"return": "enter", "spacebar": "space", "escape": "esc", "del": "delete", "pgup": "pageup",
                "pgdn": "pagedown", "ctrl": "leftctrl", "shift": "leftshift", "alt": "leftalt"}
"""What people call keys that Linux names otherwise."""
CLOSE_KEY_NAME = 0.75
"""How alike (difflib's ratio) a known key name must be to a bad one to be suggested: "enterr" gets enter and
kpenter, while "return" (0.6 from restart) gets nothing misleading."""


def key_name(value: Any) -> str:
    """A Linux key name, lower case and without KEY_ ("Space", "KEY_SPACE", "return" -> "space", "enter");
    raises ConfigError with examples (and the names closest to it) when there is no such key."""
    name = value.strip().lower().removeprefix("key_") if isinstance(value, str) else ""
    name = KEY_SYNONYMS.get(name, name)
    if name in KEY_CODES:
        return name
    close = difflib.get_close_matches(name, KEY_CODES, n=3, cutoff=CLOSE_KEY_NAME) if name else []
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise ConfigError(f"switch_key = {value!r} is not a Linux key name{hint}: use the name of the key the switch "
                      "types, without KEY_, e.g. space, enter, f13, a, 1, kp0 or btn_left (the names are those in "
                      "/usr/include/linux/input-event-codes.h)")


def _switch_device(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"switch_device = {value!r} must be a /dev/input path or part of the device's name, in "
                          "quotes (see 'voice-assist devices')")
    return value.strip()


_SWITCH_SETTINGS: dict[str, Callable[[Any], str]] = {"switch_key": key_name, "switch_device": _switch_device}


def _number(key: str, value: Any, kind: type) -> int | float:
    low, high, unit = RANGES[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} = {value!r} must be a number from {low:g} to {high:g} {unit}")
    if not math.isfinite(value) or not low <= value <= high:  # TOML allows inf and nan
        raise ConfigError(f"{key} = {value!r} must be between {low:g} and {high:g} {unit}")
    if kind is int and value != int(value):
        raise ConfigError(f"{key} = {value!r} must be a whole number")
    return int(value) if kind is int else float(value)


def save_voice(settings: Settings, voice_file: Path | None = None, configured: Settings | None = None) -> None:
    """Persist the voice settings changed by voice; written atomically so a crash cannot corrupt it.

    Only those that differ from ``configured`` (config.toml's, all when None) are kept, so that the others
    follow config.toml; with none left the file is removed. A file that cannot be written (full disk,
    read-only home) is logged, not raised: the new voice still applies until the program stops, and the
    conversation goes on."""
    voice_file = voice_file or state_dir() / "voice.toml"
    values = dataclasses.asdict(settings)
    kept = [key for key in VOICE_KEYS if configured is None or values[key] != getattr(configured, key)]
    if not kept:
        with contextlib.suppress(OSError):
            voice_file.unlink(missing_ok=True)
        return
    body = "".join(f"{key} = {values[key]!r}\n" for key in kept)  # numbers: Python and TOML agree
    temporary = voice_file.with_suffix(".tmp")
    try:
        voice_file.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8") as out:
            out.write("# Written by voice-assist when you say slower, faster, louder, quieter, scan slower or\n"
                      "# faster, more or less sensitive; used instead of config.toml's. Say 'normal voice' for the\n"
                      "# voice's, or delete this file for all of them, to use config.toml's again.\n" + body)
            out.flush()
            os.fsync(out.fileno())  # the new content is on disk before it replaces the old file
        temporary.replace(voice_file)
    except OSError as error:
        log.warning("Could not keep the voice settings in %s (%s); they apply until voice-assist stops.",
                    voice_file, error.strerror or error)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
