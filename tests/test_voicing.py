"""What of speech is in a sound (voice_assist/voicing.py): spoken and whispered words have it; breathing, which the
recognizer can make words of, does not. The breathing here is made apart from the off-topic set the
thresholds were measured on (tests/sound_material.breathing)."""

from __future__ import annotations

import pytest

from tests.sound_material import breathing
from tests.spoken import synthesize
from voice_assist.voicing import ARTICULATED, PITCHED, speech_sound


@pytest.mark.parametrize("text", ["what are the symptoms", "stop", "will i need a feeding tube"])
@pytest.mark.parametrize("voice", ["en-us", "flite:kal16", "en-us+f3"])
def test_spoken_words_have_a_voice_in_them(text, voice):
    sound = speech_sound(synthesize(text, voice=voice, noise="babble", noise_snr_db=15))
    assert sound.could_be_speech and sound.pitch >= PITCHED


def test_a_whispered_question_is_speech_by_its_articulation():
    """No pitch to speak of, but a mouth shaping sounds."""
    sound = speech_sound(synthesize("how long do people live with als", voice="en-us+whisper"))
    assert sound.could_be_speech and sound.articulation >= ARTICULATED


@pytest.mark.parametrize("seed", range(4))
def test_breathing_has_no_speech_in_it(seed):
    sound = speech_sound(breathing(seed))
    assert not sound.could_be_speech, sound


def test_nothing_or_a_moment_is_no_speech():
    assert not speech_sound(b"").could_be_speech
    assert not speech_sound(bytes(400)).could_be_speech
