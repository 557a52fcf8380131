"""``voice-assist doctor``: check everything the assistant needs, print what to fix, and say it aloud.

Each check returns Findings; none raises for a problem it was asked to look for, so one broken part never
hides the others. The report goes to stdout line by line as checks finish (the microphone check takes a
couple of seconds); a short summary is then spoken, since the person using the assistant may not be able
to read a screen.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voice_assist.audio_format import BYTES_PER_SECOND, SAMPLE_RATE
from voice_assist.config import Settings, VoiceOverride, config_dir, key_name, read_settings
from voice_assist.errors import ConfigError, ContentError, VoiceAssistError
from voice_assist.key_codes import KEY_CODES
from voice_assist.vad import VadTuning, frame_level

if TYPE_CHECKING:
    from voice_assist.speak.speaker import Speaker
    from voice_assist.switch import InputRoots

log = logging.getLogger(__name__)

LISTEN_SECONDS = 2.0
"""How long the microphone is measured: long enough for a word or two, short enough not to bore anyone."""
SILENT_DBFS = -80.0
"""Loudest 30 ms below this: no sound at all reaches the program (a muted or switched-off microphone sends
exact zeros; even a quiet room through a working one measures around -70 to -50 dBFS)."""
QUIET_DBFS = VadTuning().min_level + 10.0
"""Loudest 30 ms below this: speech would barely clear the level below which nothing counts as speech."""
CLIP_SAMPLE = 32_000
"""A sample this close to full scale (32,767) is taken as clipped."""
CLIP_FRACTION = 0.001
"""More clipped samples than this share means the input is too loud and distorted."""
MODEL_LOAD_TIMEOUT = 120.0
"""Seconds allowed for the vosk model's test load (the small models take a few seconds on 2 cores)."""
TONE_SECONDS = 0.3
SPEECH_TIMEOUT = 90.0
"""Seconds to wait for the spoken prompt or summary before giving up on it."""

Show = Callable[[str], None]


class Status(enum.Enum):
    OK = "OK"
    WARNING = "WARNING"
    """Works, but could work better; not a reason for a non-zero exit code."""
    PROBLEM = "PROBLEM"
    """Must be fixed."""


@dataclass(frozen=True)
class Finding:
    """One checked item."""

    item: str
    """What was checked, e.g. "microphone"."""
    status: Status
    detail: str
    """What was found; names the file and line when there is one."""
    fix: str = ""
    """What to do about it (empty when OK)."""
    spoken: str = ""
    """A short sentence for the spoken summary (empty: not mentioned aloud)."""

    def lines(self) -> list[str]:
        head = f"{self.status.value:<8} {self.item}: {self.detail}"
        return [head, f"         -> {self.fix}"] if self.fix else [head]


# --- Settings and content --------------------------------------------------------------------------------

def check_settings(config_file: Path | None) -> list[Finding]:
    """Values in config.toml (and the voice settings file) that cannot be used, with file:line; and voice
    settings changed by voice that are used instead of config.toml's.

    ``config_file`` is the one given with --config (None: the default place, where it is optional)."""
    if config_file is not None and not config_file.is_file():
        return [Finding("settings", Status.PROBLEM, f"the settings file {config_file} does not exist",
                        "Check the path given with --config.", "The settings file given does not exist.")]
    config_file = config_file or config_dir() / "config.toml"
    read = read_settings(config_file)
    findings = [Finding("settings", Status.PROBLEM, str(problem),
                        f"Edit {problem.path}" + (f" line {problem.line}" if problem.line else "")
                        + " (the default is used until then).",
                        f"The settings file {problem.path.name} has a bad value"
                        + (f" on line {problem.line}." if problem.line else "."))
                for problem in read.problems]
    findings += [_voice_override(override) for override in read.overrides]
    if findings:
        return findings
    where = f"{config_file} is fine" if config_file.is_file() else f"no {config_file}, so the defaults are used"
    return [Finding("settings", Status.OK, where)]


def _voice_override(override: VoiceOverride) -> Finding:
    """Not a fault, but a setting that does nothing until the voice set by voice is reset: a warning."""
    detail, fix = str(override).split(". Say ", 1)
    return Finding("voice", Status.WARNING, detail, f"Say {fix}")


def check_content(settings: Settings) -> list[Finding]:
    """Factsheets that cannot be loaded (file:line), and whether any section loaded at all."""
    from voice_assist.content import load_library

    library = load_library(settings.content_dirs)
    findings = [_content_problem(problem) for problem in library.problems]
    findings += [Finding("content", Status.WARNING, f"the content folder {folder} does not exist",
                         "Create it, or remove it from content_dirs in the settings.")
                 for folder in settings.content_dirs[2:] if not folder.is_dir()]  # after bundled and user's
    if not library.sections:
        folders = ", ".join(str(folder) for folder in settings.content_dirs)
        findings.append(Finding("content", Status.PROBLEM, f"no factsheet could be loaded from {folders}",
                                "Put a factsheet .md file there (see content/als.md).", "No factsheet could be "
                                "loaded, so I cannot answer questions."))
    elif not any(finding.status is Status.PROBLEM for finding in findings):
        files = sorted({section.source.name for section in library.sections})
        findings.append(Finding("content", Status.OK, f"{len(library.sections)} sections from {', '.join(files)}"))
    return findings


def check_history(settings: Settings) -> Finding:
    """Whether the caregiver's record is kept, where, and how much it holds."""
    from voice_assist.history import history_for, read_turns

    history = history_for(settings)
    if not settings.history:
        return Finding("history", Status.OK, "not kept (history = false in the settings)")
    if not history.keeping:
        return Finding("history", Status.WARNING, f"not kept: someone said 'forget history' ({history.off_file} "
                       "exists), so history = true does nothing", f"To keep one again, delete {history.off_file}.")
    turns = len(read_turns(history.file))
    held = f"{turns} {'question or command' if turns == 1 else 'questions and commands'}"
    return Finding("history", Status.OK, f"kept in {history.file}: {held} from the last {settings.history_days} "
                   "days ('voice-assist history' sums them up)")


def check_voice() -> Finding:
    """How many phrases of the user's own voice are learned, and where the recordings are kept."""
    from voice_assist.example_store import ExampleStore, voice_folder

    stored = ExampleStore(voice_folder()).load()
    takes = sum(len(found) for found in stored.takes.values())
    if stored.problems:
        return Finding("your voice", Status.WARNING, f"{len(stored.problems)} recordings in {voice_folder()} cannot "
                       f"be used: {stored.problems[0]}", "Say 'learn <phrase> again' for each phrase named, or "
                       "delete its folder.")
    if not stored.takes:
        return Finding("your voice", Status.OK, f"not learned: no recordings in {voice_folder()} (say 'learn my "
                       "voice' to teach the assistant how the user says the commands and topics)")
    learned = f"{len(stored.takes)} phrase" + ("" if len(stored.takes) == 1 else "s")
    return Finding("your voice", Status.OK, f"{learned} learned from {takes} recordings in "
                   f"{voice_folder()} ('forget my voice' deletes them)")


def check_switch(settings: Settings, roots: InputRoots | None = None) -> Finding:
    """Whether the switch device is there, can be read and can send the switch key; not set is no fault."""
    from voice_assist.switch import InputRoots, SwitchError, find_device, listed_device, open_device

    roots = roots or InputRoots()
    try:
        key = key_name(settings.switch_key)
    except ConfigError as error:
        return Finding("switch", Status.PROBLEM, str(error), "Correct switch_key in the settings.",
                       "The switch key in the settings is not a key.")
    if not settings.switch_device:
        return Finding("switch", Status.OK, f"no switch_device set: the switch key ({key}) is read from the "
                       "terminal, when there is one")
    try:
        path, name = find_device(settings.switch_device, key, roots)
        os.close(open_device(path, name, grab=False))  # the running assistant may hold it: not taken here
    except SwitchError as error:
        return Finding("switch", Status.PROBLEM, error.what, f"{error.fix}.", error.spoken)
    listed = listed_device(path, roots)
    if listed is not None and KEY_CODES[key] not in listed.keys:
        return Finding("switch", Status.PROBLEM, f"{name} ({path}) has no key {key} (switch_key in the settings)",
                       "Set switch_key to the key the switch types (space, enter and f13 are usual; its manual "
                       "or 'evtest' tells).", "The switch cannot send the key in the settings.")
    return Finding("switch", Status.OK, f"{name} ({path}) can be read" + (f" and can send {key}" if listed else ""))


def _content_problem(error: ContentError) -> Finding:
    where = f"{error.path}:{error.line}: {error.problem}"
    fix = str(error)[len(where):].lstrip(". ") or "Fix the file."
    return Finding("content", Status.PROBLEM, f"{where} (this file is skipped)", fix,
                   f"The factsheet {error.path.name} has a problem on line {error.line}.")


# --- Speech recognition ------------------------------------------------------------------------------------

def check_engines(settings: Settings) -> list[Finding]:
    """pocketsphinx and its model, vosk and the vosk model, and which engine will be used."""
    from voice_assist.recognize.choose import choose_engine, vosk_importable
    from voice_assist.recognize.vosk_model import locate_model

    findings = [_check_pocketsphinx()]
    has_vosk = vosk_importable()
    findings.append(_check_vosk(settings.engine, has_vosk))
    lookup = locate_model(settings.model)
    model_problem = lookup.problem
    if has_vosk:
        model = _check_model(settings.engine, lookup.path, lookup.problem)
        findings.append(model)
        if model.status is Status.PROBLEM:
            model_problem = model.detail  # a model that does not load is not used either
    choice = choose_engine(settings.engine, has_vosk, lookup.path, model_problem)
    usable = choice.engine != "pocketsphinx" or findings[0].status is Status.OK
    engine = f"vosk with {choice.model}" if choice.model else choice.engine
    findings.append(Finding("speech recognition", Status.OK if usable else Status.PROBLEM,
                            f"{engine} will be used",
                            "" if usable else "Install a vosk model ('voice-assist model install') or "
                            "reinstall pocketsphinx.", "" if usable else "Speech recognition cannot start."))
    return findings


def _check_pocketsphinx() -> Finding:
    try:
        import pocketsphinx  # noqa: F401  (the import itself is what can fail)

        from voice_assist.recognize.sphinx_files import acoustic_model_path

        model = acoustic_model_path()
    except ImportError as error:
        return Finding("pocketsphinx", Status.PROBLEM, f"cannot be loaded ({error})",
                       "Reinstall it: run ./run.sh, or 'pip install pocketsphinx' in the program's environment.")
    except VoiceAssistError as error:
        return Finding("pocketsphinx", Status.PROBLEM, str(error), "Reinstall pocketsphinx (./run.sh does it).")
    return Finding("pocketsphinx", Status.OK, f"{_version('pocketsphinx')} with its English model in {model}")


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def _check_vosk(requested: str, importable: bool) -> Finding:
    if importable:
        return Finding("vosk", Status.OK, "the library loads")
    status = Status.PROBLEM if requested == "vosk" else Status.WARNING
    return Finding("vosk", status, "the library is not installed or cannot be loaded, so pocketsphinx is used",
                   "Reinstall it: run ./run.sh, or 'pip install vosk' in the program's environment.")


def _check_model(requested: str, path: Path | None, problem: str | None) -> Finding:
    from voice_assist.ops.model_install import check_loads

    if path is None:
        status = Status.PROBLEM if requested == "vosk" else Status.WARNING
        return Finding("vosk model", status, problem or "none installed",
                       "For better recognition run 'voice-assist model install' (or install one from a USB "
                       "stick: 'voice-assist model install /media/.../model.zip').",
                       "No vosk speech model is installed." if status is Status.PROBLEM else "")
    if problem is None:
        try:
            check_loads(path, timeout=MODEL_LOAD_TIMEOUT)
        except VoiceAssistError as error:
            problem = str(error)
    if problem is not None:
        return Finding("vosk model", Status.PROBLEM, problem,
                       "Install it again with 'voice-assist model install', or remove the folder.",
                       "The vosk speech model is damaged.")
    return Finding("vosk model", Status.OK, f"{path} loads")


# --- Speech output and the speaker -------------------------------------------------------------------------

def check_voices() -> Finding:
    """espeak-ng, which makes the speech, and its English voices."""
    from voice_assist.speak import voices

    try:
        english = voices("en")
    except VoiceAssistError as error:
        return Finding("speech synthesis", Status.PROBLEM, str(error),
                       "Install espeak-ng (./run.sh does it: apt-get install espeak-ng).",
                       "")  # unspeakable without it
    if not english:
        return Finding("speech synthesis", Status.PROBLEM, "espeak-ng has no English voice",
                       "Reinstall espeak-ng-data (apt-get install --reinstall espeak-ng-data).")
    return Finding("speech synthesis", Status.OK, f"espeak-ng with {len(english)} English voices")


def check_speaker(settings: Settings, audible: bool = True) -> Finding:
    """Open the speaker and play a short tone through it (silence when not ``audible``)."""
    import sounddevice as sd

    from voice_assist.speak.playback import Player
    from voice_assist.speak.synth import Audio

    name = f"speaker {settings.output_device!r}" if settings.output_device else "the default speaker"
    player = Player(settings.output_device)
    try:
        player.play(Audio(_tone(audible), SAMPLE_RATE))
        player.finish()
        played = player.wait_finished(TONE_SECONDS + 5.0)
    except (VoiceAssistError, sd.PortAudioError) as error:
        return Finding("speaker", Status.PROBLEM, f"{name} cannot be used: {error}",
                       _audio_fix("speaker", "output_device"), "The speaker cannot be opened.")
    finally:
        player.close()
    if not played:
        return Finding("speaker", Status.PROBLEM, f"{name} opened but did not play the test sound",
                       _audio_fix("speaker", "output_device"))
    return Finding("speaker", Status.OK, f"{name} played a short tone" if audible else f"{name} works")


def check_alarm_output(settings: Settings) -> Finding:
    """The speaker the call for help sounds on is found (it is not sounded: that would alarm the house)."""
    from voice_assist.alarm import find_alarm_output

    if not settings.alarm_output:
        return Finding("alarm speaker", Status.OK, "alarm_output is not set: the call for help sounds on the "
                       "speaker the answers come from")
    try:
        target = find_alarm_output(settings.alarm_output)
    except VoiceAssistError as error:
        return Finding("alarm speaker", Status.PROBLEM, str(error),
                       "Switch that speaker on, or correct alarm_output in the settings; then run 'voice-assist "
                       "doctor' again.", "The speaker for calling help was not found.")
    assert target is not None
    return Finding("alarm speaker", Status.OK, f"alarm_output = {settings.alarm_output!r} is {target.name}: the call "
                   "for help sounds there, and more softly on the main speaker")


def _tone(audible: bool) -> np.ndarray:
    """A soft 660 Hz beep with short fades (no clicks), or silence of the same length."""
    count = round(TONE_SECONDS * SAMPLE_RATE)
    if not audible:
        return np.zeros(count, dtype=np.int16)
    times = np.arange(count) / SAMPLE_RATE
    fade = np.minimum(1.0, np.minimum(times, times[::-1]) / 0.02)
    return (0.2 * 32767 * fade * np.sin(2 * np.pi * 660 * times)).astype(np.int16)


def _audio_fix(kind: str, setting: str) -> str:
    if not _device_names(kind):
        return ("No sound devices are visible at all: start the sound server ('pactl info' should answer; on a "
                "desktop it starts at login) and check that libasound2-plugins is installed; then plug in the "
                f"{kind} and run 'voice-assist doctor' again.")
    return (f"Check that the {kind} is plugged in and switched on. To use another one, set {setting} in the "
            f"settings to one of: {', '.join(_device_names(kind))} (see 'voice-assist devices').")


def _device_names(kind: str) -> list[str]:
    from voice_assist.devices import list_devices

    try:
        devices = list_devices()
    except VoiceAssistError:
        return []
    if kind == "microphone":
        return [device.name for device in devices if device.input_channels > 0]
    return [device.name for device in devices if device.output_channels > 0]


# --- Microphone ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Levels:
    """What the microphone heard."""

    loudest: float
    """dBFS of the loudest 30 ms frame."""
    background: float
    """dBFS of the 10th-percentile frame: the room's noise."""
    clipped: float
    """Share of samples at (nearly) full scale, 0.0 to 1.0."""


def measure(frames: Sequence[bytes]) -> Levels:
    """Levels of 16 kHz mono s16le frames."""
    levels = [frame_level(frame) for frame in frames] or [-100.0]
    samples = np.frombuffer(b"".join(frames), dtype="<i2")
    clipped = float(np.mean(np.abs(samples.astype(np.int32)) >= CLIP_SAMPLE)) if samples.size else 0.0
    return Levels(max(levels), float(np.percentile(levels, 10)), clipped)


def judge_levels(levels: Levels, name: str) -> Finding:
    """Pure: whether the measured levels show a working microphone."""
    heard = f"loudest {levels.loudest:.0f} dBFS, background {levels.background:.0f} dBFS"
    if levels.loudest < SILENT_DBFS:
        return Finding("microphone", Status.PROBLEM, f"{name} sends only silence ({heard})",
                       "It may be muted or switched off, or another input is the default: unmute it (pavucontrol "
                       "or alsamixer), or choose one with input_device in the settings (see 'voice-assist devices').",
                       "The microphone sends no sound. It may be muted.")
    if levels.clipped > CLIP_FRACTION:
        return Finding("microphone", Status.WARNING, f"{name} is too loud: {levels.clipped:.1%} of the sound is "
                       f"clipped ({heard})", "Lower the microphone volume or move it further from the mouth.",
                       "The microphone is too loud, so speech is distorted.")
    if levels.loudest < QUIET_DBFS:
        return Finding("microphone", Status.WARNING, f"{name} is very quiet ({heard})",
                       "If you spoke, raise the microphone volume (pavucontrol or alsamixer) or move it closer.",
                       "The microphone is very quiet.")
    return Finding("microphone", Status.OK, f"{name} hears sound ({heard})")


def check_microphone(settings: Settings, seconds: float = LISTEN_SECONDS) -> Finding:
    """Open the microphone and measure its level for ``seconds``."""
    from voice_assist.audio_in import Microphone
    from voice_assist.devices import find_input_device

    try:
        with Microphone(find_input_device(settings.input_device)) as microphone:
            frames = [microphone.read() for _ in range(round(seconds * BYTES_PER_SECOND / microphone.frame_bytes))]
            name = microphone.name
    except VoiceAssistError as error:
        return Finding("microphone", Status.PROBLEM, f"cannot be used: {error}",
                       _audio_fix("microphone", "input_device"), "I cannot open the microphone.")
    return judge_levels(measure(frames), name)


# --- The whole check-up ----------------------------------------------------------------------------------

def spoken_summary(findings: Sequence[Finding]) -> str:
    """What to say at the end: all well, or how many problems and what they are."""
    problems = [finding for finding in findings if finding.status is Status.PROBLEM]
    warnings = [finding for finding in findings if finding.status is Status.WARNING]
    if not problems:
        advice = f" There {_count(len(warnings), 'suggestion', 'is', 'are')} on the screen." if warnings else ""
        return "Everything needed is working." + advice
    said = " ".join(dict.fromkeys(finding.spoken for finding in problems if finding.spoken))
    return f"There {_count(len(problems), 'problem', 'is', 'are')} to fix. {said} The details are on the screen."


def _count(number: int, noun: str, one: str, many: str) -> str:
    return f"{one} 1 {noun}" if number == 1 else f"{many} {number} {noun}s"


def run_doctor(settings: Settings, config_file: Path | None = None, *, speak: bool = True,
               show: Show = log.info, listen_seconds: float = LISTEN_SECONDS) -> int:
    """Run every check, ``show`` each report line, speak the summary unless ``speak`` is False.

    Returns the exit code: 1 when something must be fixed, else 0."""
    findings: list[Finding] = []

    def report(item: str, check: Callable[[], Sequence[Finding]]) -> None:
        new = _guarded(item, check)
        findings.extend(new)
        for finding in new:
            for line in finding.lines():
                show(line)

    report("settings", lambda: check_settings(config_file))
    report("content", lambda: check_content(settings))
    report("history", lambda: [check_history(settings)])
    report("your voice", lambda: [check_voice()])
    report("switch", lambda: [check_switch(settings)])
    report("speech recognition", lambda: check_engines(settings))
    report("speech synthesis", lambda: [check_voices()])
    report("speaker", lambda: [check_speaker(settings, audible=speak)])
    report("alarm speaker", lambda: [check_alarm_output(settings)])
    can_speak = speak and all(f.status is Status.OK for f in findings if f.item in ("speaker", "speech synthesis"))
    speaker = _open_speaker(settings) if can_speak else None
    try:
        prompt = f"Checking the microphone for {listen_seconds:g} seconds: please say something."
        show(prompt)
        if speaker is not None:
            speaker.say(prompt)
            speaker.wait(SPEECH_TIMEOUT)  # so the microphone does not measure the prompt itself
        report("microphone", lambda: [check_microphone(settings, listen_seconds)])
        summary = spoken_summary(findings)
        show(summary)
        if speaker is not None:
            speaker.say(summary)
            speaker.wait(SPEECH_TIMEOUT)
    finally:
        if speaker is not None:
            speaker.close()
    return 1 if any(finding.status is Status.PROBLEM for finding in findings) else 0


def _guarded(item: str, check: Callable[[], Sequence[Finding]]) -> Sequence[Finding]:
    """A check that fails in a way nobody foresaw becomes a finding, so the other checks still run."""
    try:
        return check()
    except Exception as error:
        log.exception("The %s check failed", item)
        return [Finding(item, Status.PROBLEM, f"the check itself failed ({type(error).__name__}: {error})",
                        "Run 'voice-assist -v doctor' and report the messages above.")]


def _open_speaker(settings: Settings) -> Speaker | None:
    from voice_assist.speak.speaker import Speaker  # imported here: it loads the whole speech stack

    try:
        return Speaker(settings)
    except VoiceAssistError as error:
        log.warning("Cannot speak the report: %s", error)
        return None
