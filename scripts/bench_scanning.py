"""Benchmark auditory scanning and the call for help through virtual audio devices (issue #16).

Usage (from the repository root)::

    .venv/bin/python scripts/bench_scanning.py [--kinds tongue_click,hum] [--seconds 1.5] [--topics causes,Symptoms]

Prints numbers only; asserts nothing. The private PulseAudio server with its stereo null sink is
scripts/bench_loop.py's: the left channel is the microphone, the right one the speaker, so recording rec.monitor
puts the user's sounds and the assistant's voice on one clock. The real VoiceLoop runs in this process with the
sound listener (SoundDetector), the alarm (Alarm, on the default speaker) and a Conversation whose way in is
scanning. For each sound kind, a simulated user who makes only that sound follows the options in the core's log,
waits until the option has been said (the speaker channel quiet for QUIET_BEFORE_SOUND), and makes its sound into
the microphone channel. It

1. reaches every passage of every topic: the topic, then the passage from passage_menu ("Back" between the
   passages of a topic, "Topics" after its last); stops each passage with a sound once it is being read; has the
   first one repeated; ends with "Stop scanning";
2. selection latency: the assistant's first sound after the selecting sound (right channel) - the sound's onset
   (left channel);
3. calls for help with three short sounds: from the third's onset to the alarm's first chime (the speaker channel
   mostly at alarm.TONES[0]); each alarm is stopped by a caregiver key or a spoken "stop the alarm", by turns.

Times are wall-clock on this machine (2 cores, shared): the run prints how busy the machine was meanwhile.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from scripts.bench_loop import (  # noqa: E402
    FRAME,
    RATE,
    NoView,
    StoppableMicrophone,
    listen,
    loud_frames,
    play,
    print_stats,
    recording,
    stereo_devices,
    stereo_wav,
    stretches,
)
from tests.sound_material import SOUND_KINDS, sound  # noqa: E402
from tests.spoken import silence, synthesize  # noqa: E402
from tests.virtual_audio import VirtualAudio, virtual_audio  # noqa: E402
from voice_assist.alarm import TONES, Alarm  # noqa: E402
from voice_assist.config import BUNDLED_CONTENT, Settings  # noqa: E402
from voice_assist.content import Library, load_library  # noqa: E402
from voice_assist.conversation import HELP_SIGNAL_WINDOW, HELP_SOUND_MAX_SECONDS, Conversation  # noqa: E402
from voice_assist.events import Scanning, Started, Voice  # noqa: E402
from voice_assist.loop import VoiceLoop  # noqa: E402
from voice_assist.recognize import domain_of  # noqa: E402
from voice_assist.recognize.choose import open_recognizer  # noqa: E402
from voice_assist.scanning import SELECT_LOCKOUT_SECONDS, Option, passage_menu, topic_menu  # noqa: E402
from voice_assist.sounds import SoundDetector  # noqa: E402
from voice_assist.speak.speaker import Speaker  # noqa: E402

SEED = 16
"""The users' sounds follow from it (plus the kind's place in SOUND_KINDS): every run makes the same sounds."""
SOUND_DBFS = -20.0
"""The loudest 10 ms of the user's sound: a click or a hum close to the microphone (as in the tests)."""
QUIET_BEFORE_SOUND = 0.3
"""Seconds the speaker channel is quiet after the option before the user makes its sound: in the pause after
the option, where a user means it (and past scanning.SELECT_GRACE_SECONDS into the option)."""
MIC_LEVEL = 33.0
"""RMS (of 32767) above which a 10 ms frame of the microphone channel is the user's sound (-60 dBFS): that
channel is digital silence otherwise, and the sound listener can start a sound from -62 dBFS in silence."""
STOP_INTO_PASSAGE = SELECT_LOCKOUT_SECONDS + 0.3
"""Seconds after a passage's first sound before the user stops it: past the lockout after the selecting sound."""
SELECTED_WITHIN = 3.0
"""Seconds after the user's sound for its selection to be logged before it counts as missed."""
ATTEMPTS = 2
"""Tries at an option (one per round of the menu, as a user would) before giving up on it."""
WAIT_SECONDS = 180.0
"""Longest wait for an option: two rounds of the longest menu at a slow pace."""
HEARD_WITHIN = 10.0
"""Seconds for the assistant to start saying what was logged."""
HELP_GAP = 0.3
"""Seconds of quiet between the three sounds of a call for help: all three well within HELP_SIGNAL_WINDOW."""
HELP_SOUND_SECONDS = HELP_SOUND_MAX_SECONDS - 0.05
"""The sounds of a call for help are at most this long (hums are drawn again until one is): longer ones are not
short sounds, and the core rightly does not count them."""
ALARM_SOUNDS_FOR = 2.0
"""Seconds the alarm sounds before it is stopped."""
CHIME_WINDOW = RATE // 25
"""Samples (40 ms) looked at for the chime: 25 Hz apart in the spectrum, enough to tell its tone from a voice."""
CHIME_BAND_HZ = 40.0
CHIME_SHARE = 0.5
"""The chime has begun where a window's spectrum holds more than this share within CHIME_BAND_HZ of TONES[0]
(the bell's first tone, nearly all its energy); a voice spreads its energy over many harmonics."""
NOTICED_SILENCE_PAUSES, NOTICED_SILENCE_SECONDS = 3, 5.0
"""A user who hears nothing for three scanning pauses and five seconds more takes it that scanning has stopped
(it went quiet without a word) and makes a sound to start it again."""
ANSWER_WITHIN = 5.0
"""Seconds after a selecting sound in which the assistant's answer to it is looked for."""


@dataclass(frozen=True)
class Logged:
    message: str
    at: int
    """The recording's length (stereo frames) when it was logged: about where it happened on the tape."""


@dataclass(frozen=True)
class Failure:
    option: str
    what: str
    log: tuple[str, ...]
    """The log lines around it."""


@dataclass
class Walked:
    """What one simulated user did and met."""

    kind: str
    sections: set[str] = field(default_factory=set)
    passages: list[Option] = field(default_factory=list)
    """The passages wanted."""
    reached: list[Option] = field(default_factory=list)
    selections: list[tuple[str, int]] = field(default_factory=list)
    """(label, tape position before the selecting sound)."""
    stops: list[int] = field(default_factory=list)
    """Tape positions before each sound that stopped a passage."""
    not_stopped: int = 0
    """Passages that ended before the user could stop them."""
    repeated: bool = False
    stopped_scanning: bool = False
    help_calls: list[tuple[int, Logged | None, str, bool]] = field(default_factory=list)
    """(tape position before the three sounds, the 'Calling for help' line, how it was stopped, stopped)."""
    failures: list[Failure] = field(default_factory=list)
    restarts: int = 0
    """Times the assistant was started afresh because an alarm could not be stopped."""
    log: list[Logged] = field(default_factory=list)
    """Everything the assistant logged."""


class Tape:
    """The growing recording of rec.monitor: stereo s16le, left the microphone, right the speaker."""

    def __init__(self, raw: Path) -> None:
        self.raw = raw

    def position(self) -> int:
        return self.raw.stat().st_size // 4 if self.raw.exists() else 0

    def samples(self, start: int = 0) -> np.ndarray:
        with self.raw.open("rb") as tape:
            tape.seek(start * 4)
            data = tape.read()
        return np.frombuffer(data[: len(data) // 4 * 4], dtype="<i2").reshape(-1, 2)

    def said_after(self, start: int, timeout: float = HEARD_WITHIN) -> bool:
        """Wait until the speaker channel has sounded after ``start`` and then been quiet QUIET_BEFORE_SOUND."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            loud = loud_frames(self.samples(start)[:, 1])
            if loud.any() and not loud[-round(QUIET_BEFORE_SOUND * RATE / FRAME):].any():
                return True
            time.sleep(0.05)
        return False

    def began_after(self, start: int, timeout: float = HEARD_WITHIN) -> bool:
        """Wait until the speaker channel sounds after ``start``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if loud_frames(self.samples(start)[:, 1]).any():
                return True
            time.sleep(0.02)
        return False

    def wait_quiet(self, seconds: float) -> None:
        """Until the speaker channel has been quiet for ``seconds``."""
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < seconds:
            time.sleep(0.1)
            if self.sounding():
                quiet_since = time.monotonic()

    def sounding(self) -> bool:
        """The speaker channel sounded in the last QUIET_BEFORE_SOUND."""
        return not self.quiet_for(QUIET_BEFORE_SOUND)

    def quiet_for(self, seconds: float) -> bool:
        """The speaker channel has been quiet for the last ``seconds``."""
        end = self.position()
        return end >= seconds * RATE and not loud_frames(self.samples(end - round(seconds * RATE))[:, 1]).any()


class LogFollower(logging.Handler):
    """Keeps the assistant's log lines with where on the tape they came; a user follows them in order."""

    def __init__(self, tape: Tape) -> None:
        super().__init__(logging.INFO)
        self.tape = tape
        self.lines: list[Logged] = []
        self.read_to = 0
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.lines.append(Logged(record.getMessage(), self.tape.position()))

    def follow(self, *patterns: str, timeout: float) -> Logged | None:
        """The next line matching one of ``patterns`` (later follows start after it); None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                new = self.lines[self.read_to:]
            for number, line in enumerate(new, self.read_to):
                if any(re.search(pattern, line.message) for pattern in patterns):
                    self.read_to = number + 1
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def recent(self, count: int = 8) -> tuple[str, ...]:
        with self._lock:
            return tuple(line.message for line in self.lines[-count:])


def _option(label: str) -> str:
    return f"^Option {re.escape(repr(label))}$"


class SoundUser:
    """A user who can only make one kind of sound, and listens for the options."""

    def __init__(self, audio: VirtualAudio, tape: Tape, log: LogFollower, walked: Walked, folder: Path, *,
                 scan_seconds: float) -> None:
        self.audio, self.tape, self.log, self.walked, self.folder = audio, tape, log, walked, folder
        self.silence_noticed = NOTICED_SILENCE_PAUSES * scan_seconds + NOTICED_SILENCE_SECONDS
        """Seconds of silence from the speaker after which the user takes it that scanning has stopped."""
        self.rng = np.random.default_rng(SEED + SOUND_KINDS.index(walked.kind))

    def sound(self, longest: float | None = None) -> np.ndarray:
        while True:
            samples = sound(self.walked.kind, self.rng) * 32767 * 10 ** (SOUND_DBFS / 20)
            if longest is None or samples.size <= longest * RATE:
                return samples

    def make_sound(self, count: int = 1) -> int:
        """Play ``count`` sounds (HELP_GAP apart) into the microphone; the tape's position before them."""
        parts = [np.zeros(RATE // 20)]
        for _ in range(count):
            parts += [self.sound(HELP_SOUND_SECONDS if count > 1 else None), np.zeros(round(HELP_GAP * RATE))]
        pcm = np.clip(np.concatenate(parts), -32768, 32767).astype("<i2").tobytes()
        mark = self.tape.position()
        play(self.audio, stereo_wav(pcm, self.folder, "sound"))
        return mark

    def fail(self, option: str, what: str) -> None:
        self.walked.failures.append(Failure(option, what, self.log.recent()))

    def wait_for(self, *patterns: str) -> Logged | None:
        """The next line matching ``patterns``; None after WAIT_SECONDS, or once the speaker has been silent for
        ``silence_noticed`` (scanning has stopped without a word)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            line = self.log.follow(*patterns, timeout=1.0)
            if line is not None or self.tape.quiet_for(self.silence_noticed):
                return line
        return None

    def choose(self, label: str) -> bool:
        """Wait for the option ``label``, make the sound in the pause after it; True when it was selected."""
        for attempt in range(1, ATTEMPTS + 1):
            read = self.wait_for(_option(label), "^Scanning stopped")
            if read is None or read.message == "Scanning stopped":
                self.fail(label, f"the option was not read: silence for {self.silence_noticed:g} s" if read is None
                          else "scanning stopped before it")
                return False
            if not self.tape.said_after(read.at):
                self.fail(label, "the option was logged but not heard on the speaker")
                return False
            mark = self.make_sound()
            chosen = self.log.follow("^Selected ", timeout=SELECTED_WITHIN)
            if chosen is None:
                self.fail(label, f"the sound selected nothing (try {attempt})")
                continue
            if not chosen.message.startswith(f"Selected {label!r}"):
                self.fail(label, f"the sound selected something else: {chosen.message}")
                return False
            self.walked.selections.append((label, mark))
            return True
        return False

    def read(self, passage: Option, library: Library, core: Conversation) -> bool:
        """After a passage was chosen: it is read (True), and stopped by a sound while it is."""
        reading = self.log.follow(r"^Reading \S+ by scanning", "^Scanning stopped", timeout=HEARD_WITHIN)
        if reading is None or reading.message != f"Reading {passage.section} by scanning":
            self.fail(passage.label, f"not read: {reading.message if reading else 'nothing logged'}")
            return False
        if not self.tape.began_after(reading.at):
            self.fail(passage.label, "the passage was logged but not heard on the speaker")
        time.sleep(STOP_INTO_PASSAGE)
        assert passage.section is not None
        words = " ".join(library.section(passage.section).passages[passage.passage].split()[:5])
        reached = words in " ".join(core.status.said.split())
        if not reached:
            self.fail(passage.label, f"another passage was read: {core.status.said[:80]!r}")
        if not self.tape.sounding():
            self.walked.not_stopped += 1
            return reached
        mark = self.make_sound()
        if self.log.follow("^Stopped reading by a sound", timeout=SELECTED_WITHIN) is None:
            self.fail(passage.label, "a sound while it was read did not stop it")
        else:
            self.walked.stops.append(mark)
        return reached

    def repeat(self, passage: Option) -> bool:
        if not self.choose("Repeat"):
            return False
        again = self.log.follow(r"^Reading \S+ again by scanning", timeout=HEARD_WITHIN)
        if again is None or again.message != f"Reading {passage.section} again by scanning":
            self.fail("Repeat", f"not read again: {again.message if again else 'nothing logged'}")
            return False
        return self.tape.said_after(again.at, timeout=120.0)  # read to its end

    def back_to_topics(self) -> bool:
        """After something went wrong: back to the topics, by "Topics" or "Back to the topics" when read, or by a
        sound once scanning has stopped; True when the topics are read again from the first."""
        for _ in range(ATTEMPTS + 1):
            line = self.wait_for(r"^Option '(Topics|Back to the topics|Stop scanning)'$", "^Scanning stopped")
            if line is None and self.tape.quiet_for(self.silence_noticed):
                self.make_sound()  # what a user who hears nothing would do
                return self.log.follow("^Scanning the topics", timeout=SELECTED_WITHIN) is not None
            if line is None:
                return False
            self.tape.said_after(line.at)
            self.make_sound()
            if line.message == "Scanning stopped":
                return self.log.follow("^Scanning the topics", timeout=SELECTED_WITHIN) is not None
            chosen = self.log.follow("^Selected ", timeout=SELECTED_WITHIN)
            if chosen is not None and "Stop scanning" not in chosen.message:
                return True
        return False


def walk(user: SoundUser, library: Library, core: Conversation, topics: Sequence[Option]) -> None:
    """Every passage of ``topics`` by scanning, each stopped by a sound; the first repeated; then stop scanning."""
    walked = user.walked
    at_topics = True
    for topic in topics:
        assert topic.section is not None
        passages = passage_menu(library, topic.section)[:-1]
        for index, passage in enumerate(passages):
            walked.passages.append(passage)
            last = index == len(passages) - 1
            went = (not at_topics or user.choose(topic.label)) and (
                len(passages) == 1 or user.choose(passage.label))
            if went:
                if user.read(passage, library, core):
                    walked.reached.append(passage)
                    walked.sections.add(passage.section or "")
                    if not walked.repeated:
                        walked.repeated = user.repeat(passage)
                went = user.choose("Topics" if last else "Back")  # the options after a passage
                at_topics = last
            if not went:
                if not user.back_to_topics():
                    user.fail(topic.label, "could not get back to the topics: the walk ends here")
                    return
                at_topics = True
    if not at_topics and not user.choose("Topics"):
        return
    walked.stopped_scanning = user.choose("Stop scanning") and user.log.follow(
        "^Scanning stopped", timeout=SELECTED_WITHIN) is not None


def call_for_help(user: SoundUser, loop: VoiceLoop, calls: int) -> int:
    """Three short sounds, ``calls`` times; each alarm stopped by a caregiver key or "stop the alarm", by turns.
    The calls made: fewer when an alarm could not be stopped (the next would find it sounding)."""
    stop_wav = stereo_wav(silence(0.2) + synthesize("stop the alarm", lead_silence_s=0.0) + silence(0.2),
                          user.folder, "stop_the_alarm")
    for number in range(calls):
        user.tape.wait_quiet(1.0)
        how = "caregiver key" if len(user.walked.help_calls) % 2 == 0 else "'stop the alarm'"
        mark = user.make_sound(count=3)
        called = user.log.follow("^Calling for help", timeout=HELP_SIGNAL_WINDOW + 2)
        if called is None:
            user.fail("help", "three sounds did not call for help")
        time.sleep(ALARM_SOUNDS_FOR)
        if how == "caregiver key":
            loop.switch_changed(True, switch_key=False)
        else:
            play(user.audio, stop_wav)
        stopped = user.log.follow("^The alarm was stopped", timeout=8.0) is not None
        user.walked.help_calls.append((mark, called, how, stopped))
        if not stopped and called is not None:
            loop.switch_changed(True, switch_key=False)
            if user.log.follow("^The alarm was stopped", timeout=8.0) is None:
                user.fail("help", f"neither {how} nor a caregiver key after it stopped the alarm (the core's state: "
                                  f"{loop.status.state}); the assistant is started afresh for the next call")
                return number + 1
            user.fail("help", f"{how} did not stop the alarm; a caregiver key after it did")
        time.sleep(1.0)  # "The alarm is off." begins
    return calls


@contextmanager
def running_assistant(settings: Settings, library: Library, folder: Path) -> Iterator[tuple[VoiceLoop, Conversation]]:
    """The real VoiceLoop listening to the virtual microphone in a thread, scanning as its way in."""
    done = threading.Event()
    (folder / "recognizer").mkdir(exist_ok=True)
    recognizer = open_recognizer(settings, domain_of(library), folder / "recognizer")
    speaker = Speaker(settings)
    alarm = Alarm(settings.alarm_output, settings.output_device)
    core = Conversation(library, Voice(settings.rate, settings.volume), engine=recognizer.engine,
                        quick_end_silence=settings.quick_end_silence,
                        scanning=Scanning(settings.scan_seconds, settings.sound_level), scanning_way_in=True)
    loop = VoiceLoop(core, recognizer, speaker, settings, NoView(), alarm=alarm,
                     sounds=SoundDetector.from_settings(settings))
    loop.send(Started())
    listening = threading.Thread(target=listen, name="listening", daemon=True,
                                 args=(loop, lambda _retry: StoppableMicrophone(done)))
    listening.start()
    try:
        yield loop, core
    finally:
        done.set()
        listening.join(timeout=10)
        speaker.close()
        alarm.close()


def run_kind(audio: VirtualAudio, settings: Settings, kind: str, topic_ids: Sequence[str], *, help_calls: int,
             folder: Path) -> tuple[Walked, np.ndarray]:
    """One simulated user with a fresh assistant; what it met, and the recording. When an alarm cannot be
    stopped, the remaining calls for help are made to a fresh assistant."""
    raw = folder / f"{kind}.raw"
    walked = Walked(kind)
    library = load_library([BUNDLED_CONTENT])
    topics = [option for option in topic_menu(library) if option.section in topic_ids]
    with recording(audio, raw):
        tape = Tape(raw)
        follower = LogFollower(tape)
        logging.getLogger("voice_assist").addHandler(follower)
        user = SoundUser(audio, tape, follower, walked, folder, scan_seconds=settings.scan_seconds)
        try:
            with running_assistant(settings, library, folder) as (loop, core):
                walk(user, library, core, topics)
                made = call_for_help(user, loop, help_calls)
            while made < help_calls and walked.restarts < help_calls:
                walked.restarts += 1
                with running_assistant(settings, library, folder) as (loop, _core):
                    made += call_for_help(user, loop, help_calls - made)
        finally:
            logging.getLogger("voice_assist").removeHandler(follower)
            walked.log = follower.lines
    return walked, Tape(raw).samples()


def onsets(samples: np.ndarray, start: int) -> list[int]:
    """Where (sample) each of the user's sounds begins on the microphone channel after ``start``."""
    found = stretches(loud_frames(samples[start:, 0], MIC_LEVEL), gap=HELP_GAP / 2)
    return [start + round(begin * RATE) for begin, _end in found]


def answer_onset(samples: np.ndarray, start: int) -> int | None:
    """The first loud 10 ms on the speaker channel after ``start`` (within ANSWER_WITHIN)."""
    loud = np.flatnonzero(loud_frames(samples[start:start + round(ANSWER_WITHIN * RATE), 1]))
    return start + int(loud[0]) * FRAME if loud.size else None


def fell_silent(samples: np.ndarray, start: int) -> int | None:
    """Where the speaker channel falls quiet (for QUIET_BEFORE_SOUND) after ``start``."""
    loud = loud_frames(samples[start:start + round(ANSWER_WITHIN * RATE), 1])
    quiet = round(QUIET_BEFORE_SOUND * RATE / FRAME)
    for frame in range(loud.size - quiet):
        if not loud[frame:frame + quiet].any():
            return start + frame * FRAME
    return None


def chime_onset(samples: np.ndarray, start: int) -> int | None:
    """The start of the alarm's first chime on the speaker channel after ``start``: the first loud 10 ms of the
    first 40 ms window whose spectrum is mostly the bell's first tone."""
    right = samples[:, 1].astype(np.float64)
    frequencies = np.fft.rfftfreq(CHIME_WINDOW, 1 / RATE)
    band = np.abs(frequencies - TONES[0]) <= CHIME_BAND_HZ
    window = np.hanning(CHIME_WINDOW)
    for begin in range(start, right.size - CHIME_WINDOW, FRAME):
        chunk = right[begin:begin + CHIME_WINDOW]
        power = np.abs(np.fft.rfft(chunk * window)) ** 2
        if power.sum() > 0 and power[band].sum() > CHIME_SHARE * power.sum():
            loud = np.flatnonzero(loud_frames(chunk))
            return begin + (int(loud[0]) * FRAME if loud.size else 0)
    return None


def report(walked: Walked, samples: np.ndarray, seconds: float) -> None:
    kind = walked.kind
    print(f"\n== {kind}: {seconds / 60:.1f} min")
    print(f"sections reached: {len(walked.sections)}/{len({p.section for p in walked.passages})}, "
          f"passages reached: {len(walked.reached)}/{len(walked.passages)}, "
          f"repeated an answer: {'yes' if walked.repeated else 'NO'}, "
          f"passages stopped by a sound: {len(walked.stops)} (ended before the user could: {walked.not_stopped}), "
          f"stop scanning: {'yes' if walked.stopped_scanning else 'NO'}")
    missed = [p.label for p in walked.passages if p not in walked.reached]
    if missed:
        print(f"  not reached: {missed}")
    latencies, unanswered = [], []
    for label, mark in walked.selections:
        sounds = onsets(samples, mark)
        answer = answer_onset(samples, sounds[0]) if sounds else None
        if answer is None:
            unanswered.append(label)
        else:
            latencies.append((answer - sounds[0]) / RATE)
    print_stats(f"{kind}: selecting sound -> the chosen option's first sound", latencies)
    if latencies:
        slowest = max(range(len(latencies)), key=latencies.__getitem__)
        print(f"  slowest: {walked.selections[slowest][0]!r} {latencies[slowest] * 1000:.0f} ms; "
              f"within 300 ms: {sum(latency <= 0.3 for latency in latencies)}/{len(latencies)}")
    if unanswered:
        print(f"  selections with no sound after them: {unanswered}")
    stop_times = []
    for mark in walked.stops:
        sounds = onsets(samples, mark)
        quiet = fell_silent(samples, sounds[0]) if sounds else None
        if quiet is not None:
            stop_times.append(max(0.0, (quiet - sounds[0]) / RATE))
    print_stats(f"{kind}: sound while a passage is read -> silence", stop_times)
    report_help(walked, samples)
    for failure in walked.failures:
        print(f"  FAILED {failure.option!r}: {failure.what}")
        for line in failure.log:
            print(f"      | {line}")


def report_help(walked: Walked, samples: np.ndarray) -> None:
    to_chime, to_called, failed = [], [], []
    for mark, called, how, stopped in walked.help_calls:
        sounds = onsets(samples, mark)
        chime = chime_onset(samples, sounds[2]) if len(sounds) >= 3 else None
        if chime is None or called is None:
            failed.append(f"{len(sounds)} sounds heard on the tape, called: {called is not None}, chime: {chime}")
            continue
        to_chime.append((chime - sounds[2]) / RATE)
        to_called.append((called.at - sounds[2]) / RATE)
        if not stopped:
            failed.append(f"{how} did not stop it")
    stopped_by = {how: sum(1 for *_, h, s in walked.help_calls if h == how and s)
                  for how in ("caregiver key", "'stop the alarm'")}
    print(f"help calls: {len(walked.help_calls)}, chime found: {len(to_chime)}, stopped by "
          + ", ".join(f"{how}: {count}" for how, count in stopped_by.items())
          + f"; assistant started afresh after an alarm that could not be stopped: {walked.restarts}")
    print_stats(f"{walked.kind}: third sound's onset -> the alarm's first chime", to_chime)
    print_stats(f"{walked.kind}: third sound's onset -> 'Calling for help' logged (about, tape length)", to_called)
    for problem in failed:
        print(f"  help call: {problem}")


def machine_busy() -> tuple[float, float]:
    """(CPU-seconds busy on the whole machine, CPU-seconds of this process and its reaped children) so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    own = os.times()
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK"), own.user + own.system + own.children_user \
        + own.children_system


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="tongue_click,hum", help=f"comma-separated, of {', '.join(SOUND_KINDS)}")
    parser.add_argument("--seconds", type=float, default=1.5, help="scan_seconds: the pause after each option")
    parser.add_argument("--topics", default="", help="comma-separated topic ids or titles (default: all)")
    parser.add_argument("--help-calls", type=int, default=5)
    parser.add_argument("--engine", default="pocketsphinx", choices=("auto", "vosk", "pocketsphinx"))
    parser.add_argument("--keep", type=Path, default=None,
                        help="a folder to keep the recordings in (KIND.raw: 16 kHz stereo s16le, left the microphone)")
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    if unknown := [kind for kind in kinds if kind not in SOUND_KINDS]:
        parser.error(f"--kinds: {unknown} not among {SOUND_KINDS}")
    library = load_library([BUNDLED_CONTENT])
    all_topics = [option for option in topic_menu(library) if option.section is not None]
    wanted = {name.strip().lower() for name in args.topics.split(",") if name.strip()}
    topic_ids = [o.section for o in all_topics if not wanted or {o.label.lower(), str(o.section)} & wanted]
    if wanted and len(topic_ids) != len(wanted):
        parser.error(f"--topics: some of {sorted(wanted)} are not topics: {[o.section for o in all_topics]}")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().handlers[0].setLevel(logging.ERROR)
    logging.getLogger("voice_assist").setLevel(logging.INFO)
    settings = replace(Settings(), engine=args.engine, way_in="scanning", scan_seconds=args.seconds)
    print(f"scan_seconds {args.seconds:g}, sound level {settings.sound_level:g} dB, engine {args.engine}, "
          f"user's sounds at {SOUND_DBFS:g} dBFS (loudest 10 ms), made {QUIET_BEFORE_SOUND:g} s after the option "
          f"fell quiet; topics: {', '.join(str(t) for t in topic_ids)}")
    load_before = os.getloadavg()[0]
    busy_before, own_before = machine_busy()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-scanning-") as folder, virtual_audio() as audio, \
            stereo_devices(audio):
        for kind in kinds:
            kind_started = time.monotonic()
            walked, samples = run_kind(audio, settings, kind, [str(t) for t in topic_ids],
                                       help_calls=args.help_calls, folder=Path(folder))
            report(walked, samples, time.monotonic() - kind_started)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{kind}.raw").write_bytes(samples.tobytes())
                (args.keep / f"{kind}.log").write_text("".join(f"{line.at / RATE:9.3f} {line.message}\n"
                                                               for line in walked.log))
    elapsed = time.monotonic() - started
    busy, own = machine_busy()
    capacity = elapsed * (os.cpu_count() or 1)
    machine, mine = (busy - busy_before) / capacity, (own - own_before) / capacity
    print(f"\nTimings are wall-clock on this machine ({os.cpu_count()} cores, shared with other work). Over the "
          f"{elapsed / 60:.1f} min run the machine was {machine:.0%} busy: this benchmark's process (and its reaped "
          f"children) {mine:.0%}, everything else (the sound server, espeak-ng, other developers' work) "
          f"{machine - mine:.0%}; load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
