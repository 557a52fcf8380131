"""Benchmark the hands-free loop through virtual audio devices: voice-to-voice latency, processing time
after the end of a question, and time from a spoken "stop" to silence.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_loop.py [--questions 10] [--engine pocketsphinx]

Prints numbers only; asserts nothing. A private PulseAudio server gets a stereo null sink "rec": its left
channel is the microphone (a remapped source of rec.monitor) and its right channel is the speaker (a
remapped sink, the default output). Questions are played into the left channel; the assistant (the real
VoiceLoop and Conversation, recognizer, Speaker and Microphone, run in this process so its work can be timed) answers
into the right one. Recording rec.monitor puts the question and the answer on one clock, so

- voice-to-voice = first answer sample (right) - last voiced 10 ms of the question (left);
- stop-to-silence = last answer sample (right) - last voiced 10 ms of the spoken "stop" (left);
- processing = time inside the microphone-frame call that ended the question and queued the reply
  (recognizer finish + match + conversation core), and the cost of quick-end tries that did not end the question.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from tests.spoken import silence, synthesize  # noqa: E402
from tests.virtual_audio import VirtualAudio, virtual_audio  # noqa: E402
from voice_assist.audio_in import Microphone  # noqa: E402
from voice_assist.config import BUNDLED_CONTENT, Settings  # noqa: E402
from voice_assist.content import load_library  # noqa: E402
from voice_assist.conversation import Conversation  # noqa: E402
from voice_assist.devices import find_input_device, refresh_devices  # noqa: E402
from voice_assist.events import Action, ContinueUtterance, Started, Status, Voice  # noqa: E402
from voice_assist.loop import VoiceLoop, run_voice  # noqa: E402
from voice_assist.recognize import domain_of  # noqa: E402
from voice_assist.recognize.choose import open_recognizer  # noqa: E402
from voice_assist.speak.speaker import Speaker  # noqa: E402

RATE = 16_000
FRAME = RATE // 100
"""10 ms analysis frames."""
SOUND_LEVEL = 300.0
"""RMS (of 32767) above which a 10 ms frame is sound."""
QUESTIONS = (
    "will I need a feeding tube", "what is riluzole", "will I need a breathing machine", "can it be cured",
    "how is ALS diagnosed", "what causes ALS", "is ALS inherited", "what are the first signs",
    "will I need a wheelchair", "what is a feeding tube", "is there a cure", "how fast does ALS progress",
)
"""Complete questions: each should be answered after the short pause, not the long one."""
STEREO_MODULES = (
    "module-null-sink sink_name=rec channels=2 channel_map=front-left,front-right",
    "module-remap-sink sink_name=out master=rec channels=1 channel_map=mono master_channel_map=front-right "
    "remix=no",
    "module-remap-source source_name=mic master=rec.monitor channels=1 channel_map=mono "
    "master_channel_map=front-left remix=no",
)


@dataclass
class Timings:
    """Seconds spent inside VoiceLoop.hear, by what the call did."""

    replied: list[float] = field(default_factory=list)
    """Calls that ended a question and queued the reply."""
    tried: list[float] = field(default_factory=list)
    """Calls that tried a quick end and went on listening (the recognizer finished and decoded again)."""
    sections: list[str | None] = field(default_factory=list)
    queued_at: float = 0.0
    """time.monotonic() when the last reply was queued for speaking."""
    to_first_sample: list[float] = field(default_factory=list)
    """From the reply queued to its first sample handed to the speaker (synthesis, stream start)."""


class TimedLoop(VoiceLoop):
    """The real VoiceLoop, timing each microphone frame's work."""

    timings: Timings
    went_on_listening = False

    def hear(self, frame: bytes) -> None:
        said_before, self.went_on_listening = self.status.said, False
        started = time.perf_counter()
        super().hear(frame)
        spent = time.perf_counter() - started
        if self.status.said is not said_before and self.status.said:
            self.timings.replied.append(spent)
            self.timings.sections.append(self.status.section)
            self.timings.queued_at = time.monotonic()
        elif self.went_on_listening:
            self.timings.tried.append(spent)

    def _carry_out(self, actions: Sequence[Action]) -> None:
        self.went_on_listening = self.went_on_listening or ContinueUtterance() in actions
        super()._carry_out(actions)


class BenchOverError(Exception):
    """Ends run_voice (which retries only AudioDeviceError) when the benchmark is done."""


class StoppableMicrophone(Microphone):
    def __init__(self, done: threading.Event) -> None:
        super().__init__(find_input_device(None))
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        for frame in super().__iter__():
            if self.done.is_set():
                raise BenchOverError
            yield frame


class NoView:
    def show(self, status: Status) -> None:
        pass


def stereo_wav(pcm: bytes, folder: Path, name: str) -> Path:
    """Mono speech as the left channel of a stereo WAV (right silent)."""
    mono = np.frombuffer(pcm, dtype="<i2")
    stereo = np.zeros(mono.size * 2, dtype="<i2")
    stereo[0::2] = mono
    path = folder / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(stereo.tobytes())
    return path


@contextmanager
def stereo_devices(audio: VirtualAudio) -> Iterator[None]:
    for module in STEREO_MODULES:
        audio.pactl("load-module", *module.split())
    audio.pactl("set-default-sink", "out")
    audio.pactl("set-default-source", "mic")
    refresh_devices()
    yield


@contextmanager
def recording(audio: VirtualAudio, raw: Path) -> Iterator[None]:
    recorder = subprocess.Popen(["parecord", "--device=rec.monitor", "--raw", f"--rate={RATE}", "--channels=2",
                                 "--format=s16le", "--latency-msec=10", str(raw)], env=audio.env)
    try:
        deadline = time.monotonic() + 10
        while (not raw.exists() or raw.stat().st_size == 0) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield
    finally:
        recorder.terminate()
        recorder.wait(timeout=10)


def play(audio: VirtualAudio, wav: Path) -> None:
    subprocess.run(["paplay", "--device=rec", str(wav)], env=audio.env, check=True, timeout=60)


def loud_frames(samples: np.ndarray, level: float = SOUND_LEVEL) -> np.ndarray:
    """For each 10 ms frame, whether its RMS is above ``level``."""
    frames = samples[: samples.size // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    return np.sqrt(np.mean(frames**2, axis=1)) > level


def stretches(loud: np.ndarray, gap: float) -> list[tuple[float, float]]:
    """(start, end) seconds of sound, gaps up to ``gap`` bridged."""
    found: list[tuple[float, float]] = []
    for index in np.flatnonzero(loud):
        at = index * FRAME / RATE
        if found and at - found[-1][1] <= gap:
            found[-1] = (found[-1][0], at + FRAME / RATE)
        else:
            found.append((at, at + FRAME / RATE))
    return found


def start_assistant(settings: Settings, timings: Timings,
                    done: threading.Event) -> tuple[threading.Thread, Speaker]:
    library = load_library([BUNDLED_CONTENT])
    recognizer = open_recognizer(settings, domain_of(library), Path(tempfile.mkdtemp(prefix="bench-loop-")))
    speaker = Speaker(settings)
    core = Conversation(library, Voice(settings.rate, settings.volume), engine=recognizer.engine,
                        quick_end_silence=settings.quick_end_silence)
    conversation = TimedLoop(core, recognizer, speaker, settings, NoView())
    conversation.timings = timings
    conversation.send(Started())
    thread = threading.Thread(target=listen, name="listening", daemon=True,
                              args=(conversation, lambda _retry: StoppableMicrophone(done)))
    thread.start()
    return thread, speaker


def listen(conversation: VoiceLoop, open_microphone: Callable[[bool], Microphone]) -> None:
    with suppress(BenchOverError):
        run_voice(conversation, open_microphone)


def run(audio: VirtualAudio, questions: Sequence[str], settings: Settings, folder: Path) -> None:
    timings = Timings()
    raw = folder / "rec.raw"
    stop_wav = stereo_wav(silence(0.2) + synthesize("stop", lead_silence_s=0.0) + silence(0.2), folder, "stop")
    with recording(audio, raw):
        done = threading.Event()
        listening, speaker = start_assistant(settings, timings, done)
        speaker.wait(timeout=30)  # the greeting
        time.sleep(1.0)
        marks = []
        for index, question in enumerate(questions):
            wav = stereo_wav(silence(0.3) + synthesize(question, lead_silence_s=0.0) + silence(0.2), folder,
                             f"q{index}")
            play(audio, wav)
            deadline = time.monotonic() + 8
            while not speaker.speaking and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(1.5)
            if speaker.first_sample_time is not None and speaker.first_sample_time > timings.queued_at > 0:
                timings.to_first_sample.append(speaker.first_sample_time - timings.queued_at)
            if speaker.speaking:
                play(audio, stop_wav)
                marks.append("stop")
            else:
                marks.append("no stop")
            speaker.wait(timeout=30)
            time.sleep(1.5)
        done.set()
        listening.join(timeout=10)
        speaker.close()
    report(raw, questions, marks, timings)


def report(raw: Path, questions: Sequence[str], marks: list[str], timings: Timings) -> None:
    data = raw.read_bytes()
    samples = np.frombuffer(data[: len(data) // 4 * 4], dtype="<i2").reshape(-1, 2)
    heard = stretches(loud_frames(samples[:, 0]), gap=0.4)
    said = stretches(loud_frames(samples[:, 1]), gap=0.8)
    per_question: list[float | None] = []
    stops: list[float] = []
    events = iter(heard)
    for mark in marks:
        spoken_question = next(events, None)
        if spoken_question is None:
            break
        answer = next((s for s in said if s[0] > spoken_question[1] - 0.05), None)
        per_question.append(None if answer is None else answer[0] - spoken_question[1])
        if mark == "stop":
            spoken_stop = next(events, None)
            if spoken_stop is not None:
                speaking = [s for s in said if s[0] < spoken_stop[1] + 2.0 and s[1] > spoken_stop[0]]
                if speaking:
                    stops.append(max(0.0, speaking[-1][1] - spoken_stop[1]))
    latencies = [latency for latency in per_question if latency is not None]
    print(f"questions: {len(questions)}, answered: {len(latencies)}")
    for question, latency in zip(questions, per_question, strict=False):
        print(f"  {'no answer' if latency is None else f'{latency * 1000:5.0f} ms'}  {question!r}")
    print(f"sections of the replies, in order: {', '.join(str(section) for section in timings.sections)}")
    print_stats("voice-to-voice (end of question speech -> first answer sample)", latencies)
    print_stats("processing after end of speech (frame that ended the question)", timings.replied)
    print_stats("quick-end tries that went on listening (finish + decode again)", timings.tried)
    print_stats("reply queued -> first sample to the speaker (synthesis, stream start)", timings.to_first_sample)
    print_stats("stop: end of spoken 'stop' -> silence", stops)


def print_stats(name: str, values: Sequence[float]) -> None:
    if not values:
        print(f"{name}: no samples")
        return
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name}: n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
          f"p90={p90 * 1000:.0f} ms p95={p95 * 1000:.0f} ms max={ordered[-1] * 1000:.0f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--engine", default="pocketsphinx", choices=("auto", "vosk", "pocketsphinx"))
    parser.add_argument("--quick-end-silence", type=float, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = replace(Settings(), engine=args.engine)
    if args.quick_end_silence is not None:
        settings = replace(settings, quick_end_silence=args.quick_end_silence)
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.questions)]
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as folder, virtual_audio() as audio, \
            stereo_devices(audio):
        run(audio, questions, settings, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
