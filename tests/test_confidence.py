"""The confidence tiers in the conversation core: the same words, heard with given word posteriors, are answered,
offered for a one-word "yes", or not caught; commands that change something need more."""

from __future__ import annotations

import pytest

from tests.sound_material import breathing
from tests.spoken import synthesize
from voice_assist.confidence import (
    PLAUSIBLE,
    SURE_ANSWER,
    SURE_CHANGE,
    SURE_WITH_CLOSE_MATCH,
    Certainty,
    certainty,
    content_confidence,
)
from voice_assist.conversation import NOT_CAUGHT, SAY_YES_AGAIN, Conversation
from voice_assist.events import ChangeVoice, ForgetHistory, ForgetVoice, Heard, Voice, replies
from voice_assist.voicing import speech_sound

QUESTION = "will i need a feeding tube"
"""Answered from Nutrition when typed."""
SURE = (0.9, 0.8, 0.95, 0.7, 0.9, 0.99)
UNSURE = (0.9, 0.8, 0.3, 0.2, 0.4, 0.3)
"""Content words ("need", "feeding", "tube") at 0.2-0.4: plausible, not sure."""
LOST = (0.05, 0.02, 0.1, 0.01, 0.04, 0.03)


@pytest.fixture
def dialogue(matcher):
    return Conversation(matcher.library, Voice(rate=150, volume=0.9), matcher)


def hear(dialogue, text, confidences):
    actions = dialogue.handle(Heard((text,), whole=True, word_confidences=confidences))
    return actions, replies(actions)[-1]


def test_sure_words_are_answered(dialogue):
    _, reply = hear(dialogue, QUESTION, SURE)
    assert reply.section == "treatment/nutrition"


def test_unsure_words_are_offered_for_one_word_and_yes_reads_the_answer(dialogue):
    _, asked = hear(dialogue, QUESTION, UNSURE)
    assert asked.section is None and asked.text.startswith("Do you mean ") and "Nutrition" in asked.text
    _, answer = hear(dialogue, "yes", (0.9,))
    assert answer.section == "treatment/nutrition"


def test_words_the_recognizer_was_not_sure_of_at_all_are_not_caught(dialogue):
    _, reply = hear(dialogue, QUESTION, LOST)
    assert reply.section is None and reply.text.startswith(NOT_CAUGHT)


def test_words_close_to_a_way_of_asking_need_less_confidence_than_loose_ones(dialogue):
    """Heard from off-topic speech, these words answered from Overview at a matcher score of 73."""
    middling = SURE_WITH_CLOSE_MATCH + 0.05
    assert middling < SURE_ANSWER
    _, answer = hear(dialogue, QUESTION, (middling,) * 6)
    _, asked = hear(dialogue, "you it get what are the als", (middling,) * 7)
    assert answer.section == "treatment/nutrition"
    assert asked.section is None and asked.text.startswith("Do you mean ")


def test_without_confidences_the_words_are_taken_as_they_are(dialogue):
    _, reply = hear(dialogue, QUESTION, ())
    assert reply.section == "treatment/nutrition"


def test_a_lone_word_is_confirmed_however_sure(dialogue):
    """A clap heard as "fed" at posterior 1.0: one word has nothing to compete with in the lattice."""
    _, typed_answer = hear(dialogue, "riluzole", ())
    _, asked = hear(dialogue, "riluzole", (1.0,))
    assert typed_answer.section and asked.section is None and asked.text.startswith("Do you mean ")


@pytest.mark.parametrize("heard", ["you the body", "overview again is", "help for help for"])
def test_a_lone_content_word_among_small_words_is_confirmed_however_sure(dialogue, heard):
    """Off-topic sound the recognizer made into words ("yesterday" heard as "you the body", "overview of the
    news" as "overview again is", breathing as "help for help for"): each typed is answered from a section."""
    _, typed_answer = hear(dialogue, heard, ())
    _, asked = hear(dialogue, heard, (1.0,) * len(heard.split()))
    assert typed_answer.section and asked.section is None and asked.text.startswith("Do you mean ")


@pytest.mark.parametrize(("heard", "section"), [("what is riluzole", "treatment/drugs"),
                                               ("what is an electromyogram", "diagnosis/nerves")])
def test_a_question_about_one_word_said_as_a_question_and_nothing_else_is_answered_when_sure(dialogue, heard,
                                                                                          section):
    """The words of its form ("what is") make it a question, not sound bent into a factsheet word: a tired user
    is not asked "Do you mean ...?" for the commonest kind of first question (confidence.SURE_ONE_WORD_QUESTION)."""
    _, answer = hear(dialogue, heard, (0.95,) * len(heard.split()))
    assert answer.section == section
    _, asked = hear(dialogue, heard, (0.8,) * len(heard.split()))
    assert asked.section is None and asked.text.startswith("Do you mean ")


@pytest.mark.parametrize("heard", ["you it get what are the have als", "what is it us on als the"])
def test_a_question_form_among_other_words_about_one_word_is_confirmed_however_sure(dialogue, heard):
    """Off-topic speech ("the music next door was louder than ever") and a question about a cure, heard so: the
    form's words are there, but so are words that belong to no question about one word."""
    _, asked = hear(dialogue, heard, (1.0,) * len(heard.split()))
    assert asked.section is None and asked.text.startswith("Do you mean ")


def test_the_words_of_the_guess_that_matched_are_counted(dialogue):
    """Only the second guess answers; it has one content word, though the best guess has two."""
    actions = dialogue.handle(Heard(("overview are approved", "overview on you"), whole=True,
                                    word_confidences=(1.0, 1.0, 1.0)))
    asked = replies(actions)[-1]
    assert asked.section is None and asked.text.startswith("Do you mean ")


def test_a_plausible_command_that_changes_something_is_offered_and_yes_takes_it(dialogue):
    actions, offered = hear(dialogue, "louder", (SURE_CHANGE - 0.01,))
    assert not any(isinstance(action, ChangeVoice) for action in actions)
    assert offered.text == "Did you say louder?"
    actions, _ = hear(dialogue, "yes", (0.9,))
    assert any(isinstance(action, ChangeVoice) and action.voice.volume > 0.9 for action in actions)


@pytest.mark.parametrize(("asking", "deletion"), [("forget history", ForgetHistory()),
                                                  ("forget my voice", ForgetVoice())])
def test_a_yes_heard_unsure_deletes_nothing_and_is_asked_for_again(dialogue, asking, deletion):
    """A light command such as "yes" is taken when plausible, but not as the yes that deletes something: the
    question is asked again, and a sure "yes" then deletes."""
    hear(dialogue, asking, (0.9,) * len(asking.split()))
    actions, again = hear(dialogue, "yes", (SURE_CHANGE - 0.01,))
    assert deletion not in actions and again.text == SAY_YES_AGAIN
    actions, _ = hear(dialogue, "yes", (0.9,))
    assert deletion in actions


def test_an_unsure_yes_asked_for_again_is_not_kept_past_the_next_reply(dialogue):
    hear(dialogue, "forget history", (0.9, 0.9))
    hear(dialogue, "yes", (SURE_CHANGE - 0.01,))
    hear(dialogue, "no", (0.9,))
    actions, _ = hear(dialogue, "yes", (0.9,))
    assert ForgetHistory() not in actions


def test_repeat_after_a_repeat_not_caught_says_the_answer(dialogue):
    """The live loop's test heard "repeat" once as noise: the second "repeat" said "Sorry, I didn't catch that"."""
    _, answer = hear(dialogue, QUESTION, SURE)
    _, missed = hear(dialogue, "repeat", (PLAUSIBLE - 0.01,))
    assert missed.text.startswith(NOT_CAUGHT)
    _, again = hear(dialogue, "repeat", (0.9,))
    assert again.text == answer.text


def test_repeat_after_a_confirmed_command_says_the_answer_before_it(dialogue):
    _, answer = hear(dialogue, QUESTION, SURE)
    hear(dialogue, "slower", (PLAUSIBLE,))
    hear(dialogue, "yes", (0.9,))
    _, again = hear(dialogue, "repeat", (0.9,))
    assert again.section == answer.section == "treatment/nutrition" and again.text == answer.text


def test_an_offered_command_is_not_taken_by_no_or_by_anything_else(dialogue):
    hear(dialogue, "slower", (PLAUSIBLE,))
    actions, _ = hear(dialogue, "no", (0.9,))
    assert not any(isinstance(action, ChangeVoice) for action in actions)
    hear(dialogue, "slower", (PLAUSIBLE,))
    hear(dialogue, QUESTION, SURE)
    actions, _ = hear(dialogue, "yes", (0.9,))
    assert not any(isinstance(action, ChangeVoice) for action in actions)


def test_a_command_that_changes_something_is_not_caught_below_plausible(dialogue):
    actions, reply = hear(dialogue, "louder", (PLAUSIBLE - 0.01,))
    assert not any(isinstance(action, ChangeVoice) for action in actions)
    assert reply.text.startswith(NOT_CAUGHT)


def test_a_sure_command_that_changes_something_is_taken(dialogue):
    actions, _ = hear(dialogue, "louder", (SURE_CHANGE,))
    assert any(isinstance(action, ChangeVoice) for action in actions)


def test_stop_is_taken_however_unsure(dialogue):
    hear(dialogue, QUESTION, SURE)
    _, reply = hear(dialogue, "stop", (0.01,))
    assert reply.interrupt and reply.text == "" and reply.match.command == "stop"


def test_a_light_command_is_taken_when_plausible_but_not_when_lost(dialogue):
    hear(dialogue, QUESTION, SURE)
    _, again = hear(dialogue, "repeat", (0.3,))
    assert again.section == "treatment/nutrition"
    _, lost = hear(dialogue, "repeat", (0.02,))
    assert lost.text.startswith(NOT_CAUGHT)


def test_content_words_decide_not_stop_words():
    assert content_confidence("what is riluzole", (0.1, 0.1, 0.9)) == pytest.approx(0.9)
    assert content_confidence("what is", (0.2, 0.4)) == pytest.approx(0.3)  # only stop words: all of them
    assert content_confidence("what is riluzole", (0.2, 0.4)) == pytest.approx(0.4)  # its last words: "is riluzole"
    assert content_confidence("riluzole", (0.2, 0.4)) == pytest.approx(0.3)  # not lined up: all


@pytest.mark.parametrize(("confidences", "tier"), [
    ((SURE_ANSWER, SURE_ANSWER), Certainty.SURE),
    ((SURE_ANSWER - 0.01, SURE_ANSWER), Certainty.PLAUSIBLE),
    ((PLAUSIBLE, PLAUSIBLE), Certainty.PLAUSIBLE),
    ((PLAUSIBLE - 0.01, PLAUSIBLE - 0.01), Certainty.NOT_CAUGHT),
])
def test_the_tiers_at_their_thresholds(confidences, tier):
    assert certainty("feeding tube", confidences) is tier


def test_words_made_of_breathing_are_not_caught_however_sure(dialogue):
    """The sound is measured as the loop measures it: a real spoken question passes, breathing does not."""
    spoken = dialogue.handle(Heard((QUESTION,), whole=True, word_confidences=SURE,
                                   sound=speech_sound(synthesize(QUESTION))))
    breathed = dialogue.handle(Heard((QUESTION,), whole=True, word_confidences=SURE, sound=speech_sound(breathing(1))))
    assert replies(spoken)[-1].section == "treatment/nutrition"
    [reply] = replies(breathed)
    assert reply.section is None and reply.text.startswith(NOT_CAUGHT)
    assert reply.match is not None and reply.match.held_back.startswith("no voice or speech sound was in it")


def test_stop_is_taken_even_from_a_sound_without_speech(dialogue):
    """A wrong stop costs a silence; a missed one, a user who cannot make it stop."""
    hear(dialogue, QUESTION, SURE)
    actions = dialogue.handle(Heard(("stop",), whole=True, word_confidences=(0.9,), sound=speech_sound(breathing(2))))
    assert replies(actions)[0].interrupt
