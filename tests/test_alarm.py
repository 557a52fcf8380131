"""The call for help's sound: the chime itself (pure), and the Alarm through the private PulseAudio server's
virtual speaker and a second null sink ("bedroom") standing for a speaker in another room."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.virtual_audio import VirtualAudio
from voice_assist.alarm import (
    MAIN_LEVEL,
    PARTIALS,
    PEAK,
    PERIOD_SECONDS,
    RATE,
    RETRY_SECONDS,
    TONE_SECONDS,
    TONE_SPACING,
    TONES,
    Alarm,
    chime,
    find_alarm_output,
)
from voice_assist.config import Settings
from voice_assist.devices import list_devices
from voice_assist.ops.doctor import Status, check_alarm_output

RECORD_RATE = 16_000
FRAME = RECORD_RATE // 100
"""10 ms analysis frames."""
SOUND_LEVEL = 300.0
"""RMS (of 32767) above which a frame counts as sound; the null sink's silence is exactly zero."""
QUIET_BEFORE_ONSET = 0.5
"""Seconds of quiet before a sound that make it the start of a new chime (the tones within one are closer)."""
PERIOD_TOLERANCE = 0.1
"""Seconds by which the recorded repeat may differ from PERIOD_SECONDS (10 ms frames, server scheduling)."""
STOP_BOUND = 0.5
"""Seconds: after stop() the speaker must be silent within this (behaviour, not a benchmark)."""
LEVEL_TOLERANCE = 0.1
"""Share by which a recorded peak may differ from the level played (the server's resampling to 16 kHz)."""
TONE_BAND = 10.0
"""Hertz either side of a partial that count as that partial's energy."""
SOUNDING = 7.0
"""Seconds an alarm is left sounding: two full periods and the start of a third."""


# --- The chime (pure) -----------------------------------------------------------------------------------

def test_the_chime_is_steady_tones_far_from_speech() -> None:
    """Nearly all its energy sits on a few exact frequencies (speech spreads over 100-4000 Hz and glides),
    none of it near a voice's pitch."""
    samples = chime(RATE).astype(np.float64)
    power = np.abs(np.fft.rfft(samples)) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / RATE)
    partials = [tone * multiple for tone in TONES for multiple, _, _ in PARTIALS]
    on_partials = np.zeros(len(frequencies), dtype=bool)
    for partial in partials:
        on_partials |= np.abs(frequencies - partial) <= TONE_BAND
    assert power[on_partials].sum() / power.sum() > 0.95
    assert power[frequencies < 500].sum() / power.sum() < 0.001


def test_the_chime_is_loud_without_clipping_and_rises_tone_by_tone() -> None:
    samples = chime(RATE)
    assert PEAK * 32767 * 0.99 <= np.max(np.abs(samples.astype(np.int32))) < 32767
    for number, tone in enumerate(TONES):
        start = round((number * TONE_SPACING + 0.02) * RATE)
        window = samples[start:start + round(0.25 * RATE)].astype(np.float64)
        spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
        strongest = np.fft.rfftfreq(len(window), 1 / RATE)[np.argmax(spectrum)]
        assert abs(strongest - tone) < 10


def test_the_chime_leaves_a_gap_to_answer_in_and_repeats_every_period() -> None:
    samples = chime(RATE)
    assert len(samples) == round(PERIOD_SECONDS * RATE)
    sounding = np.nonzero(samples)[0]
    last = sounding[-1] / RATE
    assert last == pytest.approx((len(TONES) - 1) * TONE_SPACING + TONE_SECONDS, abs=0.01)
    assert PERIOD_SECONDS - last >= 1.5  # "I'm here" (about 0.6 s) and the end-of-question silence
    assert samples[0] == 0  # it starts and ends without a click


def test_an_unset_alarm_output_is_none() -> None:
    assert find_alarm_output(None) is None
    assert find_alarm_output("  ") is None


# --- Through the virtual speaker -------------------------------------------------------------------------

def _position(path: Path) -> int:
    return path.stat().st_size // 2 * 2


def _samples(path: Path, start: int, end: int | None = None) -> np.ndarray:
    data = path.read_bytes()[start:end]
    return np.frombuffer(data[:len(data) // 2 * 2], dtype="<i2").astype(np.float64)


def _loud_frames(samples: np.ndarray) -> np.ndarray:
    frames = samples[:len(samples) // FRAME * FRAME].reshape(-1, FRAME)
    return np.nonzero(np.sqrt(np.mean(frames ** 2, axis=1)) > SOUND_LEVEL)[0]


def _onsets(samples: np.ndarray) -> list[float]:
    """Seconds at which a chime starts: a loud frame after QUIET_BEFORE_ONSET of quiet."""
    loud = _loud_frames(samples)
    gap = round(QUIET_BEFORE_ONSET * 100)
    return [frame / 100 for number, frame in enumerate(loud) if number == 0 or frame - loud[number - 1] > gap]


def _tone_share(samples: np.ndarray) -> float:
    """Share of the recording's energy within TONE_BAND of the chime's fundamentals and overtones."""
    power = np.abs(np.fft.rfft(samples)) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / RECORD_RATE)
    near = np.zeros(len(frequencies), dtype=bool)
    for partial in (tone * multiple for tone in TONES for multiple, _, _ in PARTIALS):
        near |= np.abs(frequencies - partial) <= TONE_BAND
    return float(power[near].sum() / power.sum())


def _peak(samples: np.ndarray) -> float:
    return float(np.max(np.abs(samples))) / 32767 if samples.size else 0.0


@contextmanager
def _sink(pulse: VirtualAudio, name: str, description: str) -> Iterator[None]:
    """A second null sink: a speaker in another room."""
    module = pulse.pactl("load-module", "module-null-sink", f"sink_name={name}",
                         f"sink_properties=device.description={description}").strip()
    try:
        yield
    finally:
        pulse.pactl("unload-module", module)


def _sound(alarm: Alarm, paths: list[Path], seconds: float = SOUNDING) -> tuple[list[int], list[int]]:
    """Start, wait, stop, wait; the recordings' positions at start() and at stop()."""
    started = [_position(path) for path in paths]
    alarm.start()
    time.sleep(seconds)
    stopped = [_position(path) for path in paths]
    alarm.stop()
    time.sleep(1.0)
    return started, stopped


def _assert_silent_after_stop(path: Path, stopped: int) -> None:
    after = _loud_frames(_samples(path, stopped))
    assert after.size == 0 or after[-1] / 100 < STOP_BOUND, f"sound {after[-1] / 100:.2f} s after stop()"


def test_the_alarm_chimes_on_the_speaker_until_stopped_and_twice_started_is_one(pulse: VirtualAudio,
                                                                                 tmp_path: Path) -> None:
    recording = tmp_path / "speaker.raw"
    with pulse.record_speaker(recording), Alarm(None) as alarm:
        started = _position(recording)
        alarm.start()
        alarm.start()
        assert alarm.sounding
        time.sleep(SOUNDING)
        stopped = _position(recording)
        alarm.stop()
        alarm.stop()
        assert not alarm.sounding
        time.sleep(1.0)
    heard = _samples(recording, started, stopped)
    onsets = _onsets(heard)
    assert len(onsets) == 3, onsets  # one alarm: a second one would add onsets between or clip
    assert np.diff(onsets) == pytest.approx([PERIOD_SECONDS] * 2, abs=PERIOD_TOLERANCE)
    assert _tone_share(heard) > 0.9
    assert _peak(heard) == pytest.approx(PEAK, rel=LEVEL_TOLERANCE)
    _assert_silent_after_stop(recording, stopped)


def test_a_sink_named_as_alarm_output_chimes_and_the_main_speaker_softly(pulse: VirtualAudio,
                                                                          tmp_path: Path) -> None:
    """Named by part of its description, as a caregiver would ("Bedroom" for "Bedroom speaker")."""
    main, bedroom = tmp_path / "speaker.raw", tmp_path / "bedroom.raw"
    with (_sink(pulse, "bedroom", "Bedroom_speaker"), pulse.record_speaker(main),
          pulse.record_speaker(bedroom, sink="bedroom"), Alarm("bedroom_SPEAKER") as alarm):
        (main_start, bedroom_start), (main_stop, bedroom_stop) = _sound(alarm, [main, bedroom])
        assert alarm.problem is None
    in_bedroom = _samples(bedroom, bedroom_start, bedroom_stop)
    assert np.diff(_onsets(in_bedroom)) == pytest.approx([PERIOD_SECONDS] * 2, abs=PERIOD_TOLERANCE)
    assert _tone_share(in_bedroom) > 0.9
    assert _peak(in_bedroom) == pytest.approx(PEAK, rel=LEVEL_TOLERANCE)
    by_the_bed = _samples(main, main_start, main_stop)
    assert len(_onsets(by_the_bed)) == 3
    assert _peak(by_the_bed) == pytest.approx(PEAK * MAIN_LEVEL, rel=LEVEL_TOLERANCE)
    _assert_silent_after_stop(bedroom, bedroom_stop)
    _assert_silent_after_stop(main, main_stop)


def test_a_portaudio_device_is_chosen_by_index_and_the_main_speaker_itself_sounds_once(
        pulse: VirtualAudio, tmp_path: Path) -> None:
    default = next(device for device in list_devices() if device.is_default_output)
    recording = tmp_path / "speaker.raw"
    with pulse.record_speaker(recording), Alarm(str(default.index)) as alarm:
        (started,), (stopped,) = _sound(alarm, [recording])
        assert alarm.problem is None
    heard = _samples(recording, started, stopped)
    assert len(_onsets(heard)) == 3
    assert _peak(heard) == pytest.approx(PEAK, rel=LEVEL_TOLERANCE)  # full, and not doubled


def test_a_bad_output_falls_back_to_the_main_speaker_with_a_message(pulse: VirtualAudio, tmp_path: Path) -> None:
    problems: list[str] = []
    recording = tmp_path / "speaker.raw"
    with pulse.record_speaker(recording), Alarm("kitchen radio", on_problem=problems.append) as alarm:
        (started,), (stopped,) = _sound(alarm, [recording], seconds=PERIOD_SECONDS + RETRY_SECONDS)
    assert len(problems) == 1, problems  # reported once, not at every retry
    assert "alarm_output = 'kitchen radio' matches no speaker" in problems[0]
    assert "speaker (Null Output)" in problems[0] and "pulse" in problems[0]
    assert "'voice-assist devices'" in problems[0] and "sounds on the main speaker" in problems[0]
    heard = _samples(recording, started, stopped)
    assert _onsets(heard)
    assert _peak(heard) == pytest.approx(PEAK, rel=LEVEL_TOLERANCE)


def test_a_speaker_that_vanishes_is_reported_and_taken_back_when_it_returns(pulse: VirtualAudio,
                                                                             tmp_path: Path) -> None:
    """The bedroom sink is unloaded mid-alarm (a Bluetooth speaker switched off): the main speaker goes up to
    full level; loaded again, the bedroom chimes again and the problem clears."""
    problems: list[str] = []
    main, bedroom = tmp_path / "speaker.raw", tmp_path / "bedroom.raw"
    with pulse.record_speaker(main), Alarm("bedroom", on_problem=problems.append) as alarm:
        with _sink(pulse, "bedroom", "Bedroom"):
            alarm.start()
            time.sleep(1.0)
            assert alarm.problem is None
        vanished = _position(main)
        time.sleep(PERIOD_SECONDS + 1.0)
        after_vanishing = _samples(main, vanished)
        assert problems and "stopped sounding on Bedroom (bedroom)" in problems[0]
        with _sink(pulse, "bedroom", "Bedroom"), pulse.record_speaker(bedroom, sink="bedroom"):
            time.sleep(RETRY_SECONDS + PERIOD_SECONDS + 1.0)
            assert alarm.problem is None
            alarm.stop()
    assert _peak(after_vanishing) == pytest.approx(PEAK, rel=LEVEL_TOLERANCE)
    assert _onsets(_samples(bedroom, 0))


def test_many_starts_and_stops_leave_no_thread_process_or_file_behind(pulse: VirtualAudio,
                                                                        tmp_path: Path) -> None:
    recording = tmp_path / "speaker.raw"
    with _sink(pulse, "bedroom", "Bedroom"), pulse.record_speaker(recording):
        threads, files, children = threading.active_count(), len(os.listdir("/proc/self/fd")), _children()
        with Alarm("bedroom") as alarm:
            for _ in range(10):
                alarm.start()
                time.sleep(0.3)
                alarm.stop()
            alarm.start()
            alarm.stop()
            stopped = _position(recording)
            time.sleep(1.0)
        assert threading.active_count() == threads
        assert len(os.listdir("/proc/self/fd")) == files
        assert _children() == children  # every paplay ended and was waited for
    _assert_silent_after_stop(recording, stopped)


def _line_over_neighbours(samples: np.ndarray, frequency: float) -> float:
    """Power within 5 Hz of ``frequency`` over the power 30-60 Hz either side: a steady tone stands far above
    its neighbourhood, speech (harmonics gliding with the pitch) does not."""
    power = np.abs(np.fft.rfft(samples)) ** 2
    distance = np.abs(np.fft.rfftfreq(len(samples), 1 / RECORD_RATE) - frequency)
    return float(power[distance <= 5].mean() / power[(distance >= 30) & (distance <= 60)].mean())


def test_the_alarm_sounds_over_speech_that_was_not_stopped(pulse: VirtualAudio, tmp_path: Path) -> None:
    """The lead stops speech before the alarm, but the alarm must not rely on it: both streams play."""
    from voice_assist.speak.speaker import Speaker

    recording = tmp_path / "speaker.raw"
    passage = "ALS is a disease of the nerve cells that control the muscles. " * 8
    with pulse.record_speaker(recording), Speaker() as speaker, Alarm(None) as alarm:
        speaker.say(passage)
        deadline = time.monotonic() + 30  # the speech worker starts first
        while speaker.first_sample_time is None and time.monotonic() < deadline:
            time.sleep(0.05)
        speech_only = _position(recording)
        time.sleep(PERIOD_SECONDS)
        started = _position(recording)
        alarm.start()
        time.sleep(PERIOD_SECONDS * 2)
        stopped = _position(recording)
        still_speaking = speaker.speaking
        alarm.stop()
        speaker.stop()
    assert still_speaking
    speech = _samples(recording, speech_only, started)
    both = _samples(recording, started, stopped)
    assert _loud_frames(speech).size > 0.5 * len(speech) / FRAME  # speech was playing before the alarm
    for tone in TONES:
        assert _line_over_neighbours(both, tone) > 10 * _line_over_neighbours(speech, tone)


def _children() -> set[str]:
    """Process ids of this process's children (parecord is one)."""
    return {pid for task in Path("/proc/self/task").glob("*/children") for pid in task.read_text().split()}


def test_doctor_finds_the_alarm_output_without_sounding_it(pulse: VirtualAudio, tmp_path: Path) -> None:
    recording = tmp_path / "speaker.raw"
    with _sink(pulse, "bedroom", "Bedroom"), pulse.record_speaker(recording):
        started = _position(recording)
        found = check_alarm_output(Settings(alarm_output="bedroom"))
        missing = check_alarm_output(Settings(alarm_output="garage"))
        unset = check_alarm_output(Settings())
        time.sleep(0.5)
        assert _loud_frames(_samples(recording, started)).size == 0
    assert found.status is Status.OK and "Bedroom (bedroom)" in found.detail
    assert missing.status is Status.PROBLEM
    assert "alarm_output = 'garage' matches no speaker" in missing.detail and "bedroom (Bedroom)" in missing.detail
    assert "alarm_output" in missing.fix and missing.spoken
    assert unset.status is Status.OK and "speaker the answers come from" in unset.detail
