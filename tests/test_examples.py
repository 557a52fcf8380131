"""Matching by the user's own recordings: real synthesized takes of the slurred test voice, real WAV files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.slurred import ENROLMENT, OTHER_VOICES, TEST, UNTUNED_VOICES, other_voice, take, written_neighbours
from tests.spoken import silence
from voice_assist.example_store import ExampleStore, load_matcher, voice_folder
from voice_assist.examples import ExampleMatcher, dtw_distances, voiced_features

PHRASES = ("stop", "louder", "treatment", "risk factors")
TAKES = 3


@pytest.fixture(scope="module")
def enrolment() -> dict[str, list[bytes]]:
    return {phrase: [take(phrase, ENROLMENT, seed) for seed in range(TAKES)] for phrase in PHRASES}


@pytest.fixture
def matcher(enrolment: dict[str, list[bytes]]) -> ExampleMatcher:
    matcher = ExampleMatcher()
    for phrase, takes in enrolment.items():
        for pcm in takes:
            assert matcher.add(phrase, pcm)
    return matcher


@pytest.mark.parametrize("phrase", PHRASES)
def test_an_enrolled_phrase_said_again_in_another_take_is_matched(matcher: ExampleMatcher, phrase: str) -> None:
    found = matcher.match(take(phrase, TEST, seed=50))
    assert found is not None and found.phrase == phrase
    assert 0 < found.confidence <= 1 and found.margin > 0 and found.distance < matcher.reject_distance


@pytest.mark.parametrize("text", ["coffee", "the cat is asleep on the chair", "where are my glasses"])
def test_words_not_enrolled_in_the_same_voice_match_nothing(matcher: ExampleMatcher, text: str) -> None:
    assert matcher.match(take(text, TEST, seed=50)) is None


@pytest.mark.parametrize("text", ["stopwatch", "treatment plan for my dog", "stop"])
def test_another_speaker_is_refused_even_saying_an_enrolled_phrase(matcher: ExampleMatcher, text: str) -> None:
    assert matcher.match(other_voice(text, OTHER_VOICES[0])) is None


@pytest.mark.parametrize("text", [text for phrase in PHRASES for text in written_neighbours()[phrase]])
def test_a_neighbour_of_an_enrolled_phrase_in_another_voice_matches_nothing(matcher: ExampleMatcher,
                                                                            text: str) -> None:
    assert matcher.match(other_voice(text, UNTUNED_VOICES[0])) is None


def test_silence_and_noise_match_nothing(matcher: ExampleMatcher) -> None:
    noise = (np.random.default_rng(3).standard_normal(32_000) * 2000).astype("<i2").tobytes()
    assert matcher.match(silence(2.0)) is None
    assert matcher.match(noise) is None
    assert matcher.match(b"") is None
    assert not ExampleMatcher().add("stop", noise)


def test_a_removed_phrase_is_no_longer_matched(matcher: ExampleMatcher) -> None:
    said = take("stop", TEST, seed=50)
    matcher.remove("stop")
    assert "stop" not in matcher.phrases and matcher.takes("stop") == 0
    found = matcher.match(said)
    assert found is None or found.phrase != "stop"
    assert matcher.takes("louder") == TAKES


def test_a_phrase_recorded_again_is_matched_by_its_new_takes(matcher: ExampleMatcher) -> None:
    matcher.remove("stop")
    for seed in range(10, 10 + TAKES):  # the user's speech has changed: "stop" now as a Dutch voice says it
        matcher.add("stop", take("stop", ENROLMENT, seed, voice="nl"))
    found = matcher.match(take("stop", TEST, seed=50, voice="nl"))
    assert found is not None and found.phrase == "stop"


def test_the_best_of_several_phrases_is_the_closest() -> None:
    first, second = np.zeros((30, 12)), np.ones((30, 12))
    query = np.full((40, 12), 0.9)  # slower than both: warping stretches the templates
    distances = dtw_distances(query, [first, second])
    assert distances[1] < distances[0]
    assert distances[1] == pytest.approx(0.1 * np.sqrt(12))


def test_a_template_much_longer_than_the_utterance_cannot_be_warped() -> None:
    """A step moves the take on by 2 frames at most, after a start within the band (BAND of its length)."""
    assert dtw_distances(np.zeros((20, 12)), [np.zeros((70, 12)), np.zeros((35, 12))]).tolist() == [np.inf, 0.0]


def test_features_are_normalised_per_utterance_so_loudness_matters_little(enrolment: dict[str, list[bytes]]) -> None:
    quiet = (np.frombuffer(enrolment["stop"][0], dtype="<i2") // 4).astype("<i2").tobytes()
    loud, soft = voiced_features(enrolment["stop"][0]), voiced_features(quiet)
    assert loud is not None and soft is not None
    assert np.allclose(loud.mean(axis=0), 0, atol=1e-6) and np.allclose(loud.std(axis=0), 1, atol=1e-3)
    others = [features for pcm in enrolment["louder"] if (features := voiced_features(pcm)) is not None]
    assert dtw_distances(loud, [soft])[0] < 0.5 * min(dtw_distances(loud, others))


# ---- the store ----

def test_takes_round_trip_through_files(tmp_path: Path, enrolment: dict[str, list[bytes]]) -> None:
    store = ExampleStore(tmp_path / "voice")
    for phrase, takes in enrolment.items():
        for pcm in takes:
            store.add_take(phrase, pcm)
    assert sorted(path.name for path in (tmp_path / "voice" / "risk factors").iterdir()) == \
        ["take-1.wav", "take-2.wav", "take-3.wav"]
    with wave.open(str(tmp_path / "voice" / "stop" / "take-1.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16_000, 1, 2)
    loaded = store.load().takes
    assert loaded.keys() == enrolment.keys()
    assert all(_same_audio([t.pcm for t in loaded[phrase]], enrolment[phrase]) for phrase in PHRASES)
    matcher, problems = load_matcher(store)
    assert problems == ()
    found = matcher.match(take("treatment", TEST, seed=50))
    assert found is not None and found.phrase == "treatment"


def test_a_corrupt_recording_is_skipped_and_named(tmp_path: Path, enrolment: dict[str, list[bytes]],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    store = ExampleStore(tmp_path)
    for pcm in enrolment["louder"]:
        store.add_take("louder", pcm)
    broken = tmp_path / "louder" / "take-2.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    silent = store.add_take("stop", silence(1.0))
    matcher, problems = load_matcher(store)
    assert matcher.takes("louder") == 2 and matcher.takes("stop") == 0
    assert len(problems) == 2
    assert str(broken) in problems[0] and "record 'louder' again" in problems[0]
    assert str(silent) in problems[1] and "holds no voice" in problems[1]
    assert str(broken) in caplog.text


def test_recording_a_phrase_again_replaces_its_takes(tmp_path: Path, enrolment: dict[str, list[bytes]]) -> None:
    store = ExampleStore(tmp_path)
    for pcm in enrolment["stop"]:
        store.add_take("stop", pcm)
    store.add_take("louder", enrolment["louder"][0])
    paths = store.replace("stop", enrolment["treatment"][:2])
    assert [path.name for path in paths] == ["take-1.wav", "take-2.wav"]
    loaded = store.load().takes
    assert _same_audio([t.pcm for t in loaded["stop"]], enrolment["treatment"][:2])
    assert _same_audio([t.pcm for t in loaded["louder"]], enrolment["louder"][:1])
    assert store.remove("stop") == 2 and "stop" not in store.load().takes


def test_forgetting_the_voice_deletes_every_recording(tmp_path: Path, enrolment: dict[str, list[bytes]]) -> None:
    store = ExampleStore(tmp_path / "voice")
    for phrase in ("stop", "treatment"):
        for pcm in enrolment[phrase]:
            store.add_take(phrase, pcm)
    assert store.forget() == 2 * TAKES
    assert not (tmp_path / "voice").exists()
    assert store.load().takes == {} and store.forget() == 0


@pytest.mark.parametrize("phrase", ["", "a/b", ".hidden", " stop", "x" * 101])
def test_a_phrase_that_cannot_name_a_folder_is_refused(tmp_path: Path, phrase: str) -> None:
    with pytest.raises(ValueError, match="cannot name a folder"):
        ExampleStore(tmp_path).add_take(phrase, silence(0.1))


def test_the_recordings_live_under_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert voice_folder() == tmp_path / "voice-assist" / "voice"


def _same_audio(read: list[bytes], written: list[bytes]) -> bool:
    """The takes read back are the ones written (read_wav rescales 16-bit samples by 32767/32768)."""
    def samples(pcm: bytes) -> np.ndarray:
        return np.frombuffer(pcm, dtype="<i2").astype(int)

    return len(read) == len(written) and all(
        len(a) == len(b) and np.max(np.abs(samples(a) - samples(b))) <= 1 for a, b in zip(read, written, strict=True))
