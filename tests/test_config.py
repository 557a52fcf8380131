"""Settings files: a bad value is pointed at (file, line, key) and the default used; nothing the caregiver
wrote is lost or rewritten; the voice settings the program keeps are written atomically."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.virtual_audio import VirtualAudio
from voice_assist.config import BUNDLED_CONTENT, Settings, data_dir, load_settings, read_settings, save_voice

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = Settings()

GOOD_BEFORE = 'input_device = "USB"\n# the caregiver\'s note\n'
GOOD_AFTER = '\nend_silence = 2.5\n'


@pytest.mark.parametrize(("bad_line", "key"), [
    ('rate = "fast"', "rate"),
    ("rate = -5", "rate"),
    ("rate = 0", "rate"),
    ("rate = inf", "rate"),
    ("rate = nan", "rate"),
    ("rate = true", "rate"),
    ("volume = 2.0", "volume"),
    ("volume = nan", "volume"),
    ("max_utterance = -inf", "max_utterance"),
    ("quick_end_silence = nan", "quick_end_silence"),
    ('engine = "whisper"', "engine"),
    ('record_audio = "yes"', "record_audio"),
    ("voice = 5", "voice"),
    ("voice = [1, 2]", "voice"),
    ("speed = 120", "speed"),
    ("content_dirs = 5", "content_dirs"),
    ('content_dirs = ["ok", 3]', "content_dirs"),
    ("rate = { value = 1 }", "rate"),
    ('"rate" = "fast"', "rate"),
    ("'volume' = 7", "volume"),
    ("rate.value = 1", "rate"),
    ("rate = 5", "rate"),
    ("rate = 150.5", "rate"),
    ("volume = 0.0", "volume"),
    ("quick_end_silence = 0.01", "quick_end_silence"),
    ("max_utterance = 1000", "max_utterance"),
    ("model = 5", "model"),
    ('model = ""', "model"),
    ("output_device = true", "output_device"),
    ("output_device = [1]", "output_device"),
    ('log_level = "loud"', "log_level"),
    ("history_days = 0", "history_days"),
    ('history_days = "week"', "history_days"),
    ("history_days = 7.5", "history_days"),
    ('history = "no"', "history"),
    ('way_in = "switch"', "way_in"),
    ("help_sounds = 1", "help_sounds"),
    ("help_sounds = 7", "help_sounds"),
    ("way_in = true", "way_in"),
    ("scan_seconds = 0.1", "scan_seconds"),
    ('scan_seconds = "slow"', "scan_seconds"),
    ("sound_level = 60", "sound_level"),
    ("sound_level = nan", "sound_level"),
    ("alarm_output = false", "alarm_output"),
    ("switch_device = [1]", "switch_device"),
    ('switch_key = "spaec"', "switch_key"),
    ('switch_key = "space bar"', "switch_key"),
    ("switch_key = 57", "switch_key"),
    ('switch_key = ""', "switch_key"),
    ('switch_device = " "', "switch_device"),
    ("switch_device = 3", "switch_device"),
])
def test_a_bad_value_names_its_key_and_line_and_the_default_is_used(tmp_path: Path, bad_line: str,
                                                                     key: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD_BEFORE + bad_line + GOOD_AFTER)
    read = read_settings(config, tmp_path / "voice.toml")
    settings, problems = read.settings, read.problems
    assert len(problems) == 1, problems
    message = str(problems[0])
    assert message.startswith(f"{config}:3: ") and key in message
    if key == "content_dirs":
        assert settings.content_dirs == (BUNDLED_CONTENT, data_dir() / "content")
    elif hasattr(DEFAULTS, key):
        assert getattr(settings, key) == getattr(DEFAULTS, key)
    assert (settings.input_device, settings.end_silence) == ("USB", 2.5)  # the good values are kept


@pytest.mark.parametrize(("line", "key", "value"), [("input_device = 3", "input_device", "3"),
                                                   ('model = "~/models/en"', "model", Path("~/models/en").expanduser()),
                                                   ('log_level = "debug"', "log_level", "DEBUG"),
                                                   ("rate = 170.0", "rate", 170), ("volume = 1", "volume", 1.0),
                                                   ('switch_key = "F13"', "switch_key", "f13"),
                                                   ('switch_key = "KEY_Enter"', "switch_key", "enter"),
                                                   ('switch_key = "btn_left"', "switch_key", "btn_left"),
                                                   ('switch_key = "Return"', "switch_key", "enter"),
                                                   ('switch_device = "Switch"', "switch_device", "Switch")])
def test_good_values_of_every_kind_are_used(tmp_path: Path, line: str, key: str, value: object) -> None:
    config = tmp_path / "config.toml"
    config.write_text(line + "\n")
    read = read_settings(config, tmp_path / "voice.toml")
    assert read.problems == () and getattr(read.settings, key) == value
    assert type(getattr(read.settings, key)) is type(value)


@pytest.mark.parametrize(("value", "suggested"), [("spaec", "space"), ("Retrun", ""), ("enterr", "enter")])
def test_a_bad_switch_key_says_what_names_look_like_and_which_are_close(tmp_path: Path, value: str,
                                                                        suggested: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'switch_key = "{value}"\n')
    message = str(read_settings(config, tmp_path / "voice.toml").problems[0])
    assert "e.g. space, enter, f13" in message and "input-event-codes.h" in message
    if suggested:
        assert f"did you mean {suggested}" in message
    else:
        assert "did you mean" not in message


def test_a_bad_value_in_config_is_reported_even_when_the_voice_file_sets_it_too(tmp_path: Path) -> None:
    config, voice = tmp_path / "config.toml", tmp_path / "voice.toml"
    config.write_text('engine = "pocketsphinx"\nrate = "fast"\n')
    voice.write_text("rate = 125\n")
    read = read_settings(config, voice)
    assert [str(problem).split(": ")[0] for problem in read.problems] == [f"{config}:2"]
    assert read.settings.rate == 125


def test_a_voice_setting_changed_by_voice_that_hides_the_caregivers_is_reported(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config, voice = tmp_path / "config.toml", tmp_path / "voice.toml"
    config.write_text("# the caregiver's choice\nrate = 170\n")
    voice.write_text("rate = 125\n")
    with caplog.at_level(logging.WARNING):
        settings = load_settings(config, voice)
    assert settings.rate == 125
    read = read_settings(config, voice)
    assert (read.configured.rate, read.configured.volume) == (170, DEFAULTS.volume)
    [override] = read.overrides
    assert str(override) in caplog.text
    assert str(override).startswith(f"{config}:2: rate = 170 is not used: rate is 125, set by voice")
    assert "Say 'normal voice'" in str(override) and str(voice) in str(override)


def test_only_what_differs_from_the_caregivers_voice_is_kept(tmp_path: Path) -> None:
    config, voice = tmp_path / "config.toml", tmp_path / "voice.toml"
    config.write_text("rate = 170\nvolume = 0.6\n")
    configured = read_settings(config, voice).configured
    save_voice(Settings(rate=145, volume=0.6), voice, configured)  # someone said "slower"
    assert tomllib.loads(voice.read_text(encoding="utf-8")) == {"rate": 145}
    config.write_text("rate = 170\nvolume = 0.8\n")  # the caregiver's later change of volume applies
    assert (load_settings(config, voice).rate, load_settings(config, voice).volume) == (145, 0.8)
    save_voice(Settings(rate=170, volume=0.8), voice, read_settings(config, voice).configured)  # "normal voice"
    assert not voice.exists()
    assert read_settings(config, voice).overrides == ()


def test_a_table_is_pointed_at_by_its_header_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('rate = 120\n\n[voice]\nname = "en-us"\n')
    read = read_settings(config, tmp_path / "voice.toml")
    settings, problems = read.settings, read.problems
    assert [str(problem).split(": ")[0] for problem in problems] == [f"{config}:3"]
    assert (settings.rate, settings.voice) == (120, "")


def test_problems_are_logged_with_file_and_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "config.toml"
    config.write_text('rate = 140\nvolume = "loud"\n')
    with caplog.at_level(logging.WARNING):
        settings = load_settings(config, tmp_path / "voice.toml")
    assert (settings.rate, settings.volume) == (140, DEFAULTS.volume)
    assert f"{config}:2" in caplog.text and "volume" in caplog.text and "0.9" in caplog.text


@pytest.mark.parametrize("content", [b'rate = "unclosed\n', b"rate = 1\nrate = 2\n", b"\xff\xfe r a t e",
                                     b"= 5\n", b"[voice\n"])
def test_an_unreadable_file_is_reported_and_the_other_still_applies(tmp_path: Path, content: bytes) -> None:
    config, voice = tmp_path / "config.toml", tmp_path / "voice.toml"
    config.write_bytes(content)
    voice.write_text("rate = 120\n")
    read = read_settings(config, voice)
    settings, problems = read.settings, read.problems
    assert [problem.path for problem in problems] == [config]
    assert "cannot be read" in str(problems[0])
    assert settings.rate == 120


def test_missing_files_mean_defaults_without_complaint(tmp_path: Path) -> None:
    read = read_settings(tmp_path / "nothing.toml", tmp_path / "none.toml")
    settings, problems = read.settings, read.problems
    assert problems == ()
    assert settings.rate == DEFAULTS.rate and settings.record_audio is False


def test_the_voice_file_wins_and_everything_else_the_caregiver_set_is_kept(tmp_path: Path) -> None:
    config, voice = tmp_path / "config.toml", tmp_path / "voice.toml"
    config.write_text('rate = 120\nvolume = 0.5\nengine = "pocketsphinx"\nend_silence = 3.0\n'
                      'content_dirs = ["~/factsheets"]\n')
    save_voice(Settings(rate=95, volume=0.5), voice)
    settings = load_settings(config, voice)
    assert (settings.rate, settings.volume) == (95, 0.5)
    assert (settings.engine, settings.end_silence) == ("pocketsphinx", 3.0)
    assert Path("~/factsheets").expanduser() in settings.content_dirs


@pytest.mark.parametrize(("rate", "volume"), [(175, 0.4), (80, 0.1), (450, 1.0), (150, 0.1 + 0.2)])
def test_the_voice_file_always_reads_back_as_written(tmp_path: Path, rate: int, volume: float) -> None:
    voice = tmp_path / "state" / "voice.toml"
    save_voice(Settings(rate=rate, volume=volume, scan_seconds=volume * 10), voice)
    assert tomllib.loads(voice.read_text(encoding="utf-8")) == {"rate": rate, "volume": volume,
                                                                "scan_seconds": volume * 10, "sound_level": 20.0}
    read = read_settings(tmp_path / "config.toml", voice)
    settings, problems = read.settings, read.problems
    assert problems == () and (settings.rate, settings.volume, settings.scan_seconds) == (rate, volume, volume * 10)
    assert sorted(path.name for path in voice.parent.iterdir()) == ["voice.toml"]  # no temporary file left


def test_the_caregivers_voice_choice_is_never_overridden(tmp_path: Path) -> None:
    config, voice = tmp_path / "config.toml", tmp_path / "voice.toml"
    config.write_text('voice = "en-us+f3"\n', encoding="utf-8")
    save_voice(load_settings(config, voice), voice)  # someone said "slower"
    config.write_text('voice = "en-gb"\n', encoding="utf-8")  # later the caregiver picks another voice
    assert load_settings(config, voice).voice == "en-gb"

    voice.write_text('rate = 120\nvolume = 0.5\nvoice = "en-us"\n', encoding="utf-8")  # as older versions wrote
    assert (load_settings(config, voice).voice, load_settings(config, voice).rate) == ("en-gb", 120)


def test_a_failed_write_keeps_the_old_voice_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    voice = tmp_path / "voice.toml"
    save_voice(Settings(rate=120), voice)
    before = voice.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")  # a full disk cannot be made for real in a test

    monkeypatch.setattr(os, "fsync", crash)
    save_voice(Settings(rate=95), voice)
    assert voice.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["voice.toml"]


def test_an_unwritable_state_folder_does_not_stop_the_conversation(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        save_voice(Settings(rate=95), blocker / "voice-assist" / "voice.toml")  # must not raise
    assert "Could not keep the voice settings" in caplog.text
    assert blocker.read_text() == "a file where the folder should be"


@pytest.mark.audio
@pytest.mark.slow
def test_voice_commands_never_touch_the_caregivers_config(tmp_path: Path, pulse: VirtualAudio) -> None:
    """The real program, typed commands, real speech output: only voice.toml changes."""
    homes = {name: tmp_path / name for name in ("config", "data", "state", "cache")}
    config = homes["config"] / "voice-assist" / "config.toml"
    config.parent.mkdir(parents=True)
    original = '# Set up by the caregiver.\nrate = 130\nvolume = 0.6\nengine = "pocketsphinx"\n'
    config.write_text(original)
    os.utime(config, (1_000_000_000, 1_000_000_000))
    env = {**pulse.env, "XDG_CONFIG_HOME": str(homes["config"]), "XDG_DATA_HOME": str(homes["data"]),
           "XDG_STATE_HOME": str(homes["state"]), "XDG_CACHE_HOME": str(homes["cache"])}
    result = subprocess.run([sys.executable, "-m", "voice_assist", "--keyboard"], input="slower\nlouder\nstop\n",
                            capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert config.read_text() == original and config.stat().st_mtime == 1_000_000_000
    assert sorted(path.name for path in config.parent.iterdir()) == ["config.toml"]
    voice = homes["state"] / "voice-assist" / "voice.toml"
    assert tomllib.loads(voice.read_text()) == {"rate": 105, "volume": 0.75}
    settings = load_settings(config, voice)
    assert (settings.rate, settings.volume, settings.engine) == (105, 0.75, "pocketsphinx")
