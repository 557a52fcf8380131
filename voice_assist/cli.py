"""Command line: parses flags, wires the stages together, reports. No pipeline logic lives here.

stdout carries only answers and JSON; everything else (logs, errors) goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.audio_in import AudioFileError, Microphone, read_wav
from voice_assist.config import ENGINES, Settings, cache_dir, load_settings, read_settings, save_voice
from voice_assist.content import Library, load_library
from voice_assist.conversation import Conversation
from voice_assist.devices import find_input_device, list_devices, refresh_devices
from voice_assist.errors import VoiceAssistError
from voice_assist.events import (
    Action,
    AlarmFailed,
    ForgetHistory,
    ForgetVoice,
    Heard,
    NoMicrophoneAtStart,
    Reply,
    Scanning,
    Started,
    Typed,
    Voice,
    VoiceForgotten,
    replies,
)
from voice_assist.example_store import ExampleStore, voice_folder
from voice_assist.explain import explain
from voice_assist.history import History, history_for
from voice_assist.history_report import parse_since, print_report
from voice_assist.loop import VoiceLoop, run_keyboard, run_voice
from voice_assist.match import Match, MatchKind, trace_record
from voice_assist.problems import BASIC_RECOGNIZER, from_factsheet, from_settings
from voice_assist.recognize import Recognizer, Transcript, domain_of
from voice_assist.recognize.choose import fell_back, open_recognizer
from voice_assist.sounds import SoundDetector
from voice_assist.speak import SpeechOutput
from voice_assist.switch import SwitchChange, SwitchStatus, describe_input_devices, open_switch
from voice_assist.view import TerminalView
from voice_assist.voice_takes import VoiceTakes
from voice_assist.voicing import speech_sound

log = logging.getLogger(__name__)

MAX_WAV_SECONDS = 60.0
"""Longest WAV taken as one spoken question (or max_utterance, if longer). A question takes seconds, while
minutes of audio keep the recognizer busy for minutes: 10 minutes of noise took pocketsphinx ~4 minutes
and 400 MB here, which looks like a hang on a small machine."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-assist",
        description="Offline voice assistant that answers questions from a trusted factsheet. "
        "With no command it listens and answers aloud.")
    parser.add_argument("--config", type=Path, help="settings file (default: ~/.config/voice-assist/config.toml)")
    parser.add_argument("--content", type=Path, action="append", dest="content_dirs_extra",
                        help="an extra folder of factsheet *.md files (may be repeated)")
    parser.add_argument("--engine", choices=ENGINES, help="speech recognition engine (default: auto)")
    parser.add_argument("--model", type=Path, help="a vosk model folder")
    parser.add_argument("--input-device", help="microphone: device index or part of its name")
    parser.add_argument("--output-device", help="speaker: device index or part of its name")
    parser.add_argument("--keyboard", action="store_true", help="type questions instead of speaking them")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debugging messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer typed questions (or WAV files) without audio output")
    ask.add_argument("questions", nargs="*", metavar="QUESTION",
                     help="questions; with none, one question per line is read from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--wav", type=Path, nargs="+", metavar="FILE", help="spoken questions, one WAV file each")
    ask.add_argument("--explain", action="store_true",
                     help="after each answer, say why it was chosen (with --json: the evidence in 'trace')")
    ask.set_defaults(handler=_ask)

    transcribe = commands.add_parser("transcribe", help="print what the recognizer hears in WAV files")
    transcribe.add_argument("wav", type=Path, nargs="+", metavar="FILE")
    transcribe.add_argument("--alternatives", action="store_true", help="print every guess, best first")
    transcribe.set_defaults(handler=_transcribe)

    topics = commands.add_parser("topics", help="list the factsheet sections")
    topics.add_argument("--json", action="store_true")
    topics.set_defaults(handler=_topics)

    history = commands.add_parser("history", help="what was asked most, and the questions it could not answer "
                                  "as suggested Ask: additions")
    history.add_argument("--since", type=parse_since, metavar="AGE",
                         help="only the last AGE, e.g. 7d (days), 24h (hours) or 30m (minutes); default: all kept")
    history.add_argument("--json", action="store_true", help="the same as one JSON object")
    history.set_defaults(handler=_history)

    enrol = commands.add_parser("enrol", help="learn the user's voice: listen hands-free, starting by asking for each "
                                "command and topic name three times (as when the user says 'learn my voice')")
    enrol.set_defaults(handler=_enrol)

    devices = commands.add_parser("devices", help="list microphones and speakers (for --input-device/--output-device)")
    devices.set_defaults(handler=_devices)
    _add_model_commands(commands)
    _add_service_commands(commands)
    return parser


def _add_model_commands(commands: argparse._SubParsersAction) -> None:
    model = commands.add_parser("model", help="install or list vosk speech models")
    actions = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="install a model (default: the small English model, 40 MB)")
    install.add_argument("source", nargs="?", metavar="SOURCE",
                         help="a web address, a .zip file (e.g. on a USB stick) or an unpacked model folder")
    install.set_defaults(handler=_model_install)
    actions.add_parser("list", help="show the models found and which one is used").set_defaults(handler=_model_list)


def _add_service_commands(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser("doctor", help="check microphone, speaker, speech engines, model, content and "
                                 "settings, and say what to fix")
    doctor.add_argument("--quiet", action="store_true", help="print the report only; do not speak or beep")
    doctor.set_defaults(handler=_doctor)
    service = commands.add_parser("service", help="run voice-assist in the background from login "
                                  "(a systemd user unit)")
    actions = service.add_subparsers(dest="service_command", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="install, enable and start the service (safe to repeat)")
    install.add_argument("--force", action="store_true",
                         help="replace a unit file edited by hand (the edited one is kept as .bak)")
    actions.add_parser("uninstall", help="stop the service and remove its unit file")
    actions.add_parser("status", help="show whether the service is installed, enabled and running")
    service.set_defaults(handler=_service)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = _settings(args)
        logging.getLogger().setLevel(settings.log_level)
        return getattr(args, "handler", _listen)(args, settings)
    except VoiceAssistError as error:
        print(f"voice-assist: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    extra = tuple(args.content_dirs_extra or ())
    return settings.with_overrides(
        content_dirs=settings.content_dirs + extra if extra else None,
        engine=args.engine, model=args.model, log_level="DEBUG" if args.verbose else None,
        input_device=args.input_device, output_device=args.output_device)


def _library(settings: Settings) -> Library:
    library = load_library(settings.content_dirs)
    if not library.sections:
        folders = ", ".join(str(folder) for folder in settings.content_dirs)
        raise VoiceAssistError(f"no factsheet could be loaded from {folders}. Put a factsheet .md file there "
                               "(see content/als.md) or fix the problems reported above.")
    return library


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.wav and args.questions:
        raise VoiceAssistError("give either typed questions or --wav files, not both")
    library = _library(settings)
    conversation = Conversation(library, Voice(settings.rate, settings.volume))
    history = history_for(settings)
    for text, transcript, event in _questions(args, settings, library):
        for said in replies(_forgetting(conversation.handle(event), conversation, history)):
            reply = replace(said, match=conversation.matcher.explain(said.match)) if args.explain and said.match \
                else said
            print(json.dumps(_reply_record(text, transcript, reply)) if args.json else reply.text, flush=True)
            if args.explain and not args.json and reply.match is not None:
                print("\n".join(explain(reply.match, library)) + "\n", flush=True)
    return 0


def _forgetting(actions: list[Action], conversation: Conversation, history: History) -> list[Action]:
    """``actions`` with "forget history" and "forget my voice" carried out (``ask`` keeps no history and learns
    no voice, but deletes them when told to)."""
    if any(isinstance(action, ForgetHistory) for action in actions):
        return actions + conversation.handle(history.forget())
    if any(isinstance(action, ForgetVoice) for action in actions):
        return actions + conversation.handle(VoiceForgotten(ExampleStore(voice_folder()).forget()))
    return actions


def _questions(args: argparse.Namespace, settings: Settings,
               library: Library) -> Iterator[tuple[str, Transcript | None, Heard | Typed]]:
    if not args.wav:
        lines = args.questions or (line.strip() for line in sys.stdin)
        yield from ((line, None, Typed(line)) for line in lines if line)
        return
    for path, transcript, pcm in _transcripts(args.wav, settings, library):
        yield path, transcript, Heard(transcript.alternatives, whole=True,
                                      word_confidences=transcript.word_confidences, sound=speech_sound(pcm))


def _transcripts(paths: list[Path], settings: Settings,
                 library: Library) -> Iterator[tuple[str, Transcript, bytes]]:
    audio = [(path, _question_audio(path, settings)) for path in paths]  # bad files fail before the slow start
    recognizer = open_recognizer(settings, domain_of(library), cache_dir())
    log.info("Listening with %s", recognizer.description)
    for path, pcm in audio:
        recognizer.accept(pcm)
        yield str(path), recognizer.finish(), pcm


def _question_audio(path: Path, settings: Settings) -> bytes:
    pcm = read_wav(path)
    seconds, limit = len(pcm) / (2 * SAMPLE_RATE), max(MAX_WAV_SECONDS, settings.max_utterance)
    if seconds > limit:
        raise AudioFileError(path, f"is {seconds / 60:.1f} minutes long, but one spoken question may be at most "
                                   f"{limit:g} seconds", f"Cut the question out, e.g. 'sox {path} question.wav "
                                   f"trim 0 {limit:g}', or raise max_utterance in the settings.")
    return pcm


def _transcribe(args: argparse.Namespace, settings: Settings) -> int:
    for path, transcript, _pcm in _transcripts(args.wav, settings, _library(settings)):
        if args.alternatives:
            print("\n".join(f"{path}\t{rank}\t{text}" for rank, text in enumerate(transcript.alternatives, 1)))
        else:
            print(f"{path}\t{transcript.text}" if len(args.wav) > 1 else transcript.text, flush=True)
    return 0


def _enrol(args: argparse.Namespace, settings: Settings) -> int:
    """The product, starting by learning the user's voice."""
    if args.keyboard:
        raise VoiceAssistError("learning the user's voice needs the microphone: leave out --keyboard")
    return _listen(args, settings, enrol=True)


def _listen(args: argparse.Namespace, settings: Settings, *, enrol: bool = False) -> int:
    """The product: listen, answer aloud, steered by voice."""
    library = _library(settings)

    def reopen_recognizer() -> Recognizer:
        return open_recognizer(settings, domain_of(library), cache_dir())

    recognizer = reopen_recognizer()
    files = read_settings(args.config)  # logged already; read again for the caregiver view
    problems = (*map(from_settings, files.problems), *map(from_factsheet, library.problems),
                *([BASIC_RECOGNIZER] if fell_back(recognizer) else []))
    conversation = Conversation(library, Voice(settings.rate, settings.volume),
                                engine=recognizer.engine,
                                quick_end_silence=settings.quick_end_silence,
                                normal_voice=Voice(files.configured.rate, files.configured.volume),
                                scanning=Scanning(settings.scan_seconds, settings.sound_level),
                                scanning_way_in=settings.way_in == "scanning" and not args.keyboard,
                                help_sounds=settings.help_sounds)
    loop: VoiceLoop | None = None
    kept = settings
    """The settings changed by voice so far, as they are to be kept."""

    def speech_failed(error: Exception) -> None:  # the speaker exists before the loop it reports to
        if loop is not None:
            loop.speech_failed(error)

    def sentence_started(sentence: str) -> None:
        if loop is not None:
            loop.sentence_started(sentence)

    def keep_voice(voice: Voice) -> None:
        nonlocal kept
        kept = replace(kept, rate=voice.rate, volume=voice.volume)
        save_voice(kept, configured=files.configured)

    def keep_scanning(scanning: Scanning) -> None:
        nonlocal kept
        kept = replace(kept, scan_seconds=scanning.seconds, sound_level=scanning.sound_level)
        save_voice(kept, configured=files.configured)

    def switch_changed(change: SwitchChange) -> None:
        if loop is not None:
            loop.switch_changed(change.pressed, switch_key=change.is_switch_key)

    def alarm_failed(problem: str) -> None:
        if loop is not None:
            loop.send(AlarmFailed(problem))

    def switch_trouble(status: SwitchStatus) -> None:
        if loop is not None:
            loop.switch_trouble(status.working, f"{status.what} {status.fix}".strip(), status.spoken)

    from voice_assist.alarm import Alarm  # these load the sound library: only for the conversation
    from voice_assist.speak.speaker import Speaker

    with (Speaker(settings, on_error=speech_failed, on_sentence=sentence_started) as speaker,
          Alarm(settings.alarm_output, settings.output_device, on_problem=alarm_failed) as alarm):
        loop = VoiceLoop(conversation, recognizer, speaker, settings, TerminalView(), on_voice_change=keep_voice,
                         history=_history_kept(settings), reopen_recognizer=reopen_recognizer, alarm=alarm,
                         sounds=SoundDetector.from_settings(settings), on_scanning_change=keep_scanning,
                         voice=VoiceTakes.load(ExampleStore(voice_folder())))
        loop.send(Started(typed=args.keyboard, problems=problems, enrol=enrol))
        if args.keyboard:
            run_keyboard(loop, sys.stdin)
            speaker.wait(timeout=60)
            return 0
        # Probing opens the microphone once more (about 2 s through PulseAudio); worth it only when
        # someone at the keyboard can take the typed mode; unattended, run_voice retries on its own.
        problem = _microphone_problem(settings) if sys.stdin.isatty() else None
        if problem:
            loop.send(NoMicrophoneAtStart(problem))
            print(f"voice-assist: no microphone: {problem}\nType a question and press Enter.", file=sys.stderr)
            run_keyboard(loop, sys.stdin)
            return 0
        switch = open_switch(settings, switch_changed, switch_trouble)
        with switch if switch is not None else contextlib.nullcontext():
            run_voice(loop, lambda retry: _open_microphone(settings, speaker, retry))
    return 0


def _history_kept(settings: Settings) -> History:
    """The history the conversation keeps, with the turns beyond its retention dropped."""
    history = history_for(settings)
    if history.keeping:
        history.prune()
        log.info("Keeping a history of questions in %s (%d days)", history.file, history.keep_days)
    return history


def _history(args: argparse.Namespace, settings: Settings) -> int:
    print_report(history_for(settings), since=args.since, as_json=args.json, show=print)
    return 0


def _microphone_problem(settings: Settings) -> str | None:
    """None when a microphone can be opened; else what was checked, in words to say aloud."""
    try:
        with Microphone(find_input_device(settings.input_device)):
            return None
    except VoiceAssistError as error:
        inputs = [device.name for device in list_devices() if device.input_channels > 0]
        checked = ", ".join(inputs) if inputs else "no sound input devices at all"
        log.warning("No microphone: %s (input devices: %s)", error, checked)
        return f"I checked: {checked}."


def _open_microphone(settings: Settings, speaker: SpeechOutput, retry: bool) -> Microphone:
    if retry:
        speaker.wait(timeout=15)  # re-scanning the devices closes the speaker's stream too
        refresh_devices()
    return Microphone(find_input_device(settings.input_device))


def _reply_record(text: str, transcript: Transcript | None, reply: Reply) -> dict[str, object]:
    match = reply.match or Match(MatchKind.NO_MATCH)
    return {"input": text, "transcript": transcript.text if transcript else None, "kind": str(match.kind),
            "section": reply.section, "command": match.command, "answer": reply.text, "score": match.score,
            "alternatives": [{"section": c.section, "score": c.score} for c in match.alternatives],
            "held_back": match.held_back or None,
            "trace": trace_record(match.trace) if match.trace else None}


def _topics(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    if args.json:
        print(json.dumps([{"id": section.id, "title": section.title} for section in library.sections]))
        return 0
    for section in library.sections:
        indent = "    " if "/" in section.id else ""
        print(f"{indent}{section.title}  [{section.id}]")
    return 0


def _model_install(args: argparse.Namespace, settings: Settings) -> int:
    from voice_assist.ops.model_install import ProgressBar, install_model

    print(install_model(args.source, progress=ProgressBar(sys.stderr)))
    return 0


def _model_list(args: argparse.Namespace, settings: Settings) -> int:
    from voice_assist.recognize.vosk_model import list_models, locate_model

    in_use = locate_model(settings.model)
    models = list_models()
    if in_use.path is not None and all(model.path != in_use.path for model in models):
        print(f"* {in_use.path}" + (f"  ({in_use.problem})" if in_use.problem else ""))
    for model in models:
        mark = "*" if model.path == in_use.path and in_use.problem is None else " "
        print(f"{mark} {model.path}" + (f"  ({model.problem})" if model.problem else ""))
    if in_use.path is None:
        print(f"voice-assist: {in_use.problem}", file=sys.stderr)
    return 0


def _devices(args: argparse.Namespace, settings: Settings) -> int:
    from voice_assist.devices import list_devices, list_sinks
    from voice_assist.errors import AudioDeviceError

    devices = list_devices()
    if not devices:
        raise AudioDeviceError("no sound devices found. Plug in a microphone or speaker; on Linux check that "
                               "the sound server runs ('pactl info') and that libasound2-plugins is installed.")
    print("  #  name  (input channels, output channels, default rate)")
    for device in devices:
        print(device.describe())
    sinks = list_sinks()
    if sinks:
        print("\nSound server outputs (for alarm_output, by name or part of the description):")
        print("\n".join(sink.describe() for sink in sinks))
    print("\n" + "\n".join(describe_input_devices(settings)))
    return 0


def _service(args: argparse.Namespace, settings: Settings) -> int:
    from voice_assist.ops import service

    if args.service_command == "install":
        lines = service.install(force=args.force, arguments=_service_arguments(args))
    else:
        lines = service.uninstall() if args.service_command == "uninstall" else service.status()
    print("\n".join(lines))
    return 0


def _service_arguments(args: argparse.Namespace) -> list[str]:
    """The global options given, so that the service runs as this command line would (paths made absolute)."""
    given = [("--config", args.config), ("--engine", args.engine), ("--model", args.model),
             ("--input-device", args.input_device), ("--output-device", args.output_device),
             *(("--content", folder) for folder in args.content_dirs_extra or ())]
    return [part for flag, value in given if value is not None
            for part in (flag, str(value.absolute()) if isinstance(value, Path) else value)]


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from voice_assist.ops.doctor import run_doctor

    return run_doctor(settings, args.config, speak=not args.quiet, show=lambda line: print(line, flush=True))
