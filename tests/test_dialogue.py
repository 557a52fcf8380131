"""The conversation logic, without audio: what is said back, turn by turn."""

from __future__ import annotations

import pytest

from voice_assist.dialogue import NOT_CAUGHT, NOT_IN_FACTSHEET, OFFER_MORE, RATE_MIN, Dialogue, Voice


@pytest.fixture
def dialogue(matcher):
    return Dialogue(matcher.library, Voice(rate=150, volume=0.9), matcher)


def say(dialogue, *heard):
    return dialogue.respond(list(heard))


def test_an_answer_names_its_source_and_reads_the_factsheets_words(dialogue):
    reply = say(dialogue, "will I need a feeding tube")
    nutrition = dialogue.library.section("treatment/nutrition").passages[0]
    assert reply.text.startswith("From the factsheet section Treatment, Nutrition: ")
    assert nutrition in reply.text
    assert reply.section == "treatment/nutrition"
    assert reply.interrupt


def test_more_and_yes_continue_with_the_rest_of_the_section(dialogue):
    first = say(dialogue, "what are the symptoms")
    assert first.text.endswith(OFFER_MORE)
    second = say(dialogue, "yes")
    assert second.section == "symptoms/progression"
    assert dialogue.library.section("symptoms/progression").passages[0] in second.text
    assert "That is all" in say(dialogue, "more").text


def test_repeat_says_the_last_answer_again_not_a_confirmation(dialogue):
    answer = say(dialogue, "what causes als")
    say(dialogue, "slower")
    assert say(dialogue, "repeat").text == answer.text


def test_stop_silences_and_says_nothing(dialogue):
    say(dialogue, "what is als")
    reply = say(dialogue, "stop")
    assert reply.text == ""
    assert reply.interrupt


def test_off_topic_says_so_and_what_can_be_asked(dialogue):
    reply = say(dialogue, "what is the weather like")
    assert reply.text.startswith(NOT_IN_FACTSHEET)
    assert "Symptoms" in reply.text and "Treatment" in reply.text
    assert reply.section is None


def test_two_misunderstood_turns_in_a_row_offer_the_topics(dialogue):
    first = say(dialogue, "")
    second = say(dialogue, "   ")
    assert first.text.startswith(NOT_CAUGHT) and "You can ask me about" not in first.text
    assert second.text.startswith(NOT_CAUGHT) and "You can ask me about" in second.text


def test_clarify_accepts_yes_for_the_first_option(dialogue):
    question = say(dialogue, "cramps")
    assert question.text.startswith("Do you mean ")
    options = [c.section for c in question.match.alternatives]
    reply = say(dialogue, "yes")
    assert reply.section == options[0]


def test_clarify_accepts_the_name_of_an_option(dialogue):
    say(dialogue, "cramps")
    assert say(dialogue, "medications").section == "treatment/medications"


def test_clarify_no_asks_again_in_other_words(dialogue):
    say(dialogue, "cramps")
    reply = say(dialogue, "no")
    assert reply.section is None and "other words" in reply.text


def test_voice_commands_change_the_voice_within_limits(dialogue):
    reply = say(dialogue, "slower")
    assert reply.voice == Voice(rate=125, volume=0.9)
    for _ in range(10):
        say(dialogue, "slower")
    assert dialogue.voice.rate == RATE_MIN
    assert "as slow as I can" in say(dialogue, "slower").text
    assert say(dialogue, "louder").voice.volume == 1.0
    assert say(dialogue, "quieter").voice.volume == 0.85


def test_topics_lists_the_top_level_sections(dialogue):
    text = say(dialogue, "what can I ask").text
    for title in ("Overview", "Causes", "Risk factors", "Symptoms", "Diagnosis", "Treatment", "Prevention"):
        assert title in text


def test_the_guess_most_recognizer_guesses_agree_on_is_used(dialogue):
    reply = say(dialogue, "what is the whether", "what is als", "what is a l s")
    assert reply.section == "overview"


def test_guesses_that_disagree_get_asked_again(dialogue):
    reply = say(dialogue, "what muscle will do you", "to one avoid getting", "is als test on in the",
                            "does it run in pain relief")
    assert reply.text.startswith(NOT_CAUGHT)
