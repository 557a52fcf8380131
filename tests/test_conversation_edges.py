"""Event orders at the edges of the conversation core: a half question followed by a command, taps just after
the scanning offer, a question back followed by another command, a voice change said over a yes-or-no question,
the switch while the voice is being learned. Each test was written failing, in a review of the core (twelfth
session); its docstring tells what the user met before the fix."""

from __future__ import annotations

import pytest

from voice_assist.conversation import FORGET_QUESTION, MICROPHONE_BACK, Conversation
from voice_assist.events import (
    ForgetHistory,
    Heard,
    MicrophoneLost,
    MicrophoneOpened,
    Silence,
    SoundAlarm,
    SoundEnded,
    SoundStarted,
    State,
    SwitchChanged,
    SwitchTrouble,
    Typed,
    Voice,
    replies,
)


@pytest.fixture
def dialogue(matcher):
    return Conversation(matcher.library, Voice(rate=150, volume=0.9), matcher)


def sure(text: str) -> tuple[float, ...]:
    """Word confidences of a clearly heard utterance."""
    return (0.95,) * len(text.split())


def test_help_me_after_a_word_not_understood_calls_for_help(dialogue):
    """The user says "nurse", pauses (it is not understood, so it waits as half a question), then says "help
    me". The half question is put in front of it: "nurse help me" is no call for help, and after the wait the
    user hears "I don't have that in my factsheet." The alarm never sounds."""
    assert dialogue.handle(Heard(("nurse",), at=10.0, word_confidences=sure("nurse"))) == []  # waits for the rest
    dialogue.handle(Silence(speaking=False, at=10.5))
    actions = dialogue.handle(Heard(("help me",), at=12.0, word_confidences=sure("help me")))
    for t in (12.5, 13.5, 14.5, 15.5):
        actions += dialogue.handle(Silence(speaking=False, at=t))
    assert any(isinstance(action, SoundAlarm) for action in actions), [r.text for r in replies(actions)]


def test_stop_after_a_half_question_does_not_read_the_factsheet(dialogue):
    """Same cause as above: "will i need a" waits for its rest; the user gives up and says "stop". "will i need a
    stop" is read as a question: the Speech therapy section is read out instead of nothing."""
    dialogue.handle(Heard(("will i need a",), at=10.0, word_confidences=sure("will i need a")))
    dialogue.handle(Silence(speaking=False, at=10.5))
    [reply] = replies(dialogue.handle(Heard(("stop",), at=12.0, word_confidences=sure("stop"))))
    assert reply.section is None and reply.text == ""


def test_a_half_question_heard_unsure_is_not_read_out_after_the_wait(dialogue):
    """Noise bent into "will i need a" at a confidence of 0.05 is "Sorry, I didn't catch that" when heard whole;
    heard as half a question, after the 2.5 s wait it is matched again without the confidence check and the
    Speech therapy section is read out."""
    dialogue.handle(Heard(("will i need a",), at=10.0, word_confidences=(0.05, 0.05, 0.05, 0.05)))
    dialogue.handle(Silence(speaking=False, at=10.1))
    said = replies(dialogue.handle(Silence(speaking=False, at=13.0)))
    assert all(reply.section is None for reply in said), [reply.text for reply in said]


def test_three_short_sounds_after_the_scanning_offer_call_for_help(dialogue):
    """After two turns not understood the topics are read with "Or make a sound, and I will read them one at a
    time." Three short taps out of quiet (the wordless call for help) then start scanning and select Overview,
    which is read out: the first tap is taken by the offer and not counted, the next ones follow it too closely
    to start a call. The same three taps at any other time sound the alarm."""
    dialogue.handle(Heard(("purple elephant dancing",), at=1.0, whole=True))
    [offer] = replies(dialogue.handle(Heard(("purple elephant dancing",), at=5.0, whole=True)))
    assert "make a sound" in offer.text
    dialogue.handle(Silence(speaking=False, at=20.0))
    actions = []
    for start in (22.0, 22.8, 23.6):
        actions += dialogue.handle(SoundStarted(at=start))
        actions += dialogue.handle(SoundEnded(at=start + 0.2, seconds=0.2))
    assert any(isinstance(action, SoundAlarm) for action in actions), [r.text[:40] for r in replies(actions)]


def test_yes_after_the_topics_does_not_answer_an_earlier_do_you_mean(dialogue):
    """"cramps" gets "Do you mean Symptoms, As it progresses, or Treatment, Medications?"; the user says "topics"
    and hears the list. A "yes" then (or noise heard as one) reads Symptoms, As it progresses: the question that
    "yes" answers was two replies ago (as with the deletion question, only the next utterance should answer)."""
    [asked] = replies(dialogue.handle(Heard(("cramps",), at=1.0, whole=True)))
    assert asked.text.startswith("Do you mean")
    dialogue.handle(Heard(("topics",), at=3.0, whole=True))
    [reply] = replies(dialogue.handle(Heard(("yes",), at=5.0, whole=True)))
    assert reply.section is None, reply.text[:80]


def test_the_deletion_question_said_again_in_a_slower_voice_still_takes_its_yes(dialogue):
    """"forget history" asks "Shall I delete ...? Say yes to delete it."; the user says "slower" over it and the
    question is said again, whole, in the slower voice. But the question lapsed with the "slower": the "yes" the
    user then says, as told, deletes nothing and is taken as "more" ("That is all I have on that ...", or the
    next passage read). Either the question should stand, or it should not be asked again."""
    dialogue.handle(Heard(("what are the symptoms",), at=1.0, whole=True))
    dialogue.handle(Silence(speaking=False, at=20.0))
    dialogue.handle(Heard(("forget history",), at=25.0, whole=True))
    [again] = replies(dialogue.handle(Heard(("slower",), at=26.0, speaking=True, whole=True)))
    assert again.text == FORGET_QUESTION  # said again, in the new voice
    dialogue.handle(Silence(speaking=False, at=30.0))
    actions = dialogue.handle(Heard(("yes",), at=32.0, whole=True))
    assert any(isinstance(action, ForgetHistory) for action in actions), [r.text[:60] for r in replies(actions)]


def test_a_switch_press_while_learning_the_voice_does_not_scan_and_learn_at_once(dialogue):
    """While the user's voice is being learned, one press of the switch starts scanning, and learning goes on
    too: the options are read every few seconds over the prompts ("Again." then "Treatment"), what the user
    says is taken as takes, so "stop" cannot stop the scanning."""
    dialogue.handle(Heard(("learn my voice",), at=1.0, whole=True))
    dialogue.handle(Silence(speaking=False, at=10.0))
    dialogue.handle(SwitchChanged(pressed=True, at=11.0))
    dialogue.handle(SwitchChanged(pressed=False, at=11.1))
    assert not (dialogue.status.learning is not None and dialogue.status.state is State.SCANNING)


def test_a_half_question_from_before_scanning_is_not_answered_when_scanning_ends(dialogue):
    """The user says "will i need a", then presses the switch and scans the topics for a minute without choosing.
    When scanning ends ("I stopped reading the options. Say scan to start again."), the half question from a
    minute before is answered at the next moment of silence: Speech therapy is read out, cutting that sentence off."""
    dialogue.handle(Heard(("will i need a",), at=10.0, word_confidences=sure("will i need a")))
    dialogue.handle(SwitchChanged(pressed=True, at=11.0))
    dialogue.handle(SwitchChanged(pressed=False, at=11.1))
    said = []
    for t in range(12, 90):
        said += replies(dialogue.handle(Silence(speaking=False, at=float(t))))
    assert any(reply.text.startswith("I stopped reading the options") for reply in said)
    assert all(reply.section is None for reply in said), [reply.text[:50] for reply in said if reply.section]


def test_a_typed_question_drops_the_half_question_waiting(dialogue):
    """The user says "will i need a" and pauses (half a question, waiting for its rest); meanwhile the caregiver types
    "what is riluzole", and Treatment, Approved drugs is read. While it is being read, the half question's wait ends
    and "Do you mean Treatment, Speech therapy?" cuts the typed answer off. A typed question is a new turn."""
    dialogue.handle(Heard(("will i need a",), at=10.0, word_confidences=sure("will i need a")))
    [typed] = replies(dialogue.handle(Typed("what is riluzole", at=11.0)))
    assert typed.section is not None
    said = []
    for t in (13.5, 15.0):
        said += replies(dialogue.handle(Silence(speaking=True, at=t)))
    for t in (40.0, 41.0):  # the answer is over
        said += replies(dialogue.handle(Silence(speaking=False, at=t)))
    assert said == [], [reply.text for reply in said]


def test_a_half_question_waits_for_the_assistant_to_fall_quiet(dialogue):
    """A half question's wait ended into its reply whenever the wait was over, even while the assistant was saying
    something else (here that the switch was unplugged); every other reply that comes of quiet (the next option
    scanned, learning's reminder) waits for the assistant's voice to stop."""
    dialogue.handle(Heard(("will i need a",), at=10.0, word_confidences=sure("will i need a")))
    dialogue.handle(SwitchTrouble(False, "The switch was unplugged.", "The switch is not working."))
    assert replies(dialogue.handle(Silence(speaking=True, at=13.5))) == []
    [reply] = replies(dialogue.handle(Silence(speaking=False, at=14.0)))
    assert reply.text.startswith("Do you mean")


def test_a_half_question_from_before_the_microphone_was_lost_is_not_answered_when_it_is_back(dialogue):
    """The user says "will i need a"; then the microphone goes away ("I can't hear the microphone. I will keep
    trying.") and comes back ("The microphone is working again."). At the next moment of silence the half question
    from before the loss is answered: "Do you mean Treatment, Speech therapy?" as if it had just been said."""
    dialogue.handle(Heard(("will i need a",), at=10.0, word_confidences=sure("will i need a")))
    dialogue.handle(MicrophoneLost("gone"))
    [back] = replies(dialogue.handle(MicrophoneOpened()))
    assert back.text == MICROPHONE_BACK
    said = []
    for t in (13.5, 14.0, 20.0):
        said += replies(dialogue.handle(Silence(speaking=False, at=t)))
    assert said == [], [reply.text for reply in said]
