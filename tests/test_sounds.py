"""The detector of selecting sounds (voice_assist/sounds.py) on generated material (tests/sound_material.py).

Seeds are from the tuning range (below sound_material.HELD_OUT_SEEDS); scripts/bench_sounds.py reports on the rest.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests import sound_material as material
from tests import spoken
from tests.sound_material import Heard, Scene, listen
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.config import Settings
from voice_assist.sounds import DEFAULT_LEVEL_DB, SoundDetector, SoundEdge, SoundTuning


def onsets(heard: list[Heard]) -> list[Heard]:
    return [one for one in heard if one.edge.started]


def ends(heard: list[Heard]) -> list[Heard]:
    return [one for one in heard if not one.edge.started]


@pytest.mark.parametrize("room", material.ROOMS)
@pytest.mark.parametrize("kind", material.SOUND_KINDS)
def test_each_sound_is_one_sound_of_about_its_length(kind: str, room: str) -> None:
    scene = material.sound_scene(seed=11, room=room, kind=kind, level_db=DEFAULT_LEVEL_DB + 8)
    heard = listen(scene, SoundDetector())
    assert [one.edge.started for one in heard] == [True, False] * len(scene.sounds)
    for truth, onset, end in zip(scene.sounds, onsets(heard), ends(heard), strict=True):
        length = truth.end - truth.start
        assert truth.start - 0.01 <= onset.at <= truth.start + 0.1
        assert end.edge.seconds == pytest.approx(length, abs=max(0.03, 0.3 * length))
        assert end.at == pytest.approx(onset.at + end.edge.seconds)
        assert not end.edge.talk


@pytest.mark.parametrize("kind", ["tongue_click", "finger_tap"])
def test_a_click_is_caught_in_the_frame_it_happens_in(kind: str) -> None:
    scene = material.sound_scene(seed=12, room="fan", kind=kind, level_db=DEFAULT_LEVEL_DB + 5)
    for truth, onset in zip(scene.sounds, onsets(listen(scene, SoundDetector())), strict=True):
        frame_start = onset.reported - 0.03
        assert frame_start - 0.005 <= truth.start < onset.reported


@pytest.mark.parametrize("kind", ["hum", "cough"])
def test_a_hum_or_cough_is_caught_within_100_ms(kind: str) -> None:
    scene = material.sound_scene(seed=13, room="quiet", kind=kind, level_db=DEFAULT_LEVEL_DB + 8)
    for truth, onset in zip(scene.sounds, onsets(listen(scene, SoundDetector())), strict=True):
        assert onset.reported - truth.start <= 0.1


@pytest.mark.parametrize("talk", ["babble", "babble_over_fan"])
def test_a_tv_at_room_level_selects_nothing(talk: str) -> None:
    room = "fan" if talk == "babble_over_fan" else "quiet"
    scene = material.talk_scene(seed=21, talk="babble", level_db=15, seconds=60, room=room)
    assert onsets(listen(scene, SoundDetector())) == []


@pytest.mark.parametrize("seed", range(30, 36))
def test_a_fan_switched_on_selects_nothing(seed: int) -> None:
    assert onsets(listen(material.noise_scene(seed, "fan_on"), SoundDetector())) == []


@pytest.mark.parametrize("echo_db", [10, 20, 30])
def test_the_assistants_own_voice_selects_nothing_while_it_speaks(echo_db: int) -> None:
    scene = material.talk_scene(seed=22, talk="echo", level_db=echo_db, seconds=60)
    assert onsets(listen(scene, SoundDetector())) == []
    if echo_db > DEFAULT_LEVEL_DB - 5:  # loud enough to select if the detector did not know it was the assistant
        assert onsets(listen(Scene(scene.pcm), SoundDetector()))


@pytest.mark.parametrize("kind", ["hum", "tongue_click", "cough"])
def test_a_sound_clearly_louder_than_the_echo_selects_while_the_assistant_speaks(kind: str) -> None:
    scene = material.echo_with_sound(seed=23, echo_db=25, sound_over_echo_db=15, kind=kind)
    [truth] = scene.sounds
    assert any(start <= truth.start < end for start, end in scene.speaking)
    heard = onsets(listen(scene, SoundDetector()))
    assert [round(one.at, 1) for one in heard] == [pytest.approx(truth.start, abs=0.1)]


def test_without_echo_the_own_voice_level_is_just_the_floor() -> None:
    """With a headset nothing comes back: a sound made while the assistant speaks needs only ``level_db``."""
    plain = material.sound_scene(seed=24, room="quiet", kind="hum", level_db=DEFAULT_LEVEL_DB + 5)
    speaking = Scene(plain.pcm, plain.sounds, speaking=((0.5, plain.seconds),))
    assert len(onsets(listen(speaking, SoundDetector()))) == len(plain.sounds)


def test_after_someone_talks_fewer_of_their_next_sentences_select() -> None:
    scene = material.talk_scene(seed=40, talk="conversation", level_db=20, seconds=60)
    heard = listen(scene, SoundDetector())
    forgetful = listen(scene, SoundDetector(tuning=SoundTuning(talk_memory=0.0)))
    assert any(one.edge.talk for one in ends(heard))
    assert len(onsets(heard)) <= 0.75 * len(onsets(forgetful))


def test_a_sound_louder_than_the_talk_before_it_still_selects() -> None:
    talk = material.talk_scene(seed=41, talk="conversation", level_db=20, seconds=20)
    last_talk = max(one.at for one in ends(listen(talk, SoundDetector())) if one.edge.talk)
    samples = np.frombuffer(talk.pcm, dtype="<i2").astype(np.float64)
    blocks = samples[:len(samples) // 160 * 160].reshape(-1, 160)
    loudest = float(np.sqrt(np.max(np.mean(blocks ** 2, axis=1))))
    hum = material.sound("hum", np.random.default_rng(41)) * loudest * 10 ** (8 / 20)
    start = int((last_talk + 1.0) * SAMPLE_RATE)
    end = min(len(samples), start + len(hum))
    samples[start:end] += hum[:end - start]
    heard = onsets(listen(Scene(np.clip(samples, -32768, 32767).astype("<i2").tobytes()), SoundDetector()))
    assert any(abs(one.at - start / SAMPLE_RATE) < 0.1 for one in heard)


def test_a_higher_level_rejects_a_faint_sound_a_lower_one_takes() -> None:
    scene = material.sound_scene(seed=25, room="quiet", kind="hum", level_db=15)
    assert len(onsets(listen(scene, SoundDetector(level_db=10)))) == len(scene.sounds)
    assert onsets(listen(scene, SoundDetector(level_db=20))) == []


def test_the_level_comes_from_the_settings() -> None:
    scene = material.sound_scene(seed=25, room="quiet", kind="hum", level_db=15)
    assert onsets(listen(scene, SoundDetector.from_settings(Settings(sound_level=10.0))))
    assert onsets(listen(scene, SoundDetector.from_settings(Settings(sound_level=20.0)))) == []


@pytest.mark.parametrize("frame_seconds", [0.01, 0.02, 0.025, 0.047, 0.5])
def test_frames_of_any_size_give_the_same_edges(frame_seconds: float) -> None:
    scene = material.sound_scene(seed=26, room="fan", kind="cough", level_db=DEFAULT_LEVEL_DB + 5)
    scene = Scene(scene.pcm + material.sound_scene(seed=27, room="fan", kind="tongue_click", level_db=30).pcm)

    def edges(frame: float) -> list[tuple[bool, float, float]]:
        return [(one.edge.started, round(one.at, 4), round(one.edge.seconds, 4))
                for one in listen(scene, SoundDetector(), frame)]

    expected = edges(0.03)
    assert len(expected) >= 8
    assert edges(frame_seconds) == expected


def test_a_very_long_sound_is_one_sound() -> None:
    hum = material.sound_scene(seed=28, room="quiet", kind="hum", level_db=30, count=1)
    samples = np.frombuffer(hum.pcm, dtype="<i2")
    truth = hum.sounds[0]
    middle = samples[int((truth.start + 0.2) * SAMPLE_RATE):int((truth.end - 0.2) * SAMPLE_RATE)]
    longer = np.concatenate([samples[:int(truth.start * SAMPLE_RATE) + 3200], np.tile(middle, 12),
                             samples[int(truth.end * SAMPLE_RATE) - 3200:]])
    heard = listen(Scene(longer.astype("<i2").tobytes()), SoundDetector())
    assert [one.edge.started for one in heard] == [True, False]


def test_three_quick_taps_are_three_sounds() -> None:
    """The call for help: three taps 0.3 s apart are three sounds, each with its end."""
    rng = np.random.default_rng(29)
    room = material.room_noise("quiet", 3.0, rng)
    tap = material.sound(kind="finger_tap", rng=rng) * np.sqrt(np.mean(room ** 2)) * 10 ** 1.5
    for start in (1.0, 1.3, 1.6):
        room[int(start * SAMPLE_RATE):int(start * SAMPLE_RATE) + len(tap)] += tap
    heard = listen(Scene(np.round(room).astype("<i2").tobytes()), SoundDetector())
    assert [(one.edge.started, round(one.at, 1)) for one in heard] == [
        (True, 1.0), (False, 1.0), (True, 1.3), (False, 1.3), (True, 1.6), (False, 1.6)]
    assert all(0 < one.edge.seconds <= 0.1 for one in ends(heard))


def test_digital_silence_is_not_a_floor_that_anything_rises_above() -> None:
    quiet = bytes(SAMPLE_RATE * 2)
    tiny = (np.random.default_rng(3).standard_normal(SAMPLE_RATE) * 8).astype("<i2").tobytes()
    assert onsets(listen(Scene(quiet + tiny + quiet), SoundDetector())) == []


def _short_ends(heard: list[Heard]) -> list[SoundEdge]:
    return [one.edge for one in ends(heard) if one.edge.seconds <= 0.5 and not one.edge.talk]


@pytest.mark.parametrize("kind", material.SOUND_KINDS)
def test_the_sounds_that_call_for_help_are_not_words(kind: str) -> None:
    for seed in (21, 22):
        heard = listen(material.call_scene(seed, "quiet", kind, DEFAULT_LEVEL_DB + 5), SoundDetector())
        assert len(ends(heard)) == 3
        assert not any(one.edge.word for one in ends(heard))


@pytest.mark.parametrize("voice", ["en-us", "en-gb+m3"])
def test_the_words_of_a_question_asked_slowly_are_words(voice: str) -> None:
    """A pause after each word makes each a short sound of its own, as three taps would be."""
    rng = np.random.default_rng(5)
    for text in ("what is A L S", "what does ALS mean", "can I get it"):
        speech = np.frombuffer(spoken.synthesize(text, voice, 140, word_gap_ms=400, lead_silence_s=1.5),
                               dtype="<i2").astype(np.float64)
        scene = Scene(np.clip(speech + material.room_noise("quiet", speech.size / SAMPLE_RATE, rng)[:speech.size],
                              -32768, 32767).astype("<i2").tobytes())
        short = _short_ends(listen(scene, SoundDetector()))
        not_words = "".join("w" if edge.word else "-" for edge in short)
        assert "---" not in not_words, f"{text!r}: {not_words}"
        assert not_words.count("w") >= len(short) / 2, f"{text!r}: {not_words}"
