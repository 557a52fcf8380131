"""The conversation core, without audio: what is said back, turn by turn, and when an utterance is over."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from voice_assist.conversation import (
    FRAGMENT_WAIT_SECONDS,
    NOT_CAUGHT,
    NOT_IN_FACTSHEET,
    NOTHING_TO_CONTINUE,
    OFFER_MORE,
    OFFER_SECONDS,
    QUICK_END_MAX_SECONDS,
    RATE_MIN,
    RATE_STEP,
    Conversation,
)
from voice_assist.events import (
    ChangeVoice,
    CheckPartial,
    ContinueUtterance,
    DecodeAfresh,
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
from voice_assist.match import MatchKind
from voice_assist.problems import BASIC_RECOGNIZER, Problem
from voice_assist.speak import split_sentences


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
    actions = dialogue.handle(Heard(tuple(heard), whole=True))
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


def test_off_topic_says_so_briefly_and_the_topics_only_the_second_time(dialogue):
    reply = say(dialogue, "what is the weather like")
    assert reply.text == NOT_IN_FACTSHEET
    assert reply.section is None
    again = say(dialogue, "how do I bake bread")
    assert again.text.startswith(NOT_IN_FACTSHEET)
    assert "Symptoms" in again.text and "Treatment" in again.text
    assert say(dialogue, "what is the weather like").text == NOT_IN_FACTSHEET


def test_yes_or_more_only_continue_what_was_just_offered(dialogue):
    assert say(dialogue, "what are the symptoms").text.endswith(OFFER_MORE)
    say(dialogue, "how do I bake bread")  # an unrelated reply in between
    assert say(dialogue, "yes", "that on").text == NOTHING_TO_CONTINUE
    assert say(dialogue, "more").text == NOTHING_TO_CONTINUE
    assert say(dialogue, "that on", "yes").section is None  # a "yes" among lower guesses only: not taken at all


def test_yes_continues_after_stop_repeat_or_a_voice_change(dialogue):
    say(dialogue, "what are the symptoms")
    for command in ("stop", "repeat", "slower"):
        say(dialogue, command)
    assert say(dialogue, "yes").section == "symptoms/progression"


def test_the_offer_lapses_a_while_after_the_assistant_falls_silent(dialogue):
    dialogue.handle(Heard(("what are the symptoms",), at=100.0))
    dialogue.handle(Silence(speaking=True, at=120.0))
    dialogue.handle(Silence(speaking=False, at=125.0))
    [late] = replies(dialogue.handle(Heard(("yes",), at=125.0 + OFFER_SECONDS + 1)))
    assert late.text == NOTHING_TO_CONTINUE
    dialogue.handle(Heard(("what are the symptoms",), at=300.0))
    dialogue.handle(Silence(speaking=False, at=320.0))
    [soon] = replies(dialogue.handle(Heard(("yes",), at=330.0)))
    assert soon.section == "symptoms/progression"


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
        assert replies(typed.handle(Typed(question))) == replies(heard.handle(Heard((question,), whole=True)))


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


def test_a_short_utterance_over_speech_without_a_command_gets_a_second_hearing_for_stop_only(dialogue):
    say(dialogue, "will I need a breathing machine")
    dialogue.handle(UtteranceStarted(speaking=True))
    assert dialogue.handle(Heard(("talk",), speaking=True, seconds=2.8)) == [DecodeAfresh()]
    assert replies(dialogue.handle(Heard(("slower",), speaking=True, afresh=True))) == []
    assert dialogue.status.voice == Voice(150, 0.9)
    [stop] = replies(dialogue.handle(Heard(("stop",), speaking=True, afresh=True)))
    assert stop.text == "" and stop.interrupt
    dialogue.handle(UtteranceStarted(speaking=True))
    long_echo = Heard(("the nerves gradually die which can lead to",), speaking=True, seconds=6.0)
    assert dialogue.handle(long_echo) == []


def test_half_a_question_waits_for_its_rest_and_joins_it(dialogue):
    assert dialogue.handle(Heard(("will i need a", "will i need"), at=10.0)) == []
    assert dialogue.status.state is State.HEARING
    assert dialogue.handle(Silence(speaking=False, at=10.0 + FRAGMENT_WAIT_SECONDS - 0.1)) == []
    dialogue.handle(UtteranceStarted(speaking=False))
    [answer] = replies(dialogue.handle(Heard(("feeding tube",), at=13.0)))
    assert answer.section == "treatment/nutrition"


def test_half_a_question_nobody_finishes_is_refused_after_the_wait(dialogue):
    assert dialogue.handle(Heard(("what is the",), at=10.0)) == []
    [refusal] = replies(dialogue.handle(Silence(speaking=False, at=10.0 + FRAGMENT_WAIT_SECONDS)))
    assert refusal.section is None and refusal.text
    assert replies(dialogue.handle(Silence(speaking=False, at=20.0))) == []


def test_an_answer_or_a_whole_utterance_is_said_at_once_and_a_refusal_waits_for_more(dialogue):
    assert replies(dialogue.handle(Heard(("will i need a",), whole=True)))
    assert replies(dialogue.handle(Heard(("what causes als",))))
    assert dialogue.handle(Heard(("how do I bake bread",), at=5.0)) == []
    [refusal] = replies(dialogue.handle(Silence(speaking=False, at=5.0 + FRAGMENT_WAIT_SECONDS)))
    assert refusal.text == NOT_IN_FACTSHEET


def test_a_voice_change_while_reading_carries_on_from_the_sentence_being_read(dialogue):
    answer = say(dialogue, "what are the symptoms").text
    sentence = split_sentences(answer)[2]
    dialogue.handle(SentenceStarted(sentence))
    actions = dialogue.handle(Heard(("slower",), speaking=True, whole=True))
    assert actions[0] == ChangeVoice(Voice(125, 0.9))
    [resumed] = replies(actions)
    assert resumed.text == answer[answer.index(sentence):] and resumed.interrupt
    assert resumed.section is not None and resumed.section.startswith("symptoms")
    assert resumed.section == dialogue.status.section
    assert say(dialogue, "repeat").text == answer
    assert say(dialogue, "faster").text == "Speaking faster."  # not speaking any more: say what changed


def test_the_answer_starts_at_the_passage_that_answers_and_more_goes_on_from_there(dialogue):
    risk = dialogue.library.section("risk-factors")
    first = say(dialogue, "are people who served in the forces, like veterans, more at risk")
    assert first.text.startswith("From the factsheet section Risk factors: Military veterans have twice the risk")
    assert risk.passages[0] not in first.text
    assert "That is all" in say(dialogue, "more").text  # the veterans passage is the section's last


def test_more_after_a_list_item_reads_the_rest_of_its_list_then_the_next_part(dialogue):
    first = say(dialogue, "is there a tablet to stop the drooling")
    assert first.text == ("From the factsheet section Treatment, Medications: Medications may include: Medication to "
                          f"reduce heavy drooling. {OFFER_MORE}")
    rest = say(dialogue, "more")
    assert rest.text.startswith("Medications may include: Antidepressants and anti-anxiety drugs.")
    assert "Muscle relaxants" not in rest.text and "drooling" not in rest.text
    assert say(dialogue, "more").section == "treatment/supportive-care"


def test_from_the_start_reads_the_section_from_its_beginning(dialogue):
    say(dialogue, "is there a tablet to stop the drooling")
    again = say(dialogue, "from the start")
    medications = dialogue.library.section("treatment/medications")
    assert again.match.command == "from the start"
    assert again.text.startswith(f"From the factsheet section Treatment, Medications: {medications.passages[0]}")
    assert again.section == "treatment/medications"


def test_from_the_start_before_any_answer_says_so(dialogue):
    reply = say(dialogue, "start again")
    assert reply.section is None and "haven't read anything" in reply.text


def test_a_question_about_the_whole_section_reads_it_from_the_beginning(dialogue):
    risk = dialogue.library.section("risk-factors")
    assert risk.passages[0] in say(dialogue, "what are the risk factors").text


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


def test_words_heard_that_answer_when_typed_are_offered_for_a_yes_when_the_guesses_disagree(dialogue):
    """The view showed "Heard: will it affect my breathing", typed it answers from Breathing, spoken the guesses
    disagreed and it said "Sorry, I didn't catch that": now it asks, and one word reads the answer."""
    guesses = ("will it affect my breathing", "will it effect my breeding", "what effect by reading",
               "will it affect my", "will it affect the breathing")
    typed = Conversation(dialogue.library, Voice(150, 0.9), dialogue.matcher)
    [answer] = replies(typed.handle(Typed(guesses[0])))
    asked = say(dialogue, *guesses)
    assert asked.text == "Do you mean Treatment, Breathing?" and asked.section is None
    assert say(dialogue, "yes").text == answer.text
    say(dialogue, *guesses)
    assert "other words" in say(dialogue, "no").text


def test_a_command_among_guesses_that_disagree_is_offered_for_a_yes(dialogue):
    """pocketsphinx's guesses for espeak-ng saying "slower", clean: "Sorry, I didn't catch that" cost a second
    "slower"; now one "yes" does it."""
    guesses = ("so", "slow", "slower", "lower", "no")
    asked = say(dialogue, *guesses)
    assert asked.text == "Did you say slower?" and asked.voice is None
    assert say(dialogue, "yes").voice == Voice(150 - RATE_STEP, 0.9)


def test_a_command_offered_for_a_yes_is_named_as_people_say_it(dialogue):
    """Not "Did you say from_start?", the command's name in the program."""
    assert say(dialogue, "so", "from the start", "from the start", "start").text == "Did you say from the start?"


def test_yes_no_and_stop_among_guesses_that_disagree_are_not_offered(matcher):
    for command in ("yes", "no", "stop"):
        match = matcher.match(["so", "slow", command, "lower", command])
        assert match.kind is MatchKind.NO_MATCH and match.offered_command is None, command


@pytest.mark.parametrize(("voice", "command"), [(Voice(350, 0.9), "faster"), (Voice(150, 0.15), "quieter")])
def test_a_voice_the_caregiver_set_beyond_the_commands_range_is_never_moved_the_other_way(matcher, voice, command):
    dialogue = Conversation(matcher.library, voice, matcher)
    reply = say(dialogue, command)
    assert reply.voice is None and reply.text.startswith("This is as")
    assert dialogue.voice == voice


def test_a_yes_long_after_do_you_mean_reads_nothing(dialogue):
    dialogue.handle(Heard(("cramps",), at=100.0, whole=True))  # "Do you mean ..., or ...?"
    dialogue.handle(Silence(speaking=False, at=103.0))
    [late] = replies(dialogue.handle(Heard(("yes",), at=103.0 + OFFER_SECONDS + 1, whole=True)))
    assert late.section is None and late.text == NOTHING_TO_CONTINUE
