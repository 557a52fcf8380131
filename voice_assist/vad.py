"""End-of-question detection for slow, effortful speech: energy-based, with an adaptive noise floor.

Pure: frames of 16 kHz mono s16le go in, decisions come out; no audio I/O, no clock (time is counted
in samples), so it behaves the same on a live microphone and on a WAV file.

People with ALS often pause for a second or more in the middle of a question, so silence alone ends an
utterance only after ``end_silence`` (1.8 s by default). The caller can end sooner: every step reports
the current trailing silence, so when the partial transcript already makes sense the question can be
answered after ``quick_end_silence`` (0.45 s).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

import numpy as np

from voice_assist.audio_format import BYTES_PER_SECOND, seconds_of
from voice_assist.config import Settings


@dataclass(frozen=True)
class VadTuning:
    """Levels in dBFS (0 = the loudest 16-bit sample); durations in seconds."""

    start_margin: float = 12.0
    """A frame this far above the noise floor counts towards starting an utterance."""
    continue_margin: float = 8.0
    """Within an utterance a lower margin keeps quiet, slurred syllables in (hysteresis)."""
    min_level: float = -55.0
    """Nothing quieter is speech, however quiet the room (digital silence has no noise floor)."""
    start_frames: int = 3
    """Loud frames among the last ``start_window`` needed to start: a click or a knock is not speech."""
    start_window: int = 5
    resume_frames: int = 2
    """Consecutive voiced frames that end a pause; one stray loud frame (a breath, a click) does not."""
    noise_window: float = 3.0
    """The noise floor is a low percentile of frame levels over this long: it follows a fan switched on
    within seconds, yet the short gaps between syllables keep it at the noise level during speech."""
    noise_percentile: float = 10.0
    calibration: float = 0.3
    """No utterance starts before this much audio has been heard, so the floor is measured first."""
    pre_roll: float = 0.5
    """Audio kept from before the start, so the first syllable reaches the recognizer."""
    min_speech: float = 0.25
    """An utterance with less voiced audio than this is a noise (cough, knock), reported as TOO_SHORT."""


class Phase(enum.Enum):
    WAITING = "waiting"
    """No utterance: listening for speech to start."""
    SPEECH = "speech"
    """Within an utterance, voice now."""
    PAUSE = "pause"
    """Within an utterance, silent for ``trailing_silence`` seconds."""


class EndReason(enum.Enum):
    SILENCE = "silence"
    """Silent for ``end_silence``: the normal end of a question."""
    MAX_LENGTH = "max_length"
    """The hard cap (``max_utterance``) was reached."""
    TOO_SHORT = "too_short"
    """It ended by silence but held too little voice to be a question: ignore it."""


@dataclass(frozen=True)
class Step:
    """What one pushed frame did."""

    phase: Phase
    """The phase after this frame (WAITING again once an utterance has ended)."""
    audio: bytes = b""
    """Audio of the utterance to pass to the recognizer now: pre-roll plus the frame when it starts,
    the frame within it, nothing while waiting."""
    started: bool = False
    """This frame started an utterance."""
    ended: EndReason | None = None
    """This frame ended the utterance, and why."""
    trailing_silence: float = 0.0
    """Seconds of silence at the end of the current utterance."""
    duration: float = 0.0
    """Seconds of the current (or just ended) utterance, pre-roll included."""
    level: float = -100.0
    """The frame's level, dBFS."""
    noise_floor: float = -100.0
    """The current noise floor estimate, dBFS."""


def frame_level(pcm: bytes) -> float:
    """Root-mean-square level of s16le audio in dBFS (-100 for silence or no audio)."""
    samples = np.frombuffer(pcm[:len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    if samples.size == 0:
        return -100.0
    power = float(np.mean(samples * samples)) / (32768.0 * 32768.0)
    return max(-100.0, 10.0 * np.log10(power + 1e-10))


class UtteranceDetector:
    """Finds where a spoken question starts and ends in a stream of 16 kHz mono s16le frames.

    Push frames of 10-50 ms in order with ``push``; call ``reset`` when the caller ends an utterance
    itself (e.g. after ``quick_end_silence`` with a transcript that makes sense).
    """

    def __init__(self, end_silence: float = 1.8, max_utterance: float = 20.0,
                 tuning: VadTuning | None = None) -> None:
        self.end_silence = end_silence
        self.max_utterance = max_utterance
        self.tuning = tuning or VadTuning()
        self._levels: deque[float] = deque()
        self._level_seconds: deque[float] = deque()
        self._window_seconds = 0.0
        self._heard = 0.0
        self._pre_roll: deque[bytes] = deque()
        self._pre_roll_bytes = 0
        self._recent_loud: deque[bool] = deque(maxlen=self.tuning.start_window)
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings, tuning: VadTuning | None = None) -> UtteranceDetector:
        return cls(end_silence=settings.end_silence, max_utterance=settings.max_utterance, tuning=tuning)

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def trailing_silence(self) -> float:
        """Seconds of silence at the end of the current utterance (0 while waiting or in speech)."""
        return self._silence if self._phase is Phase.PAUSE else 0.0

    @property
    def noise_floor(self) -> float:
        """dBFS; -100 until anything has been heard."""
        if not self._levels:
            return -100.0
        return float(np.percentile(np.fromiter(self._levels, float), self.tuning.noise_percentile))

    def reset(self) -> None:
        """Forget the current utterance (the noise floor is kept) and wait for the next one."""
        self._phase = Phase.WAITING
        self._duration = 0.0
        self._voiced = 0.0
        self._silence = 0.0
        self._voiced_run = 0
        self._pre_roll.clear()
        self._pre_roll_bytes = 0
        self._recent_loud.clear()

    def push(self, frame: bytes) -> Step:
        """Feed the next frame of audio; returns what it did."""
        if len(frame) < 2:  # no whole sample: nothing heard, and nothing to pull the noise floor down
            return Step(self._phase, trailing_silence=self.trailing_silence, duration=self._duration,
                        noise_floor=self.noise_floor)
        seconds = seconds_of(frame)
        level = frame_level(frame)
        floor = self.noise_floor
        self._remember_level(level, seconds)
        if self._phase is Phase.WAITING:
            return self._wait(frame, seconds, level, floor)
        return self._continue(frame, seconds, level, floor)

    def _remember_level(self, level: float, seconds: float) -> None:
        self._heard += seconds
        self._levels.append(level)
        self._level_seconds.append(seconds)
        self._window_seconds += seconds
        while self._window_seconds - self._level_seconds[0] >= self.tuning.noise_window:
            self._window_seconds -= self._level_seconds.popleft()
            self._levels.popleft()

    def _wait(self, frame: bytes, seconds: float, level: float, floor: float) -> Step:
        tuning = self.tuning
        self._pre_roll.append(frame)
        self._pre_roll_bytes += len(frame)
        while self._pre_roll_bytes - len(self._pre_roll[0]) >= (tuning.pre_roll + seconds) * BYTES_PER_SECOND:
            self._pre_roll_bytes -= len(self._pre_roll.popleft())
        loud = level >= max(floor + tuning.start_margin, tuning.min_level)
        self._recent_loud.append(loud)
        calibrated = self._heard >= tuning.calibration
        if not (calibrated and loud and sum(self._recent_loud) >= tuning.start_frames):
            return Step(Phase.WAITING, level=level, noise_floor=floor)
        audio = b"".join(self._pre_roll)
        self._phase = Phase.SPEECH
        self._duration = seconds_of(audio)
        self._voiced = seconds * sum(self._recent_loud)
        self._voiced_run = 1
        return Step(Phase.SPEECH, audio=audio, started=True, duration=self._duration, level=level,
                    noise_floor=floor)

    def _continue(self, frame: bytes, seconds: float, level: float, floor: float) -> Step:
        tuning = self.tuning
        self._duration += seconds
        voiced = level >= max(floor + tuning.continue_margin, tuning.min_level - 3.0)
        self._voiced_run = self._voiced_run + 1 if voiced else 0
        if voiced:
            self._voiced += seconds
        if self._phase is Phase.SPEECH and not voiced:
            self._phase, self._silence = Phase.PAUSE, seconds
        elif self._phase is Phase.PAUSE and self._voiced_run >= tuning.resume_frames:
            self._phase, self._silence = Phase.SPEECH, 0.0
        elif self._phase is Phase.PAUSE:
            self._silence += seconds
        ended = self._end_reason()
        step = Step(self._phase, audio=frame, ended=ended, trailing_silence=self.trailing_silence,
                    duration=self._duration, level=level, noise_floor=floor)
        if ended is not None:
            self.reset()
            step = Step(Phase.WAITING, audio=frame, ended=ended, trailing_silence=step.trailing_silence,
                        duration=step.duration, level=level, noise_floor=floor)
        return step

    def _end_reason(self) -> EndReason | None:
        if self._phase is Phase.PAUSE and self._silence >= self.end_silence - 1e-9:
            return EndReason.SILENCE if self._voiced >= self.tuning.min_speech else EndReason.TOO_SHORT
        if self._duration >= self.max_utterance - 1e-9:
            return EndReason.MAX_LENGTH
        return None
