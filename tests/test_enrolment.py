"""Learning the user's voice in the conversation core, without audio: the prompts, the takes, a retry, the way
out, progress, recording one phrase again, and "forget my voice"; and the rule that combines a match by the
user's recordings with the recognizer's (by_example.py)."""

from __future__ import annotations

import math

import pytest

from voice_assist import enrolment
from voice_assist.by_example import CHANGE_CONFIDENCE
from voice_assist.conversation import OFFER_SECONDS, Conversation
from voice_assist.enrolment import (
    FORGET_VOICE_QUESTION,
    INTRODUCTION,
    MAX_REMINDERS,
    MAX_RETAKES,
    REMINDER_SECONDS,
    RETAKE_DISTANCE,
    TAKES_PER_PHRASE,
    enrollable_phrases,
)
from voice_assist.events import (
    CaregiverKey,
    DropTakes,
    ForgetVoice,
    Heard,
    KeepTake,
    LearningProgress,
    MeasureTake,
    NoMicrophoneAtStart,
    Paused,
    SaveTakes,
    Silence,
    SoundAlarm,
    Started,
    State,
    TakeMeasured,
    TakesSaved,
    Typed,
    Voice,
    VoiceForgotten,
    replies,
)
from voice_assist.examples import ExampleMatch
from voice_assist.view import log_lines, screen

GOOD_SECONDS = 0.7
"""Seconds of voice in a good take (the test voice's enrolment takes have 0.6 to 1.5 s)."""


@pytest.fixture
def dialogue(matcher):
    return Conversation(matcher.library, Voice(rate=150, volume=0.9), matcher)


def said(actions) -> str:
    return " ".join(reply.text for reply in replies(actions))


def hear(dialogue, text: str, *, at: float = 0.0, speaking: bool = False, example: ExampleMatch | None = None):
    return dialogue.handle(Heard((text,), whole=True, at=at, speaking=speaking, example=example))


def take(dialogue, phrase: str, distance: float | None = 1.0, seconds: float = GOOD_SECONDS):
    """The user says ``phrase`` when asked, and the loop measures it."""
    assert hear(dialogue, phrase) == [MeasureTake(phrase)]
    return dialogue.handle(TakeMeasured(phrase, seconds, distance))


def learn(dialogue, phrase: str) -> list:
    """All the takes of ``phrase``; the actions of the last."""
    actions: list = []
    for number in range(TAKES_PER_PHRASE):
        actions = take(dialogue, phrase, None if number == 0 else 1.0)
    return actions


def test_learn_my_voice_asks_for_each_command_and_topic_three_times(dialogue, library):
    phrases = enrollable_phrases(library)
    assert phrases[:3] == ("stop", "repeat", "more") and "help me" in phrases
    assert {"overview", "risk factors", "treatment"} <= set(phrases) and "normal voice" not in phrases
    actions = hear(dialogue, "learn my voice")
    assert DropTakes() in actions
    assert said(actions) == f"{INTRODUCTION} Say: stop."
    assert dialogue.status.state is State.LEARNING
    assert dialogue.status.learning == LearningProgress("stop", 1, TAKES_PER_PHRASE, 1, len(phrases))

    first = take(dialogue, "stop", distance=None)
    assert first[0] == KeepTake("stop") and said(first) == "Again."
    assert dialogue.status.learning.take == 2
    assert said(take(dialogue, "stop")) == "Once more."
    third = take(dialogue, "stop")
    assert third[:2] == [KeepTake("stop"), SaveTakes("stop")]
    assert said(third) == "Say: repeat."
    assert dialogue.status.learning == LearningProgress("repeat", 1, TAKES_PER_PHRASE, 2, len(phrases))
    assert dialogue.handle(TakesSaved("stop", 3)) == []

    for phrase in phrases[1:-1]:
        learn(dialogue, phrase)
    last = learn(dialogue, phrases[-1])
    assert SaveTakes(phrases[-1]) in last
    assert said(last) == f"Thank you. I learned how you say {len(phrases)} words."
    assert dialogue.status.learning is None and dialogue.status.state is State.SPEAKING


def test_while_learning_the_words_heard_act_as_nothing_but_takes(dialogue):
    hear(dialogue, "learn my voice")
    for phrase in ("stop", "help me", "louder", "what is riluzole"):
        actions = hear(dialogue, phrase)
        assert actions == [MeasureTake("stop")], phrase  # measured as a take of the phrase asked for
        assert not any(isinstance(action, SoundAlarm) for action in actions)
    assert dialogue.voice == Voice(rate=150, volume=0.9)
    assert dialogue.handle(Paused(1.0, 0.6, speaking=False)) == []  # a take is never ended early


def test_an_utterance_begun_over_the_prompt_is_not_a_take_and_the_prompt_comes_again(dialogue):
    hear(dialogue, "learn my voice", at=1.0)
    assert hear(dialogue, "stop learning", at=2.0, speaking=True) == []  # the prompt's own words, say
    assert dialogue.status.learning is not None
    dialogue.handle(Silence(speaking=False, at=3.0))
    assert said(dialogue.handle(Silence(speaking=False, at=3.0 + REMINDER_SECONDS))) == "Say: stop."


def test_learning_stops_when_nothing_comes_after_a_few_reminders(dialogue):
    hear(dialogue, "learn my voice")
    now = 1.0
    for _ in range(MAX_REMINDERS):
        dialogue.handle(Silence(speaking=False, at=now))
        assert said(dialogue.handle(Silence(speaking=False, at=now + REMINDER_SECONDS))) == "Say: stop."
        now += REMINDER_SECONDS + 1
    dialogue.handle(Silence(speaking=False, at=now))
    assert said(dialogue.handle(Silence(speaking=False, at=now + REMINDER_SECONDS))).startswith("Stopped learning.")
    assert dialogue.status.learning is None


@pytest.mark.parametrize(("seconds", "distance", "asked"), [
    (0.0, None, "I heard nothing. Say: stop."),
    (0.1, None, "That was very short. Say: stop."),
    (6.0, None, "Just the word, please. Say: stop."),
    (GOOD_SECONDS, RETAKE_DISTANCE + 1, "That sounded different. Say: stop."),
    (GOOD_SECONDS, math.inf, "That sounded different. Say: stop."),
])
def test_a_bad_take_is_asked_for_again_and_not_kept(dialogue, seconds, distance, asked):
    hear(dialogue, "learn my voice")
    take(dialogue, "stop", distance=None)
    actions = take(dialogue, "stop", distance=distance, seconds=seconds)
    assert said(actions) == asked
    assert not any(isinstance(action, KeepTake) for action in actions)
    assert dialogue.status.learning.take == 2


def test_a_take_unlike_the_others_is_kept_after_the_retakes(dialogue):
    hear(dialogue, "learn my voice")
    take(dialogue, "stop", distance=None)
    for _ in range(MAX_RETAKES):
        take(dialogue, "stop", distance=RETAKE_DISTANCE + 1)
    actions = take(dialogue, "stop", distance=RETAKE_DISTANCE + 1)
    assert actions[0] == KeepTake("stop") and said(actions) == "Once more."


def test_a_phrase_without_a_usable_take_is_left_for_later(dialogue):
    hear(dialogue, "learn my voice")
    for _ in range(MAX_RETAKES):
        take(dialogue, "stop", seconds=0.0)
    actions = take(dialogue, "stop", seconds=0.0)
    assert DropTakes() in actions and not any(isinstance(action, SaveTakes) for action in actions)
    assert said(actions) == "Let's leave stop for now. A caregiver can say learn stop again later. Say: repeat."
    assert dialogue.status.learning.phrase == "repeat"


def test_redo_that_begins_the_phrase_again(dialogue):
    hear(dialogue, "learn my voice")
    take(dialogue, "stop", distance=None)
    take(dialogue, "stop")
    actions = hear(dialogue, "redo that")
    assert DropTakes() in actions and said(actions) == "Again from the start. Say: stop."
    assert dialogue.status.learning.take == 1
    assert [a for a in take(dialogue, "stop", distance=None) if isinstance(a, KeepTake)] == [KeepTake("stop")]


def test_stop_learning_is_the_way_out_and_commands_work_again(dialogue):
    hear(dialogue, "learn my voice")
    learn(dialogue, "stop")
    take(dialogue, "repeat", distance=None)
    actions = hear(dialogue, "stop learning")
    assert DropTakes() in actions  # the unfinished phrase keeps its old recordings
    assert said(actions) == "Stopped learning. I learned 1 of the 18 words. Say learn my voice to begin again."
    assert dialogue.status.learning is None and dialogue.status.state is not State.LEARNING
    [stopped] = replies(hear(dialogue, "stop"))
    assert stopped.text == "" and stopped.match is not None and stopped.match.command == "stop"


def test_a_caregivers_key_ends_learning_too(dialogue):
    hear(dialogue, "learn my voice")
    assert said(dialogue.handle(CaregiverKey(at=1.0))).startswith("Stopped learning.")
    assert dialogue.status.learning is None


def test_one_phrase_is_learned_again_on_its_own(dialogue):
    actions = hear(dialogue, "learn treatment again")
    assert said(actions) == "I will learn how you say treatment, three times. Say: treatment."
    assert dialogue.status.learning == LearningProgress("treatment", 1, TAKES_PER_PHRASE, 1, 1)
    last = learn(dialogue, "treatment")
    assert SaveTakes("treatment") in last and said(last) == "Thank you. I learned how you say treatment."
    assert dialogue.status.learning is None
    assert said(hear(dialogue, "learn stopwatch again")) != said(actions)  # only enrollable phrases


def test_learning_needs_the_microphone(dialogue):
    assert said(dialogue.handle(Typed("learn my voice"))) == enrolment.NEEDS_MICROPHONE
    assert dialogue.status.learning is None


@pytest.mark.parametrize("text", ["what is riluzole", "topics", "learn my voice"])
def test_typed_while_learning_says_only_how_to_stop_and_the_prompt_again(dialogue, text):
    """The caregiver types "what is riluzole" (or "topics") while the user's voice is being learned: the whole answer
    (or the topic list) is read while the screen shows LEARNING and learning goes on, so the user's next "stop" is
    taken as a take though its prompt was buried under the answer. Typed text is no take: it is answered with how to
    stop learning, then the prompt again."""
    hear(dialogue, "learn my voice")
    take(dialogue, "stop", distance=None)
    [reply] = replies(dialogue.handle(Typed(text, at=5.0)))
    assert reply.section is None and reply.interrupt
    assert reply.text == f"{enrolment.TYPED_WHILE_LEARNING} Say: stop."
    assert dialogue.status.state is State.LEARNING and dialogue.status.learning.take == 2
    assert take(dialogue, "stop")[0] == KeepTake("stop")  # learning goes on where it was


def test_stop_learning_typed_stops_learning(dialogue):
    hear(dialogue, "learn my voice")
    actions = dialogue.handle(Typed("stop learning", at=5.0))
    assert DropTakes() in actions and said(actions).startswith("Stopped learning.")
    assert dialogue.status.learning is None


def test_voice_assist_enrol_starts_by_learning(dialogue):
    actions = dialogue.handle(Started(enrol=True))
    assert said(actions).startswith(INTRODUCTION)
    assert dialogue.status.learning.phrase == "stop"


def test_voice_assist_enrol_without_a_microphone_stops_learning_and_takes_typed_questions(dialogue):
    dialogue.handle(Started(enrol=True))
    actions = dialogue.handle(NoMicrophoneAtStart("I looked for the default input."))
    assert said(actions).startswith(enrolment.NO_MICROPHONE_TO_LEARN) and "type questions" in said(actions)
    assert DropTakes() in actions and dialogue.status.learning is None
    answer = replies(dialogue.handle(Typed("what is riluzole", at=5.0)))[-1]
    assert answer.section == "treatment/drugs"


def test_a_failed_save_stops_learning_and_says_why_on_the_screen(dialogue):
    hear(dialogue, "learn my voice")
    learn(dialogue, "stop")
    actions = dialogue.handle(TakesSaved("stop", 0, "disk full"))
    assert "could not save" in said(actions) and DropTakes() in actions
    assert "disk full" in dialogue.status.problem and dialogue.status.learning is None


def test_forget_my_voice_asks_first_and_deletes_on_yes(dialogue):
    assert said(hear(dialogue, "forget my voice", at=1.0)) == FORGET_VOICE_QUESTION
    assert ForgetVoice() not in hear(dialogue, "no", at=2.0)
    hear(dialogue, "forget my voice", at=3.0)
    actions = hear(dialogue, "yes", at=4.0)
    assert ForgetVoice() in actions
    assert said(dialogue.handle(VoiceForgotten(54))) == ("I deleted the 54 recordings of your voice. I will go by "
                                                          "your words alone.")
    assert ForgetVoice() not in hear(dialogue, "yes", at=5.0)  # asked once, answered once


def test_a_late_yes_does_not_forget_the_voice(dialogue):
    hear(dialogue, "forget my voice", at=1.0)
    dialogue.handle(Silence(speaking=False, at=2.0))
    assert ForgetVoice() not in hear(dialogue, "yes", at=3.0 + OFFER_SECONDS)


@pytest.mark.parametrize("between", [("help me", "i'm here"), ("scan slower",), ("learn my voice", "stop learning")])
def test_only_the_next_utterance_answers_whether_to_forget_the_voice(dialogue, between):
    """Something else said first (a call for help and "I'm here", a scanning setting, learning begun and stopped)
    lets the question lapse: a "yes" just after it must not delete the recordings."""
    hear(dialogue, "forget my voice", at=1.0)
    for number, text in enumerate(between):
        hear(dialogue, text, at=2.0 + number)
    assert ForgetVoice() not in hear(dialogue, "yes", at=5.0)


def test_the_caregiver_view_shows_the_phrase_large_and_the_progress(dialogue):
    hear(dialogue, "learn my voice")
    learn(dialogue, "stop")
    take(dialogue, "repeat", distance=None)
    lines = screen(dialogue.status, 100)
    assert any("████" in line for line in lines[8:14])  # REPEAT in block letters under LEARNING
    assert any("take 2 of 3" in line and "phrase 2 of 18" in line for line in lines)
    assert "Learning: \"repeat\": take 2 of 3" in log_lines(dialogue.status, None)[-1]


# --- the rule that combines the two matches


def example(phrase: str, confidence: float) -> ExampleMatch:
    return ExampleMatch(phrase, distance=2.0, margin=0.5, relative=0.5, confidence=confidence)


def acted(actions) -> tuple[str | None, str | None]:
    [reply] = replies(actions)
    return (reply.match.command if reply.match else None), reply.section


def test_an_enrolled_command_acts_when_the_recognizer_heard_nothing_useful(dialogue):
    assert acted(hear(dialogue, "stock is", example=example("stop", 0.0)))[0] == "stop"
    assert acted(hear(dialogue, "", example=example("repeat", CHANGE_CONFIDENCE)))[0] == "repeat"


def test_an_enrolled_topic_name_reads_the_topic(dialogue):
    command, section = acted(hear(dialogue, "tree meant", example=example("treatment", 0.5)))
    assert command is None and section == "treatment"


def test_commands_that_change_something_need_more_certainty_than_stop(dialogue):
    assert acted(hear(dialogue, "", example=example("louder", CHANGE_CONFIDENCE / 2)))[0] != "louder"
    assert dialogue.voice.volume == 0.9
    assert acted(hear(dialogue, "", example=example("stop", CHANGE_CONFIDENCE / 2)))[0] == "stop"
    alarm = hear(dialogue, "", example=example("help me", CHANGE_CONFIDENCE))
    assert any(isinstance(action, SoundAlarm) for action in alarm)


def test_a_confident_enough_example_is_taken_over_what_the_recognizer_made_of_the_sound(dialogue):
    assert acted(hear(dialogue, "what causes als", example=example("slower", CHANGE_CONFIDENCE / 2)))[1] == "causes"
    assert acted(hear(dialogue, "lower", example=example("more", CHANGE_CONFIDENCE)))[0] == "more"


def test_without_a_match_by_example_nothing_changes(matcher, dialogue):
    plain = Conversation(matcher.library, Voice(rate=150, volume=0.9), matcher)
    for text in ("what causes als", "stop", "louder", "the weather is nice", ""):
        assert replies(hear(dialogue, text, example=None)) == replies(plain.handle(Heard((text,), whole=True)))


def test_while_learning_a_match_by_example_acts_as_nothing(dialogue):
    hear(dialogue, "learn my voice")
    assert hear(dialogue, "", example=example("louder", 1.0)) == [MeasureTake("stop")]



def test_the_doctor_says_how_many_phrases_are_learned_and_where(tmp_path, monkeypatch):
    from tests.slurred import ENROLMENT, take
    from voice_assist.example_store import ExampleStore, voice_folder
    from voice_assist.ops.doctor import Status, check_voice

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert "not learned" in check_voice().detail
    ExampleStore(voice_folder()).replace("stop", [take("stop", ENROLMENT, seed) for seed in range(3)])
    found = check_voice()
    assert found.status is Status.OK
    assert found.detail.startswith(f"1 phrase learned from 3 recordings in {voice_folder()}")
