"""voice-assist doctor: real microphone and speaker through the private PulseAudio server, real factsheet and
settings files, real engines; and a run with no sound server at all, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.spoken import write_wav
from tests.tiny_vosk import write_tiny_model
from tests.virtual_audio import VirtualAudio
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.config import BUNDLED_CONTENT, Settings
from voice_assist.ops.doctor import (
    Finding,
    Levels,
    Status,
    _guarded,
    check_content,
    check_engines,
    check_history,
    check_microphone,
    check_settings,
    judge_levels,
    measure,
    run_doctor,
    spoken_summary,
)

VOICE_ASSIST = Path(sys.prefix) / "bin" / "voice-assist"
BROKEN_FACTSHEET = """\
# Broken factsheet
## Feeding {#Feeding Tips}
Text.
"""


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty user folders: no settings file, no installed model, no user content."""
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    monkeypatch.delenv("VOICE_ASSIST_MODEL", raising=False)
    return tmp_path


def write_tone(path: Path, seconds: float, amplitude: float, frequency: float = 440.0) -> Path:
    times = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    samples = np.rint(amplitude * 32767 * np.sin(2 * np.pi * frequency * times)).astype("<i2")
    write_wav(samples.tobytes(), path)
    return path


@contextmanager
def sound_into_microphone(pulse: VirtualAudio, wav: Path) -> Iterator[None]:
    """Keep playing ``wav`` into the virtual microphone for as long as the block runs."""
    player = subprocess.Popen(["paplay", "--device=cable", str(wav)], env=pulse.env)
    try:
        yield
    finally:
        player.terminate()
        player.wait(timeout=10)


def loud_seconds(raw: Path) -> float:
    """Seconds of 16 kHz s16le audio in 30 ms frames clearly above silence."""
    samples = np.frombuffer(raw.read_bytes(), dtype="<i2").astype(np.float64)
    frames = samples[:len(samples) // 480 * 480].reshape(-1, 480)
    rms = np.sqrt(np.mean(frames * frames, axis=1)) / 32768.0
    return float(np.sum(rms > 0.01)) * 0.03


# --- Pure parts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("levels", "status", "says"), [
    (Levels(loudest=-100.0, background=-100.0, clipped=0.0), Status.PROBLEM, "only silence"),
    (Levels(loudest=-62.0, background=-70.0, clipped=0.0), Status.WARNING, "very quiet"),
    (Levels(loudest=-1.0, background=-30.0, clipped=0.05), Status.WARNING, "too loud"),
    (Levels(loudest=-20.0, background=-60.0, clipped=0.0), Status.OK, "hears sound"),
])
def test_judge_levels(levels: Levels, status: Status, says: str) -> None:
    finding = judge_levels(levels, "mic")
    assert finding.status is status
    assert says in finding.detail
    assert (finding.fix == "") == (status is Status.OK)


def test_measure_a_tone_and_silence() -> None:
    times = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = np.rint(0.5 * 32767 * np.sin(2 * np.pi * 440 * times)).astype("<i2").tobytes()
    silence = bytes(len(tone))
    levels = measure([silence[i:i + 960] for i in range(0, len(silence), 960)]
                     + [tone[i:i + 960] for i in range(0, len(tone), 960)])
    assert levels.loudest == pytest.approx(-9.0, abs=0.5)  # a sine's RMS is 3 dB below its peak
    assert levels.background == -100.0
    assert levels.clipped == 0.0
    assert measure([]).loudest == -100.0


def test_spoken_summary() -> None:
    ok = Finding("speaker", Status.OK, "fine")
    hint = Finding("vosk model", Status.WARNING, "none", "install one")
    broken = Finding("microphone", Status.PROBLEM, "silent", "unmute it", "The microphone sends no sound.")
    assert spoken_summary([ok]) == "Everything needed is working."
    assert spoken_summary([ok, hint]) == "Everything needed is working. There is 1 suggestion on the screen."
    assert spoken_summary([ok, broken, hint]) == ("There is 1 problem to fix. The microphone sends no sound. "
                                                  "The details are on the screen.")
    assert spoken_summary([broken, broken]).startswith("There are 2 problems to fix. The microphone sends no "
                                                       "sound. The details")


def test_a_check_that_crashes_becomes_a_problem_and_the_others_still_run() -> None:
    """A fault nobody foresaw cannot be produced on purpose, so a check that divides by zero stands in."""
    [finding] = _guarded("speaker", lambda: [Finding("speaker", Status.OK, str(1 / 0))])
    assert finding.status is Status.PROBLEM
    assert "ZeroDivisionError" in finding.detail
    assert finding.fix


# --- Settings, content, engines ---------------------------------------------------------------------------

def test_bad_settings_are_reported_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# my settings\nrate = 140\nvolume = 3\n\nengine = "whisper"\n')
    findings = check_settings(config)
    assert [finding.status for finding in findings] == [Status.PROBLEM, Status.PROBLEM]
    assert findings[0].detail.startswith(f"{config}:3: volume = 3 must be between 0.1 and 1")
    assert findings[1].detail.startswith(f"{config}:5: engine = 'whisper' is not one of")
    assert findings[0].fix.startswith(f"Edit {config} line 3")
    assert findings[0].spoken == "The settings file config.toml has a bad value on line 3."


def test_a_voice_set_by_voice_that_hides_the_settings_is_a_warning_saying_how_to_reset_it(
        tmp_path: Path, private_folders: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("rate = 170\n")
    voice = private_folders / "xdg_state_home" / "voice-assist" / "voice.toml"
    voice.parent.mkdir(parents=True)
    voice.write_text("rate = 125\n")  # someone said "slower" before the caregiver set 170
    [finding] = check_settings(config)
    assert (finding.item, finding.status) == ("voice", Status.WARNING)
    assert finding.detail.startswith(f"{config}:1: rate = 170 is not used: rate is 125, set by voice")
    assert finding.fix == f"Say 'normal voice' to go back to 170, or delete {voice}."


def test_unreadable_settings_file_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("rate = \n")
    [finding] = check_settings(config)
    assert finding.status is Status.PROBLEM
    assert finding.detail.startswith(f"{config}: cannot be read")
    assert "line 1" in finding.detail


def test_good_or_missing_settings_are_ok(tmp_path: Path, private_folders: Path) -> None:
    [default_place] = check_settings(None)
    assert default_place.status is Status.OK
    assert default_place.detail == (f"no {private_folders / 'xdg_config_home/voice-assist/config.toml'}, "
                                    "so the defaults are used")
    [given] = check_settings(tmp_path / "none.toml")
    assert given.status is Status.PROBLEM
    assert given.detail == f"the settings file {tmp_path / 'none.toml'} does not exist"
    (tmp_path / "config.toml").write_text("rate = 140\n")
    assert check_settings(tmp_path / "config.toml") == [
        Finding("settings", Status.OK, f"{tmp_path / 'config.toml'} is fine")]


def test_broken_factsheet_is_reported_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "broken.md").write_text(BROKEN_FACTSHEET)
    findings = check_content(Settings(content_dirs=(BUNDLED_CONTENT, tmp_path / "user", folder)))
    problems = [finding for finding in findings if finding.status is Status.PROBLEM]
    assert len(problems) == 1
    assert problems[0].detail.startswith(f"{folder / 'broken.md'}:2: ")
    assert problems[0].fix
    assert problems[0].spoken == "The factsheet broken.md has a problem on line 2."


def test_no_factsheet_at_all_is_a_problem(tmp_path: Path) -> None:
    findings = check_content(Settings(content_dirs=(tmp_path, tmp_path / "user", tmp_path / "missing")))
    assert [finding.status for finding in findings] == [Status.WARNING, Status.PROBLEM]
    assert "missing does not exist" in findings[0].detail
    assert "no factsheet could be loaded" in findings[1].detail


def test_bundled_factsheet_is_ok() -> None:
    [finding] = check_content(Settings())
    assert finding.status is Status.OK
    assert "als.md" in finding.detail


def test_the_history_is_reported_kept_off_or_turned_off_by_voice(private_folders: Path) -> None:
    from voice_assist.history import History, Outcome, Turn, history_for

    history = history_for(Settings())
    history.write(Turn(history.now(), "what causes als", Outcome.ANSWER, "causes", "Causes"))
    kept = check_history(Settings())
    assert (kept.status, kept.item) == (Status.OK, "history") and "1 question or command from" in kept.detail
    assert "not kept" in check_history(Settings(history=False)).detail
    History(private_folders / "xdg_data_home" / "voice-assist", keep_days=30).forget()
    forgotten = check_history(Settings())
    assert forgotten.status is Status.WARNING and "history.off" in forgotten.fix


def test_engines_without_a_vosk_model_fall_back_to_pocketsphinx() -> None:
    findings = {finding.item: finding for finding in check_engines(Settings())}
    assert findings["pocketsphinx"].status is Status.OK
    assert findings["vosk"].status is Status.OK
    assert findings["vosk model"].status is Status.WARNING
    assert "voice-assist model install" in findings["vosk model"].fix
    assert findings["speech recognition"].detail == "pocketsphinx will be used"


def test_an_incomplete_vosk_model_is_a_problem(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "am").mkdir(parents=True)
    findings = {finding.item: finding for finding in check_engines(Settings(model=model))}
    assert findings["vosk model"].status is Status.PROBLEM
    assert "incomplete" in findings["vosk model"].detail
    assert findings["speech recognition"] == Finding("speech recognition", Status.OK, "pocketsphinx will be used")


def test_a_working_vosk_model_is_loaded_and_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = write_tiny_model(tmp_path / "tiny-model")
    monkeypatch.setenv("VOICE_ASSIST_MODEL", str(model))
    findings = {finding.item: finding for finding in check_engines(Settings())}
    assert findings["vosk model"] == Finding("vosk model", Status.OK, f"{model} loads")
    assert findings["speech recognition"].detail == f"vosk with {model} will be used"


# --- Real audio -----------------------------------------------------------------------------------------

@pytest.mark.audio
def test_a_silent_microphone_is_a_problem(pulse: VirtualAudio) -> None:
    """Nothing is played into the virtual microphone: it delivers exact zeros, like a muted one."""
    finding = check_microphone(Settings(), seconds=1.0)
    assert finding.status is Status.PROBLEM
    assert "only silence" in finding.detail
    assert "muted" in finding.fix


@pytest.mark.audio
def test_a_microphone_setting_that_matches_no_device_is_a_problem(pulse: VirtualAudio) -> None:
    finding = check_microphone(Settings(input_device="no such microphone"), seconds=0.5)
    assert finding.status is Status.PROBLEM
    assert "no microphone matches 'no such microphone'" in finding.detail
    assert "set input_device in the settings to one of:" in finding.fix
    assert "pulse" in finding.fix


@pytest.mark.audio
def test_a_clipping_microphone_is_reported(pulse: VirtualAudio, tmp_path: Path) -> None:
    with sound_into_microphone(pulse, write_tone(tmp_path / "loud.wav", 10, amplitude=1.0)):
        finding = check_microphone(Settings(), seconds=1.0)
    assert finding.status is Status.WARNING
    assert "too loud" in finding.detail


@pytest.mark.audio
@pytest.mark.slow
def test_doctor_with_working_microphone_and_speaker(pulse: VirtualAudio, tmp_path: Path) -> None:
    """A tone is played into the microphone throughout; the spoken prompt and summary reach the speaker."""
    lines: list[str] = []
    recording = tmp_path / "speaker.raw"
    with (sound_into_microphone(pulse, write_tone(tmp_path / "voice.wav", 60, amplitude=0.3)),
          pulse.record_speaker(recording)):
        code = run_doctor(Settings(), show=lines.append)
    report = "\n".join(lines)
    assert code == 0, report
    assert "PROBLEM" not in report
    microphone = next(line for line in lines if " microphone: " in line)
    assert microphone.startswith("OK ") and "hears sound" in microphone
    assert next(line for line in lines if " speaker: " in line).startswith("OK ")
    assert lines[-1].startswith("Everything needed is working.")
    # The tone (0.3 s) and the prompt (3.4 s) alone are under 4 s; the summary adds 1.7 s or more.
    assert loud_seconds(recording) > 4.5


@pytest.mark.audio
def test_cli_doctor_reports_broken_content_and_bad_setting(pulse: VirtualAudio, tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "broken.md").write_text(BROKEN_FACTSHEET)
    config = tmp_path / "config.toml"
    config.write_text("rate = 140\nquick_end_silence = -1\n")
    env = {**pulse.env, **{key: os.environ[key] for key in os.environ if key.startswith("XDG_") and
                           key != "XDG_RUNTIME_DIR"}}
    with sound_into_microphone(pulse, write_tone(tmp_path / "voice.wav", 30, amplitude=0.3)):
        result = subprocess.run([str(VOICE_ASSIST), "--config", str(config), "--content", str(folder), "doctor",
                                 "--quiet"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"PROBLEM  settings: {config}:2: quick_end_silence = -1 must be between 0.1 and 5 seconds" in result.stdout
    assert f"PROBLEM  content: {folder / 'broken.md'}:2: " in result.stdout
    assert "OK       content: 19 sections" not in result.stdout  # the broken file is not reported as fine
    assert "OK       microphone" in result.stdout
    assert "There are 2 problems to fix." in result.stdout
    assert "Traceback" not in result.stderr


def test_cli_doctor_without_a_sound_server(tmp_path: Path) -> None:
    """No audio server at all: the microphone problem is reported with what to do, and it exits cleanly."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULSE_")}
    env.update(XDG_RUNTIME_DIR=str(runtime), PULSE_SERVER=f"unix:{runtime}/no-such-socket")
    result = subprocess.run([str(VOICE_ASSIST), "doctor"], capture_output=True, text=True, env=env, timeout=120,
                            check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    microphone = lines.index(next(line for line in lines if line.startswith("PROBLEM  microphone: ")))
    assert "start the sound server ('pactl info' should answer" in lines[microphone + 1]
    assert any(line.startswith("PROBLEM  speaker: ") for line in lines)
    assert lines[-1].startswith("There are 2 problems to fix.")
    assert "Traceback" not in result.stderr
