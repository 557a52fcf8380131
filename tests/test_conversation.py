"""The conversation core, without audio: what is said back, turn by turn, and when an utterance is over."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from voice_assist.conversation import (
    NOT_CAUGHT,
    NOT_IN_FACTSHEET,
    OFFER_MORE,
    QUICK_END_MAX_SECONDS,
    RATE_MIN,
    ChangeVoice,
    CheckPartial,
    ContinueUtterance,
    Conversation,
    EndUtterance,
    Heard,
    HeardSoFar,
    ListeningFailed,
    MicrophoneLost,
    MicrophoneOpened,
    Paused,
    Reply,
    SentenceStarted,
    Silence,
    Started,
    State,
    TryFinishing,
    Typed,
    UtteranceStarted,
    Voice,
    replies,
)
from voice_assist.problems import BASIC_RECOGNIZER, Problem


@pytest.fixture
def dialogue(matcher):
    return Conversation(matcher.library, Voice(rate=150, volume=0.9), matcher)


@dataclass(frozen=True)
class Turn:
    """What one utterance got: the reply said, and the voice change if any."""

    reply: Reply
    voice: Voice | None

    @property
    def text(self) -> str:
        return self.reply.text

    @property
    def section(self) -> str | None:
        return self.reply.section

    @property
    def interrupt(self) -> bool:
        return self.reply.interrupt

    @property
    def match(self):
        return self.reply.match


def say(dialogue, *heard):
    actions = dialogue.handle(Heard(tuple(heard)))
    [reply] = replies(actions)
    voice = next((action.voice for action in actions if isinstance(action, ChangeVoice)), None)
    return Turn(reply, voice)


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
    assert dialogue.status.voice.rate == RATE_MIN
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


def test_typed_spoken_and_recognized_text_get_the_same_reply(matcher):
    questions = ("will it affect my breathing", "what causes als", "how do I bake bread", "slower", "")
    typed, heard = (Conversation(matcher.library, Voice(150, 0.9), matcher) for _ in range(2))
    for question in questions:
        assert replies(typed.handle(Typed(question))) == replies(heard.handle(Heard((question,))))


# --- listening: the decisions the voice loop used to make, now events in and actions out -------------------

def test_a_pause_is_tried_once_for_a_quick_end_and_a_finished_question_ends_the_utterance(dialogue):
    dialogue.handle(UtteranceStarted(speaking=False))
    assert dialogue.status.state is State.HEARING
    assert dialogue.handle(Paused(1.5, 0.2, speaking=False)) == []  # too short a pause
    assert dialogue.handle(Paused(1.8, dialogue.quick_end_silence, speaking=False)) == [CheckPartial()]
    assert dialogue.handle(Paused(1.83, dialogue.quick_end_silence + 0.03, speaking=False)) == []  # tried already
    assert dialogue.handle(HeardSoFar("will i need a feeding", speaking=False)) == [TryFinishing()]
    actions = dialogue.handle(Heard(("will i need a feeding tube",), at_pause=True))
    assert actions[0] == EndUtterance()
    assert replies(actions)[0].section == "treatment/nutrition"


def test_a_question_that_does_not_make_sense_yet_goes_on_listening(dialogue):
    dialogue.handle(UtteranceStarted(speaking=False))
    assert dialogue.handle(Heard(("will i need a",), at_pause=True)) == [ContinueUtterance()]
    assert dialogue.status.said == ""
    # A new pause, after more speech, is tried again.
    dialogue.handle(Paused(1.0, dialogue.quick_end_silence, speaking=False))
    assert dialogue.handle(Paused(2.5, dialogue.quick_end_silence, speaking=False)) == [CheckPartial()]


def test_long_halting_questions_are_not_tried_at_every_pause(dialogue):
    dialogue.handle(UtteranceStarted(speaking=False))
    assert dialogue.handle(Paused(QUICK_END_MAX_SECONDS + 1, dialogue.quick_end_silence, speaking=False)) == []


def test_over_its_own_speech_only_a_command_at_the_end_is_taken(dialogue):
    say(dialogue, "will I need a breathing machine")
    dialogue.handle(UtteranceStarted(speaking=True))
    assert dialogue.handle(Paused(1.0, 0.2, speaking=True)) == [CheckPartial()]
    assert dialogue.handle(HeardSoFar("what is riluzole", speaking=True)) == []
    assert dialogue.handle(Paused(1.1, 0.3, speaking=True)) == []  # rechecked only after a moment
    assert dialogue.handle(Paused(1.4, 0.6, speaking=True)) == [CheckPartial()]
    actions = dialogue.handle(HeardSoFar("and the stop", speaking=True))
    assert actions == [EndUtterance(), Reply("", actions[1].match, interrupt=True)]
    ignored = dialogue.handle(Heard(("what is riluzole",), speaking=True))
    assert replies(ignored) == []


def test_its_own_words_coming_back_are_not_commands(dialogue):
    say(dialogue, "what are the symptoms")  # ends with "Do you want more?"
    dialogue.handle(UtteranceStarted(speaking=True))
    assert replies(dialogue.handle(Heard(("more",), speaking=True))) == []
    assert replies(dialogue.handle(Heard(("stop",), speaking=True)))[0].interrupt


def test_the_state_shown_follows_the_conversation(dialogue):
    say(dialogue, "what causes als")
    assert dialogue.status.state is State.SPEAKING
    dialogue.handle(Silence(speaking=True))
    assert dialogue.status.state is State.SPEAKING
    dialogue.handle(Silence(speaking=False))
    assert dialogue.status.state is State.LISTENING


def test_faults_are_said_once_and_the_microphone_coming_back_too(dialogue):
    assert len(replies(dialogue.handle(ListeningFailed(at=100.0)))) == 1
    assert replies(dialogue.handle(ListeningFailed(at=130.0))) == []
    assert len(replies(dialogue.handle(ListeningFailed(at=170.0)))) == 1
    assert replies(dialogue.handle(MicrophoneOpened())) == []
    assert len(replies(dialogue.handle(MicrophoneLost("gone")))) == 1
    assert replies(dialogue.handle(MicrophoneLost("gone"))) == []
    assert dialogue.status.state is State.NO_MICROPHONE and dialogue.status.problem == "gone"
    assert "again" in replies(dialogue.handle(MicrophoneOpened()))[0].text
    assert dialogue.status.problem == ""


# --- what the caregiver view is given ------------------------------------------------------------------------

BROKEN_FACTSHEET = Problem("Factsheet mine.md, line 1: text before the first section heading.", "Add a heading.",
                           "The factsheet mine.md has a problem on line 1.")


def test_start_up_problems_are_said_once_and_shown_for_as_long_as_it_runs(dialogue):
    [greeting] = replies(dialogue.handle(Started(problems=(BROKEN_FACTSHEET, BASIC_RECOGNIZER))))
    assert greeting.text.startswith(f"{BROKEN_FACTSHEET.spoken} {BASIC_RECOGNIZER.spoken} A caregiver can see")
    assert greeting.text.endswith(dialogue.greeting())
    for question in ("what causes als", "stop", "slower"):
        assert BROKEN_FACTSHEET.spoken not in say(dialogue, question).text
    dialogue.handle(MicrophoneLost("gone"))
    dialogue.handle(MicrophoneOpened())
    assert dialogue.status.problems == (BROKEN_FACTSHEET, BASIC_RECOGNIZER)


def test_many_start_up_problems_are_counted_aloud(dialogue):
    [greeting] = replies(dialogue.handle(Started(typed=True, problems=(BROKEN_FACTSHEET,) * 5)))
    assert greeting.text.startswith("There are 5 problems with how I am set up. A caregiver can see")


def test_the_view_gets_the_title_being_read_also_when_repeating(dialogue):
    say(dialogue, "will I need a feeding tube")
    assert (dialogue.status.section, dialogue.status.reading) == ("treatment/nutrition", "Treatment, Nutrition")
    say(dialogue, "say that again")
    assert dialogue.status.reading == "Treatment, Nutrition"
    say(dialogue, "what is the weather like")
    assert dialogue.status.reading == ""


def test_the_view_gets_the_sentence_being_heard(dialogue):
    reply = say(dialogue, "what causes als")
    assert dialogue.status.sentence == ""
    dialogue.handle(SentenceStarted("The cause of ALS is unknown."))
    assert dialogue.status.sentence == "The cause of ALS is unknown." and dialogue.status.said == reply.text
    say(dialogue, "say that again")
    assert dialogue.status.sentence == ""  # the same words again, from their start
    dialogue.handle(Silence(speaking=False))
    dialogue.handle(SentenceStarted("Genes may play a role."))  # late, from a reply that is over
    assert dialogue.status.sentence == ""


def test_normal_voice_goes_back_to_the_settings_files_voice(matcher):
    dialogue = Conversation(matcher.library, Voice(125, 0.6), matcher, normal_voice=Voice(170, 0.9))
    assert dialogue.status.normal_voice == Voice(170, 0.9)
    reply = say(dialogue, "normal voice")
    assert (reply.voice, reply.text) == (Voice(170, 0.9), "Speaking in my normal voice.")
    assert dialogue.voice == Voice(170, 0.9)
    assert (say(dialogue, "reset your voice").voice, say(dialogue, "normal voice").text) == (
        None, "This is my normal voice already.")
