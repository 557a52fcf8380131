"""Learning the user's voice through the real loop: the slurred test voice (tests/slurred.py) is fed frame by
frame into a ``VoiceLoop`` with the real end-of-question detector, pocketsphinx, the conversation core and the
real example matcher; the takes are saved in the voice folder, then the user's new takes are matched by them.
Also where the recordings are kept, and that "forget my voice" deletes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.slurred import ENROLMENT, TEST, take
from tests.spoken import silence
from tests.test_loop import FRAME_BYTES, RecordingSpeaker, RecordingView
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.config import Settings
from voice_assist.conversation import Conversation
from voice_assist.events import Heard, State, Voice
from voice_assist.example_store import ExampleStore, voice_folder
from voice_assist.loop import VoiceLoop
from voice_assist.recognize import domain_of
from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer
from voice_assist.voice_takes import VoiceTakes

LEARNED = ("stop", "treatment")
ROOM_NOISE = 100.0
"""Standard deviation (of s16 samples, about -50 dBFS) of the noise a microphone always picks up in a room. The
example matcher finds the voice against the utterance's quietest tenth; pure digital silence around a take,
which no microphone delivers, makes the take's own noise look like voice."""


@pytest.fixture
def private_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    return tmp_path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recognizer-cache")


@pytest.fixture
def speaker() -> RecordingSpeaker:
    return RecordingSpeaker()


@pytest.fixture
def loop(library, matcher, cache_dir: Path, speaker: RecordingSpeaker, private_data: Path) -> VoiceLoop:
    settings = Settings()
    core = Conversation(library, Voice(settings.rate, settings.volume), matcher,
                        quick_end_silence=settings.quick_end_silence)
    recognizer = PocketsphinxRecognizer(domain_of(library), cache_dir=cache_dir)
    return VoiceLoop(core, recognizer, speaker, settings, RecordingView(),
                     voice=VoiceTakes.load(ExampleStore(voice_folder())))


def feed(loop: VoiceLoop, speaker: RecordingSpeaker, pcm: bytes) -> None:
    """``pcm`` as microphone frames, in the room's noise."""
    noise = np.random.default_rng(len(pcm)).standard_normal(len(pcm) // 2) * ROOM_NOISE
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) + noise
    pcm = np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()
    for offset in range(0, len(pcm), FRAME_BYTES):
        frame = pcm[offset:offset + FRAME_BYTES]
        loop.hear(frame)
        speaker.advance(len(frame) / (2 * SAMPLE_RATE))


def say(loop: VoiceLoop, speaker: RecordingSpeaker, pcm: bytes) -> None:
    """Wait for the assistant to finish speaking, then say ``pcm`` and stay quiet until the utterance ends."""
    feed(loop, speaker, silence(speaker.remaining + 0.6))
    feed(loop, speaker, pcm + silence(loop.settings.end_silence + 1.0))


def ask_to_learn(loop: VoiceLoop, phrase: str) -> None:
    """A caregiver says "learn <phrase> again" (the words are given: this test is about the user's takes)."""
    loop.send(Heard((f"learn {phrase} again",), at=0.0))


def learn(loop: VoiceLoop, speaker: RecordingSpeaker, phrase: str, first_seed: int = 0) -> None:
    ask_to_learn(loop, phrase)
    for number in range(3):
        assert loop.status.learning is not None and loop.status.learning.take == number + 1, speaker.said[-2:]
        say(loop, speaker, take(phrase, ENROLMENT, first_seed + number))
    assert speaker.said[-1] == f"Thank you. I learned how you say {phrase}."


@pytest.fixture
def learned(loop: VoiceLoop, speaker: RecordingSpeaker) -> VoiceLoop:
    for phrase in LEARNED:
        learn(loop, speaker, phrase)
    return loop


def test_the_takes_are_saved_in_the_voice_folder_and_learned(learned: VoiceLoop, speaker: RecordingSpeaker):
    for phrase in LEARNED:
        assert sorted(path.name for path in (voice_folder() / phrase).iterdir()) == [
            "take-1.wav", "take-2.wav", "take-3.wav"]
    assert learned._voice is not None and learned._voice.matcher.phrases == LEARNED
    assert learned.status.state is not State.LEARNING


def test_a_new_take_of_a_learned_topic_reads_it_and_a_learned_stop_stops(learned: VoiceLoop,
                                                                          speaker: RecordingSpeaker):
    say(learned, speaker, take("treatment", TEST, 7))
    assert learned.status.section == "treatment", speaker.said[-1]
    feed(learned, speaker, silence(2.0))
    assert speaker.speaking
    stops = speaker.stops
    feed(learned, speaker, take("stop", TEST, 7) + silence(learned.settings.end_silence + 0.5))
    assert speaker.stops > stops and not speaker.speaking


def test_a_phrase_learned_again_replaces_its_recordings(learned: VoiceLoop, speaker: RecordingSpeaker):
    before = (voice_folder() / "stop" / "take-1.wav").read_bytes()
    treatment = (voice_folder() / "treatment" / "take-1.wav").read_bytes()
    learn(learned, speaker, "stop", first_seed=10)
    assert (voice_folder() / "stop" / "take-1.wav").read_bytes() != before
    assert len(list((voice_folder() / "stop").iterdir())) == 3
    assert (voice_folder() / "treatment" / "take-1.wav").read_bytes() == treatment
    assert learned._voice is not None and learned._voice.matcher.takes("stop") == 3


def test_the_recordings_are_kept_only_in_the_voice_folder_and_forget_my_voice_deletes_them(
        learned: VoiceLoop, speaker: RecordingSpeaker, private_data: Path):
    audio = [path for path in private_data.rglob("*") if path.is_file() and path.suffix == ".wav"]
    assert len(audio) == 3 * len(LEARNED)
    assert all(path.is_relative_to(voice_folder()) for path in audio)
    learned.send(Heard(("forget my voice",), at=learned._heard_seconds))
    learned.send(Heard(("yes",), at=learned._heard_seconds))
    assert speaker.said[-1].startswith(f"I deleted the {3 * len(LEARNED)} recordings of your voice.")
    assert not voice_folder().exists()
    assert not [path for path in private_data.rglob("*.wav")]
    assert learned._voice is not None and learned._voice.matcher.phrases == ()
