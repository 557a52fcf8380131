"""Selecting sounds for auditory scanning: any sound the user can still make (a click of the tongue, a tap, a
hum, a breath blown at the microphone, a cough) that rises far enough above the room.

Pure, like ``vad.py``: frames of 16 kHz mono s16le of any length go in, the edges of sounds come out; no
audio I/O, no clock (time is counted in samples). Frames are cut into blocks of 10 ms, so a click of 10 ms
is caught in the frame it is in, and frames of any size give the same edges at the same places.

A block starts a sound when its RMS level or its peak rises ``level_db`` above the reference: the room's noise
floor (a low percentile of the last seconds), or the quietest of the last half second when that is higher,
so a fan spinning up or a TV talking without pause never starts one. While the assistant speaks (and for
``echo_tail`` after) its own voice may come back through the microphone: the block must then also rise
``echo_margin`` above the loudest the assistant's voice has reached in the microphone, and the floor does not
learn from it. A sound ends after ``end_quiet`` below the release level (hysteresis); only then can the next
one start. A sound that rose and fell like three or more syllables was someone talking: its end says so, and
for ``talk_memory`` after it a sound must be louder than that talk.

Edges come out of ``push`` one at a time; an end is known ``end_quiet`` after the sound fell quiet, so its
``offset`` is negative (the time of the fall, from the start of the frame that reports it).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from voice_assist import voicing
from voice_assist.audio_format import SAMPLE_RATE, SAMPLE_WIDTH, bytes_for
from voice_assist.config import Settings
from voice_assist.vad import frame_level

BLOCK_SECONDS = 0.01
"""The detector's step: a click of 10 ms fills one block, and the onset is placed to within 10 ms."""
BLOCK_BYTES = bytes_for(BLOCK_SECONDS)
SILENT_DB = -100.0
"""The level of digital silence (as ``vad.frame_level`` reports it)."""

DEFAULT_LEVEL_DB = 20.0
"""How far above the reference a block must rise to start a sound, by default (``Settings.sound_level``).
Chosen on the tuning material (scripts/bench_sounds.py --split tuning): at 20 it caught 99 % of sounds 20 dB
over the room and none of a TV 15 dB over it, and no fan switched on; at 15 a TV at room level made 380 onsets
an hour; at 25 only 18 % of sounds 20 dB over the room were caught."""


@dataclass(frozen=True)
class SoundTuning:
    """Levels in dB (dBFS for absolute ones), durations in seconds."""

    noise_window: float = 3.0
    """The noise floor is a low percentile of the block levels over this long (as in vad.py): it follows a
    fan switched on within seconds, while sounds of up to a second or two leave it at the room's level."""
    noise_percentile: float = 10.0
    recent_window: float = 0.3
    """The reference is at least the quietest block of this long before: noise that grows slower than
    ``level_db`` in this time (a fan or vacuum cleaner spinning up) or never falls back (a TV, several
    voices) does not start a sound, while a hum's onset (30-100 ms) does. Measured on 20 tuning fans
    switched on (10-30 dB, spinning up in 0.5-2 s) at level 20: 0.2 s and 0.3 s no onset, 0.4 and 0.5 s three,
    1 s nine of 12; of 24 breaths (the slowest onsets) 0.2 s missed 3, 0.3 s one, 0.4 s none."""
    calibration: float = 0.3
    """No sound starts before this much of the room has been heard, so that the floor is measured first."""
    min_rms_dbfs: float = -62.0
    """Nothing with a lower RMS is a sound, however quiet the room (digital silence has no noise floor)."""
    min_peak_dbfs: float = -52.0
    """Nothing with a lower peak is a sound: the peak of hiss is about 10 dB over its RMS."""
    hysteresis: float = 8.0
    """Within a sound, blocks this much below the starting level still keep it going (at most half of
    ``level_db``): a hum's wavering and a cough's second part stay one sound. Measured on 2 min of tuning
    TV babble 20 dB over the room: 4 dB made 9 onsets, 8 and 12 dB two (a babble's syllables, cut short)."""
    end_quiet: float = 0.15
    """A sound ends after this long below the release level, and only then can the next start: the dip in
    a cough (30-100 ms) stays inside it; a tap repeated three times a second makes three sounds. Measured on
    20 tuning calls for help (three sounds 0.15-0.5 s apart): 0.08 s caught 85 %, 0.15 s all, 0.25 s 55 %;
    no cough, hum or breath was split in two at any of them."""
    echo_tail: float = 0.3
    """After the assistant stops speaking, its voice still comes out of the speaker this long (output latency,
    the room's reverberation): the echo's level still applies."""
    echo_window: float = 6.0
    """The assistant's voice in the microphone is measured over the last this many seconds of speaking."""
    echo_percentile: float = 98.0
    """The echo's level is this percentile of its block levels: its loudest syllables, bar a few."""
    echo_margin: float = 8.0
    """While the assistant speaks a sound must also rise this far above its echo's level. Measured on the
    tuning material (echo 10-30 dB over the room): false onsets began at 4 dB; at 8 a hum, click or cough
    10 dB over the echo's loudest 10 ms was caught 7 times in 10, 15 dB over it every time."""
    talk_syllables: int = 3
    """A sound with at least this many syllables (rises and falls of ``syllable_dip``) is someone talking:
    a hum, a breath, a click or a cough has one or two."""
    syllable_dip: float = 6.0
    """dB a level must fall and rise again to count as a new syllable (10 ms levels smoothed over 30 ms)."""
    talk_memory: float = 10.0
    """For this long after someone talked, a sound must also rise ``talk_margin`` over the loudest of their
    talk (``talk_percentile`` of its blocks): the next sentence of a conversation does not select, a sound
    louder than the talk still does. Measured on 3 min of tuning conversation 20 and 25 dB over the room,
    onsets per hour fell from 2140 and 1860 to 920 and 460 (90th percentile and 0 dB: no change; 98th: 1440
    and 1600); none of 360 sounds of the five kinds was taken for talk."""
    talk_percentile: float = 99.0
    talk_margin: float = 3.0
    echo_probation: float = 0.2
    """Blocks heard while the assistant speaks wait this long before they count as its echo; a sound that
    starts meanwhile takes them out, so a hum's onset ramp (30-100 ms) does not raise the echo's level and
    hide the hum (measured: without it, with a headset, every hum made while speaking was lost)."""
    echo_learning: float = 0.5
    """Until this many seconds of the assistant's speaking have been heard, its echo's level is not known
    and nothing starts while it speaks."""
    word_voiced_share: float = 0.3
    word_centroid_spread: float = 100.0
    """A short sound is a spoken word when at least ``word_voiced_share`` of its 30 ms frames are voiced and
    its spectral centroid moves by at least ``word_centroid_spread`` Hz (standard deviation over the frames):
    a consonant into a vowel. A hum is voiced but its spectrum stays put (spread 3-16 Hz); a breath or a cough
    is not voiced; a click or a tap is too short to have frames. Measured on the tuning calls for help of
    tests/sound_material.py (4 seeds of each kind, all kept as signals) and on halting questions (espeak-ng,
    a pause after each word, which the soak had taken for three taps): 98 of 116 words were word-like, and no
    three words in a row were not. Held out (scripts/bench_sounds.py, level 20): calls for help caught 93 % with
    and without the rule; questions asked a word at a time taken for three short sounds 38 % to 2 %; conversation
    25 dB over the room 30 false calls an hour to 0."""


@dataclass(frozen=True)
class SoundEdge:
    """The start or the end of a sound."""

    started: bool
    """True at the onset, False at the end."""
    seconds: float
    """At the end: how long the sound lasted (to where it fell quiet); 0 at the onset."""
    offset: float
    """Seconds from the start of the frame just pushed to the edge. Negative when the edge was before it:
    an end is known only ``end_quiet`` after the sound fell quiet, and an edge after another in the same
    frame is reported with the next frame."""
    level_db: float
    """At the onset: how far the starting block rose above the reference; at the end: the most any block of
    the sound did."""
    talk: bool = False
    """At the end: the sound rose and fell like syllables of speech (someone talking, not a selecting sound;
    its onset was reported all the same)."""
    word: bool = False
    """At the end: a short sound voiced with a moving spectrum, like one spoken word (``SoundTuning``)."""


class SoundDetector:
    """Finds the sounds in a stream of 16 kHz mono s16le frames; push them in order with ``push``."""

    def __init__(self, level_db: float = DEFAULT_LEVEL_DB, tuning: SoundTuning | None = None) -> None:
        """``level_db``: dB above the room's noise (and above the recent quiet) a sound must rise."""
        self.level_db = level_db
        self.tuning = tuning or SoundTuning()
        blocks = round(self.tuning.noise_window / BLOCK_SECONDS)
        self._floor_rms: deque[float] = deque(maxlen=blocks)
        self._floor_peak: deque[float] = deque(maxlen=blocks)
        self._recent_rms: deque[float] = deque(maxlen=round(self.tuning.recent_window / BLOCK_SECONDS))
        self._recent_peak: deque[float] = deque(maxlen=round(self.tuning.recent_window / BLOCK_SECONDS))
        echo_blocks = round(self.tuning.echo_window / BLOCK_SECONDS)
        self._echo_rms: deque[float] = deque(maxlen=echo_blocks)
        self._echo_peak: deque[float] = deque(maxlen=echo_blocks)
        self._echo_probation: deque[tuple[float, float]] = deque(
            maxlen=round(self.tuning.echo_probation / BLOCK_SECONDS) + 1)
        self._talk_rms: deque[float] = deque(maxlen=round(self.tuning.talk_memory / BLOCK_SECONDS))
        self._talk_peak: deque[float] = deque(maxlen=round(self.tuning.talk_memory / BLOCK_SECONDS))
        self._talk_until = -1
        """The sample until which talk was recent."""
        self._pending = b""
        self._held: list[tuple[SoundEdge, int]] = []
        self._sample = 0
        """Samples pushed so far; the clock."""
        self._since_speaking = self.tuning.echo_tail
        self._sound: _Sound | None = None

    @classmethod
    def from_settings(cls, settings: Settings, tuning: SoundTuning | None = None) -> SoundDetector:
        return cls(level_db=settings.sound_level, tuning=tuning)

    @property
    def in_sound(self) -> bool:
        return self._sound is not None

    def push(self, frame: bytes, speaking: bool) -> SoundEdge | None:
        """Feed the next frame; ``speaking`` while the assistant's voice plays. Returns the edge of a sound
        in it (or one held from the frame before), else None."""
        frame_start = self._sample
        self._sample += len(frame) // SAMPLE_WIDTH
        data = self._pending + frame
        whole = len(data) // BLOCK_BYTES * BLOCK_BYTES
        block_start = frame_start - len(self._pending) // SAMPLE_WIDTH
        self._pending = data[whole:]
        for begin in range(0, whole, BLOCK_BYTES):
            found = self._step(data[begin:begin + BLOCK_BYTES], speaking, block_start + begin // SAMPLE_WIDTH)
            if found is not None:
                self._held.append(found)
        if not self._held:
            return None
        edge, at = self._held.pop(0)
        return replace(edge, offset=(at - frame_start) / SAMPLE_RATE)

    def _step(self, block: bytes, speaking: bool, at: int) -> tuple[SoundEdge, int] | None:
        """One block of 10 ms starting at sample ``at``: an edge and the sample it happened at, or None."""
        tuning = self.tuning
        rms = frame_level(block)
        peak = _peak_level(block)
        self._since_speaking = 0.0 if speaking else self._since_speaking + BLOCK_SECONDS
        echo = self._since_speaking < tuning.echo_tail
        edge = self._continue(block, rms, peak, echo, at) if self._sound else self._start(block, rms, peak, echo, at)
        if speaking and self._sound is None:
            self._learn_echo(rms, peak)
        elif self._sound is not None:
            self._echo_probation.clear()
        if not echo:
            self._floor_rms.append(rms)
            self._floor_peak.append(peak)
        self._recent_rms.append(rms)
        self._recent_peak.append(peak)
        return edge

    def _start(self, block: bytes, rms: float, peak: float, echo: bool, at: int) -> tuple[SoundEdge, int] | None:
        tuning = self.tuning
        if len(self._floor_rms) * BLOCK_SECONDS < tuning.calibration - 1e-9:
            return None
        if echo and len(self._echo_rms) * BLOCK_SECONDS < tuning.echo_learning - 1e-9:
            return None
        reference = (max(_percentile(self._floor_rms, tuning.noise_percentile), min(self._recent_rms)),
                     max(_percentile(self._floor_peak, tuning.noise_percentile), min(self._recent_peak)))
        echo_top = self._echo_top() if echo else (SILENT_DB, SILENT_DB)
        talk_top = self._talk_top() if at < self._talk_until else (SILENT_DB, SILENT_DB)
        needed = (max(reference[0] + self.level_db, echo_top[0] + tuning.echo_margin,
                      talk_top[0] + tuning.talk_margin, tuning.min_rms_dbfs),
                  max(reference[1] + self.level_db, echo_top[1] + tuning.echo_margin,
                      talk_top[1] + tuning.talk_margin, tuning.min_peak_dbfs))
        over = max(rms - needed[0], peak - needed[1])
        if over < 0:
            return None
        self._sound = _Sound(at, needed, over + self.level_db)
        self._sound.levels.append((rms, peak))
        self._sound.keep(block)
        return SoundEdge(True, 0.0, 0.0, float(over + self.level_db)), at

    def _continue(self, block: bytes, rms: float, peak: float, echo: bool, at: int) -> tuple[SoundEdge, int] | None:
        sound = self._sound
        assert sound is not None
        tuning = self.tuning
        give = min(tuning.hysteresis, self.level_db / 2)
        floor = (_percentile(self._floor_rms, tuning.noise_percentile) + self.level_db,
                 _percentile(self._floor_peak, tuning.noise_percentile) + self.level_db)
        echo_top = self._echo_top() if echo else (SILENT_DB, SILENT_DB)
        release = (max(sound.needed[0], floor[0], echo_top[0] + tuning.echo_margin) - give,
                   max(sound.needed[1], floor[1], echo_top[1] + tuning.echo_margin) - give)
        sound.levels.append((rms, peak))
        sound.keep(block)
        if rms >= release[0] or peak >= release[1]:
            sound.quiet_from = None
            over = max(rms - sound.needed[0], peak - sound.needed[1])
            sound.loudest = max(sound.loudest, float(self.level_db + over))
            return None
        if sound.quiet_from is None:
            sound.quiet_from = at
        if (at + BLOCK_BYTES // SAMPLE_WIDTH - sound.quiet_from) / SAMPLE_RATE < tuning.end_quiet - 1e-9:
            return None
        self._sound = None
        levels = [level for level, _peak in sound.levels]
        talk = _syllables(levels, sound.needed[0] - self.level_db, tuning.syllable_dip) >= tuning.talk_syllables
        if talk:
            self._talk_rms.extend(level for level, _peak in sound.levels)
            self._talk_peak.extend(peak for _level, peak in sound.levels)
            self._talk_until = sound.quiet_from + round(tuning.talk_memory * SAMPLE_RATE)
        length = (sound.quiet_from - sound.start) / SAMPLE_RATE
        word = not talk and _word_like(sound.samples(sound.quiet_from - sound.start), tuning)
        return SoundEdge(False, length, 0.0, sound.loudest, talk, word), sound.quiet_from

    def _learn_echo(self, rms: float, peak: float) -> None:
        self._echo_probation.append((rms, peak))
        if len(self._echo_probation) == self._echo_probation.maxlen:
            rms, peak = self._echo_probation.popleft()
            self._echo_rms.append(rms)
            self._echo_peak.append(peak)

    def _talk_top(self) -> tuple[float, float]:
        percentile = self.tuning.talk_percentile
        return _percentile(self._talk_rms, percentile), _percentile(self._talk_peak, percentile)

    def _echo_top(self) -> tuple[float, float]:
        percentile = self.tuning.echo_percentile
        return _percentile(self._echo_rms, percentile), _percentile(self._echo_peak, percentile)


class _Sound:
    """The sound going on."""

    def __init__(self, start: int, needed: tuple[float, float], loudest: float) -> None:
        self.start = start
        """The sample it started at."""
        self.needed = needed
        """The RMS and peak levels (dBFS) that started it."""
        self.loudest = loudest
        self.quiet_from: int | None = None
        """The sample from which it has been below the release level, if it is."""
        self.levels: list[tuple[float, float]] = []
        """The RMS and peak level of each block so far."""
        self._audio = bytearray()
        """Its first ``KEPT_SECONDS``, to tell a word from other sounds."""

    def keep(self, block: bytes) -> None:
        if len(self._audio) < KEPT_BYTES:
            self._audio += block

    def samples(self, count: int) -> np.ndarray:
        """Its first ``count`` samples (at most ``KEPT_SECONDS``), as floats."""
        return np.frombuffer(bytes(self._audio[:count * SAMPLE_WIDTH]), dtype="<i2").astype(np.float64)


KEPT_SECONDS = 1.0
"""Sounds are kept this long to tell a word: calls for help are made of sounds of at most 0.5 s."""
KEPT_BYTES = bytes_for(KEPT_SECONDS)


def _word_like(samples: np.ndarray, tuning: SoundTuning) -> bool:
    """Voiced frames with a spectrum that moves (``SoundTuning.word_voiced_share``)."""
    loud = voicing.frames_of(samples)
    if not loud.shape[0]:
        return False
    voiced = np.mean(voicing.periodicities(loud) >= voicing.VOICED_CORRELATION)
    spectra = voicing.power_spectra(loud)
    frequencies = np.fft.rfftfreq(voicing.FRAME, 1 / SAMPLE_RATE)
    centroids = (spectra @ frequencies) / (spectra.sum(axis=1) + 1e-9)
    return bool(voiced >= tuning.word_voiced_share and np.std(centroids) >= tuning.word_centroid_spread)


def _syllables(levels: list[float], start: float, dip: float) -> int:
    """How many times the level (smoothed over 3 blocks), from ``start``, rose and then fell by ``dip`` dB."""
    smooth = np.convolve(levels, np.ones(3) / 3, mode="valid") if len(levels) >= 3 else levels
    count, low, high, rising = 0, start, start, True
    for level in smooth:
        if rising:
            high = max(high, level)
            if high - low >= dip and level <= high - dip:
                count, low, rising = count + 1, level, False
        else:
            low = min(low, level)
            if level >= low + dip:
                high, rising = level, True
    return count


def _peak_level(block: bytes) -> float:
    """The largest sample of s16le audio in dBFS (-100 for silence)."""
    samples = np.frombuffer(block, dtype="<i2")
    peak = int(np.max(np.abs(samples.astype(np.int32)))) if samples.size else 0
    return max(SILENT_DB, 20.0 * float(np.log10(peak / 32768.0 + 1e-10)))


def _percentile(levels: deque[float], percentile: float) -> float:
    if not levels:
        return SILENT_DB
    return float(np.percentile(np.fromiter(levels, float, len(levels)), percentile))
