"""Soak test: hours of simulated use of the hands-free conversation, faster than real time.

Drives ``voice_assist.loop.VoiceLoop`` with a real recognizer (pocketsphinx, or vosk when a model is
installed) and the real matcher and conversation core. The microphone is a stream of synthesized audio: questions
and commands (espeak-ng, several voices and speeds, some halting or noisy), barge-in while the assistant
speaks, the assistant's own voice coming back as echo, quiet rooms, a fan, a TV in the background, knocks.
Speech output is simulated: it lasts as long as espeak-ng's rendering of the reply, on a virtual clock
that advances 30 ms per microphone frame, so hours pass in minutes.

Prints resident memory, thread count and open file descriptors over simulated time, then the memory growth
per simulated hour (least-squares slope after a warm-up). The sound listener of auditory scanning listens too:
the soak counts the calls for help (the user here never calls, so each is false: three sounds in quick
succession from the TV, knocks or speech, or "help me" misheard) and the scanning started or options selected
without "scan" being said.

    .venv/bin/python scripts/soak.py --hours 8
    .venv/bin/python scripts/soak.py --hours 0.05 --sample-minutes 0.5     # a quick look
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.audio_in import read_wav
from voice_assist.config import BUNDLED_CONTENT, Settings, save_voice
from voice_assist.content import load_library
from voice_assist.conversation import Conversation
from voice_assist.events import Status, Voice
from voice_assist.loop import VoiceLoop
from voice_assist.recognize import domain_of
from voice_assist.recognize.choose import open_recognizer
from voice_assist.sounds import SoundDetector

FRAME = 480
"""Samples per microphone frame: 30 ms, as the real microphone delivers."""
ROOM_LEVEL = 60.0
"""Peak-ish amplitude of a quiet room's noise (about -55 dBFS RMS)."""
ECHO_GAIN = 0.15
"""How much of the assistant's own voice comes back into the microphone (about -16 dB)."""
COMMANDS = ("stop", "more", "repeat", "say that again", "slower", "faster", "louder", "quieter", "topics",
            "yes", "no", "tell me more", "speak up")
OFF_TOPIC = ("what is the weather tomorrow", "tell me a joke", "what causes diabetes", "call my daughter",
             "what time is it")
VOICES = ("en-us", "en-us+f3", "en-gb+m3", "en+f2")
BABBLE = ("and now the news at six o clock the minister said today that the plans would go ahead",
          "the home team scored twice in the second half to win the match in front of a full stadium")


# --- audio ----------------------------------------------------------------------------------------------

def espeak(text: str, voice: str = "en-us", speed: int = 150, gap: int = 0) -> np.ndarray:
    """espeak-ng speech as float samples at 16 kHz (int16 scale), through the product's own WAV reader."""
    return _espeak_pcm(text, voice, speed, gap).astype(np.float64)


@functools.lru_cache(maxsize=256)
def _espeak_pcm(text: str, voice: str, speed: int, gap: int) -> np.ndarray:
    """Cached as int16 and bounded, so the soak's own cache does not show up as the product's growth."""
    command = ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout"] + (["-g", str(gap)] if gap else [])
    wav = subprocess.run([*command, text], capture_output=True, check=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".wav") as file:
        file.write(wav)
        file.flush()
        pcm = read_wav(file.name)
    return np.frombuffer(pcm, dtype="<i2")


def noise(rng: np.random.Generator, seconds: float, level: float) -> np.ndarray:
    return rng.standard_normal(int(seconds * SAMPLE_RATE)) * level


def to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


# --- simulated time and speech output -------------------------------------------------------------------

@dataclass
class Clock:
    now: float = 0.0
    """Simulated seconds since the start."""


class SimulatedSpeech:
    """A SpeechOutput that speaks in simulated time: a reply lasts as long as espeak-ng takes to say it,
    and what it is saying can be mixed back into the microphone as echo."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rate = 150
        self.replies = 0
        self._audio = np.zeros(0)
        self._start = 0.0

    @property
    def speaking(self) -> bool:
        return self.clock.now < self._start + self._audio.size / SAMPLE_RATE

    def say(self, text: str) -> None:
        self.replies += 1
        rendered = _espeak_pcm.__wrapped__(text[:2000], "en-us", max(80, min(self.rate, 450)), 0).astype(np.float64)
        if self.speaking:
            played = int((self.clock.now - self._start) * SAMPLE_RATE)
            self._audio = np.concatenate([self._audio[played:], rendered])
        else:
            self._audio = rendered
        self._start = self.clock.now

    def stop(self) -> None:
        self._audio = np.zeros(0)

    def wait(self, timeout: float | None = None) -> bool:
        return not self.speaking

    def set_voice(self, rate: int, volume: float, voice: str = "") -> None:
        self.rate = rate

    def close(self) -> None:
        self.stop()

    def echo(self, samples: int) -> np.ndarray:
        """What the speaker plays during the next ``samples`` (zeros when silent)."""
        offset = int((self.clock.now - self._start) * SAMPLE_RATE)
        part = self._audio[max(offset, 0):max(offset, 0) + samples] if self.speaking else np.zeros(0)
        return np.pad(part, (0, samples - part.size)) * ECHO_GAIN


class BargeInCount(logging.Handler):
    """Counts the commands the loop took while the assistant was speaking, by what was heard: with echo,
    the assistant's own sentences ("I didn't catch that", "Do you want more?") show up here."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.heard: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if "over speech: command" in str(record.msg) and isinstance(record.args, tuple) and len(record.args) == 2:
            self.heard[f"{record.args[0]} -> {record.args[1]}"] += 1
        elif "(echo)" in str(record.msg):
            self.heard["(own echo, ignored)"] += 1


class ScanningCount(logging.Handler):
    """Counts what sounds and speech did that nobody in the soak asked for: calls for help, scanning started
    (only "scan" in the soak's own words starts it) and options selected."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.found: Counter[str] = Counter()
        self.why: Counter[str] = Counter()
        """What the calls for help were (``Conversation._call_for_help``'s reason)."""

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        for what in ("Calling for help", "Scanning the topics", "Selected"):
            if message.startswith(what):
                self.found[what] += 1
        if message.startswith("Calling for help"):
            self.why[record.getMessage().split(": ", 1)[-1]] += 1


class SilentAlarm:
    """The alarm, counted rather than sounded; a caregiver's key stops it at once, so the soak goes on."""

    sounding = False

    def __init__(self) -> None:
        self.calls = 0

    def start(self) -> None:
        self.calls += 1

    def stop(self) -> None: ...


class NullView:
    """The caregiver view, discarded (a real terminal view would only add output)."""

    def __init__(self) -> None:
        self.sections = 0

    def show(self, status: Status) -> None:
        if status.section:
            self.sections += 1


# --- measurements ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    hours: float
    """Simulated hours."""
    real_seconds: float
    rss_mb: float
    threads: int
    fds: int
    replies: int


@dataclass
class SoakReport:
    hours: float
    samples: list[Sample] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    unasked: Counter[str] = field(default_factory=Counter)
    """Calls for help, scanning started and options selected (``ScanningCount``): none was asked for."""
    calls: Counter[str] = field(default_factory=Counter)
    """Why each call for help came."""
    memory_releases: int = 0

    def growth_mb_per_hour(self) -> float:
        """Least-squares slope of RSS after the warm-up (the first hour, or the first quarter of a short run)."""
        warm_up = min(1.0, self.hours / 4)
        later = [s for s in self.samples if s.hours >= warm_up]
        if len(later) < 2:
            return 0.0
        slope, _ = np.polyfit([s.hours for s in later], [s.rss_mb for s in later], 1)
        return float(slope)


def measure(hours: float, started: float, replies: int) -> Sample:
    status = Path("/proc/self/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return Sample(hours=hours, real_seconds=time.monotonic() - started, rss_mb=rss_kb / 1024,
                  threads=threading.active_count(), fds=len(os.listdir("/proc/self/fd")), replies=replies)


# --- the simulation -------------------------------------------------------------------------------------

class Soak:
    def __init__(self, hours: float, *, seed: int, engine: str, workdir: Path,
                 on_sample: Callable[[Sample], None], sample_minutes: float, without_knocks: bool = False) -> None:
        self.hours = hours
        self.without_knocks = without_knocks
        self.rng = random.Random(seed)
        self.noise_rng = np.random.default_rng(seed)
        self.clock = Clock()
        self.speech = SimulatedSpeech(self.clock)
        self.view = NullView()
        settings = Settings(engine=engine)
        library = load_library([BUNDLED_CONTENT])
        recognizer = open_recognizer(settings, domain_of(library), workdir / "cache")
        core = Conversation(library, Voice(settings.rate, settings.volume), engine=recognizer.engine,
                            quick_end_silence=settings.quick_end_silence)
        voice_file = workdir / "voice.toml"
        self.alarm = SilentAlarm()
        self.conversation = VoiceLoop(core, recognizer, self.speech, settings, self.view, on_voice_change=lambda
                                      voice: save_voice(replace(settings, rate=voice.rate, volume=voice.volume),
                                                        voice_file), alarm=self.alarm,
                                      sounds=SoundDetector.from_settings(settings))
        self.questions = [ask for section in library.sections for ask in section.asks[:3]] + list(OFF_TOPIC)
        self.report = SoakReport(hours)
        self._on_sample = on_sample
        self._sample_every = sample_minutes * 60
        self._next_sample = 0.0
        self._started = time.monotonic()

    def run(self) -> SoakReport:
        # A day at home: mostly quiet, a question every few minutes, now and then a fan, the TV, a knock.
        events = [(self.question, 25), (self.command, 10), (self.quiet, 40), (self.fan, 5), (self.tv, 5),
                  (self.knocks, 0 if self.without_knocks else 8), (self.noisy_question, 7)]
        actions, weights = zip(*events, strict=True)
        while self.clock.now < self.hours * 3600:
            action = self.rng.choices(actions, weights)[0]
            self.report.events[action.__name__] = self.report.events.get(action.__name__, 0) + 1
            action()
        self._sample(force=True)
        self.report.memory_releases = self.conversation.memory.releases
        return self.report

    # Events: each feeds some seconds of microphone audio.
    def question(self, noisy: bool = False) -> None:
        text = self.rng.choice(self.questions)
        halting = self.rng.random() < 0.3
        clip = espeak(text, self.rng.choice(VOICES), self.rng.choice((110, 140, 170)), 40 if halting else 0)
        if noisy:
            clip = clip + noise(self.noise_rng, clip.size / SAMPLE_RATE, 1500)
        self.speak_in(clip)
        self.listen_to_reply()

    def noisy_question(self) -> None:
        self.question(noisy=True)

    def command(self) -> None:
        self.speak_in(espeak(self.rng.choice(COMMANDS), self.rng.choice(VOICES), 140))
        self.listen_to_reply()

    def quiet(self) -> None:
        self.room(self.rng.uniform(30, 600))

    def fan(self) -> None:
        self.room(self.rng.uniform(60, 180), level=1000)

    def tv(self) -> None:
        chatter = espeak(self.rng.choice(BABBLE), self.rng.choice(VOICES), 170) * 0.2
        for _ in range(self.rng.randint(2, 6)):
            self.feed(chatter + noise(self.noise_rng, chatter.size / SAMPLE_RATE, ROOM_LEVEL))

    def knocks(self) -> None:
        for _ in range(self.rng.randint(1, 5)):
            self.room(self.rng.uniform(0.5, 4))
            self.feed(noise(self.noise_rng, self.rng.uniform(0.03, 0.2), 20000))

    # Building blocks.
    def speak_in(self, clip: np.ndarray) -> None:
        self.room(self.rng.uniform(0.3, 2.0))
        self.feed(clip)
        self.room(self.rng.uniform(2.0, 3.0))

    def listen_to_reply(self) -> None:
        """Room noise (plus echo) while the assistant speaks; sometimes the user barges in."""
        barge_in = self.rng.random() < 0.25
        waited = 0.0
        while self.speech.speaking and waited < 120:
            if barge_in and waited > 3:
                self.feed(espeak(self.rng.choice(("stop", "more", "repeat", "slower", "louder")), "en-us", 140))
                barge_in = False
            self.room(1.0)
            waited += 1.0
        self.room(self.rng.uniform(1, 5))

    def room(self, seconds: float, level: float = ROOM_LEVEL) -> None:
        """Steady noise, made a few seconds at a time so the soak's own buffers do not swamp the RSS."""
        while seconds > 0:
            self.feed(noise(self.noise_rng, min(seconds, 5.0), level))
            seconds -= 5.0

    def feed(self, samples: np.ndarray) -> None:
        for start in range(0, samples.size - FRAME + 1, FRAME):
            frame = samples[start:start + FRAME] + self.speech.echo(FRAME)
            self.clock.now += FRAME / SAMPLE_RATE
            self.conversation.hear(to_pcm(frame))
            if self.conversation.conversation.alarm_sounding:
                self.conversation.switch_changed(True, switch_key=False)  # the caregiver's key
            self._sample()

    def _sample(self, *, force: bool = False) -> None:
        if self.clock.now < self._next_sample and not force:
            return
        self._next_sample += self._sample_every
        sample = measure(self.clock.now / 3600, self._started, self.speech.replies)
        self.report.samples.append(sample)
        self._on_sample(sample)


def run_soak(hours: float, *, seed: int = 1, engine: str = "auto", sample_minutes: float = 15.0,
             without_knocks: bool = False,
             on_sample: Callable[[Sample], None] = lambda sample: None) -> SoakReport:
    """Simulate ``hours`` of use; measurements every ``sample_minutes`` of simulated time."""
    scanning = ScanningCount()
    core_log = logging.getLogger("voice_assist.conversation")
    core_log.addHandler(scanning)
    core_log.setLevel(logging.INFO)
    try:
        with tempfile.TemporaryDirectory(prefix="voice-assist-soak-") as folder:
            soak = Soak(hours, seed=seed, engine=engine, workdir=Path(folder), on_sample=on_sample,
                        sample_minutes=sample_minutes, without_knocks=without_knocks)
            report = soak.run()
    finally:
        core_log.removeHandler(scanning)
    report.unasked.update(scanning.found)
    report.calls.update(scanning.why)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=8.0, help="simulated hours (default 8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--without-knocks", action="store_true",
                        help="no knocks: only talk, television, the assistant's own voice and room noise")
    parser.add_argument("--engine", default="auto", choices=("auto", "vosk", "pocketsphinx"))
    parser.add_argument("--sample-minutes", type=float, default=15.0, help="simulated minutes between measurements")
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("SOAK_LOG", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    print(f"{'sim h':>7} {'real s':>8} {'x real':>7} {'RSS MB':>8} {'threads':>7} {'fds':>5} {'replies':>8}")

    def show(sample: Sample) -> None:
        speed = sample.hours * 3600 / sample.real_seconds if sample.real_seconds else 0.0
        print(f"{sample.hours:7.2f} {sample.real_seconds:8.1f} {speed:7.0f} {sample.rss_mb:8.1f} "
              f"{sample.threads:7d} {sample.fds:5d} {sample.replies:8d}", flush=True)

    barge_ins = BargeInCount()
    loop_log = logging.getLogger("voice_assist.conversation")
    loop_log.addHandler(barge_ins)
    loop_log.setLevel(logging.INFO)
    report = run_soak(args.hours, seed=args.seed, engine=args.engine, sample_minutes=args.sample_minutes,
                      without_knocks=args.without_knocks, on_sample=show)
    first, last = report.samples[0], report.samples[-1]
    print(f"\nsimulated {last.hours:.2f} h in {last.real_seconds / 60:.1f} min "
          f"({last.hours * 3600 / last.real_seconds:.0f}x real time); events: {report.events}")
    print(f"replies spoken: {last.replies}; commands heard while speaking: {sum(barge_ins.heard.values())}, "
          f"most often: {barge_ins.heard.most_common(5)}")
    print(f"RSS: {first.rss_mb:.1f} MB at start, {max(s.rss_mb for s in report.samples):.1f} MB peak, "
          f"{last.rss_mb:.1f} MB at end; growth after warm-up: {report.growth_mb_per_hour():+.2f} MB/hour")
    print(f"threads: {first.threads} -> {last.threads}; open file descriptors: {first.fds} -> {last.fds}; freed "
          f"memory handed back to the system {report.memory_releases} times")
    unasked = report.unasked
    print(f"calls for help (all false): {unasked['Calling for help']}; scanning started without 'scan': "
          f"{unasked['Scanning the topics']}; options selected: {unasked['Selected']}")
    if report.calls:
        print(f"the calls for help: {dict(report.calls)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
