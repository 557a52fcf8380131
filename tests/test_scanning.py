"""Auditory scanning and the call for help in the conversation core, without audio: a simulated listener hears
each reply for as long as it would take to say, and makes a sound (or presses the switch) when it hears what it
wants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from voice_assist.conversation import (
    ALARM_OFF,
    HELP_QUIET_BEFORE_SECONDS,
    HELP_SIGNAL_WINDOW,
    LONG_PRESS_SECONDS,
    SCAN_OFFER,
    TALK_HOLDS_OFF_HELP_SECONDS,
    Conversation,
)
from voice_assist.events import (
    Action,
    CaregiverKey,
    ChangeScanning,
    DecodeAfresh,
    Event,
    Heard,
    HeardSoFar,
    Reply,
    Scanning,
    Silence,
    SilenceAlarm,
    SoundAlarm,
    SoundEnded,
    SoundStarted,
    Started,
    State,
    SwitchChanged,
    TooShort,
    Typed,
    UtteranceEnded,
    UtteranceStarted,
    Voice,
    replies,
)
from voice_assist.history import Outcome, turn_of
from voice_assist.scanning import (
    SCAN_ROUNDS,
    SELECT_GRACE_SECONDS,
    SELECT_LOCKOUT_SECONDS,
    START_SCANNING,
    STOPPED_SCANNING,
    passage_label,
    passage_menu,
)

TICK = 0.05
"""Seconds between the simulated microphone's silent frames."""
WORDS_PER_SECOND = 2.5


@dataclass
class Listener:
    """Drives a conversation through time: what is said lasts as long as its words take to say."""

    conversation: Conversation
    now: float = 0.0
    speaking_until: float = 0.0
    said: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def send(self, event: Event) -> list[Action]:
        actions = self.conversation.handle(event)
        self.actions += actions
        for reply in replies(actions):
            if reply.interrupt:
                self.speaking_until = self.now
            if reply.text:
                self.said.append(reply.text)
                self.speaking_until = max(self.speaking_until, self.now) + len(reply.text.split()) / WORDS_PER_SECOND
        return actions

    @property
    def speaking(self) -> bool:
        return self.now < self.speaking_until

    def wait(self, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end:
            self.now += TICK
            self.send(Silence(self.speaking, at=self.now))

    def wait_until(self, heard: Callable[[str], bool], *, within: float = 120.0, since: int | None = None,
                   to_the_end: bool = True) -> None:
        """Listen until a reply (one said from now, or from reply number ``since``) satisfies ``heard`` and has
        been said to its end (or has just begun, unless ``to_the_end``)."""
        start, seen = self.now, len(self.said) if since is None else since
        while not any(heard(text) for text in self.said[seen:]) or (self.speaking and to_the_end):
            assert self.now - start < within, f"never heard it; heard {self.said[seen:]}"
            self.wait(TICK)

    def sound(self, seconds: float = 0.1, *, talk: bool = False, word: bool = False) -> list[Action]:
        actions = self.send(SoundStarted(self.now, self.speaking))
        self.now += seconds
        return actions + self.send(SoundEnded(self.now, seconds, talk=talk, word=word))

    def quick_sounds(self, seconds: float = 0.1, apart: float = 0.3, count: int = 3) -> list[Action]:
        """``count`` sounds of ``seconds``, each ``apart`` after the one before ended."""
        actions: list[Action] = []
        for _ in range(count):
            actions += self.sound(seconds)
            self.now += apart
        return actions

    def press(self, held: float = 0.2) -> list[Action]:
        actions = self.send(SwitchChanged(True, self.now))
        self.now += held
        return actions + self.send(SwitchChanged(False, self.now))

    def choose(self, label: str, *, signal: Callable[[], list[Action]] | None = None) -> list[Action]:
        """Wait for the option ``label``, then select it in the pause after it."""
        self.wait_until(lambda text: text.endswith(label))
        self.wait(0.3)
        return (signal or self.sound)()

    @property
    def last(self) -> str:
        return self.said[-1] if self.said else ""


@pytest.fixture
def listener(matcher) -> Listener:
    conversation = Conversation(matcher.library, Voice(150, 0.9), matcher, scanning=Scanning(1.5, 20.0))
    user = Listener(conversation)
    user.send(Started())
    user.wait(5)
    return user


@pytest.fixture
def non_speaker(matcher) -> Listener:
    """A user who no longer speaks: scanning is the way in."""
    conversation = Conversation(matcher.library, Voice(150, 0.9), matcher, scanning=Scanning(1.5, 20.0),
                                scanning_way_in=True)
    user = Listener(conversation)
    user.send(Started())
    return user


def test_scan_said_starts_reading_the_topics_one_at_a_time(listener):
    listener.send(Typed("scan", at=listener.now))
    assert listener.last.startswith(START_SCANNING) and listener.last.endswith("Overview")
    assert listener.conversation.status.state is State.SCANNING
    listener.wait_until(lambda text: text == "Causes")
    listener.wait_until(lambda text: text == "Risk factors")


def test_every_passage_of_every_topic_can_be_reached_by_sounds_alone(non_speaker, matcher):
    library = matcher.library
    for topic in library.topics():
        for option in passage_menu(library, topic.id)[:-1]:
            non_speaker.wait(2)  # a sound out of scanning starts it: the user who does not speak is never stuck
            if non_speaker.conversation.status.state is not State.SCANNING:
                non_speaker.sound()
            before = len(non_speaker.said)
            non_speaker.choose(topic.title)
            if len(passage_menu(library, topic.id)) > 2:
                non_speaker.choose(option.label)
            section = library.section(option.section or "")
            expected = section.passages[option.passage]
            non_speaker.wait_until(lambda text, expected=expected: expected[:40] in text, since=before)
            non_speaker.choose("Topics")
            # "Topics" starts the topics again: back at the first topic, ready for the next
            assert non_speaker.last == "Overview"


def test_a_sound_while_a_passage_is_read_stops_it_and_repeat_reads_it_again(listener, matcher):
    listener.send(Typed("scan", at=listener.now))
    listener.choose("Causes")
    listener.choose("The cause of ALS is unknown.")
    passage = listener.last
    assert "The cause of ALS is unknown." in passage
    listener.wait(SELECT_LOCKOUT_SECONDS + 0.1)
    assert listener.speaking
    stopped = listener.sound()
    assert [reply.text for reply in replies(stopped)] == [""] and replies(stopped)[0].interrupt
    listener.choose("Repeat")
    assert listener.last == passage


def test_more_reads_on_after_a_passage(listener, matcher):
    listener.send(Typed("scan", at=listener.now))
    listener.choose("Causes")
    listener.choose("The cause of ALS is unknown.")
    listener.choose("More")
    assert matcher.library.section("causes").passages[1] in listener.last


def test_back_offers_the_passages_of_the_same_topic_again(listener, matcher):
    listener.send(Typed("scan", at=listener.now))
    listener.choose("Treatment")
    listener.choose("Approved drugs")
    listener.choose("Back")
    assert listener.last == passage_label(matcher.library.section("treatment"), 0)


def test_a_second_sound_soon_after_a_selection_selects_nothing(listener):
    listener.send(Typed("scan", at=listener.now))
    listener.choose("Causes")
    listener.now += SELECT_LOCKOUT_SECONDS / 2
    assert replies(listener.sound()) == []


def test_a_late_sound_just_after_the_next_option_began_takes_the_one_before(listener):
    listener.send(Typed("scan", at=listener.now))
    listener.wait_until(lambda text: text == "Causes")
    listener.wait_until(lambda text: text == "Risk factors", within=10, to_the_end=False)
    listener.now += SELECT_GRACE_SECONDS / 2  # "Risk factors" was put out a moment ago
    listener.sound()
    assert listener.last == "The cause of ALS is unknown."  # the first passage of Causes, not of Risk factors


def test_scanning_stops_after_rounds_without_a_selection(listener, matcher):
    listener.send(Typed("scan", at=listener.now))
    options = len(matcher.library.topics()) + 1
    listener.wait_until(lambda text: text.startswith(STOPPED_SCANNING), within=options * SCAN_ROUNDS * 6)
    assert listener.said.count("Causes") == SCAN_ROUNDS
    assert listener.conversation.status.state is not State.SCANNING


def test_sounds_out_of_scanning_do_nothing_for_a_speaking_user(listener):
    for _ in range(5):
        assert listener.sound() == []
        listener.wait(HELP_SIGNAL_WINDOW / 2 + 0.1)


def test_a_non_speaker_is_greeted_with_scanning_and_a_sound_restarts_it(non_speaker):
    assert START_SCANNING in non_speaker.said[0]
    non_speaker.wait_until(lambda text: text.startswith(STOPPED_SCANNING), within=200)
    non_speaker.wait(5)
    non_speaker.sound()
    assert non_speaker.last.startswith(START_SCANNING)


def test_scanning_is_offered_after_two_turns_not_understood_and_a_sound_takes_the_offer(listener):
    for _ in range(2):
        listener.send(Heard(("the bend of the garden hose",), at=listener.now))
        listener.wait(5)
    assert listener.said[-1].endswith(SCAN_OFFER)
    listener.sound()
    assert listener.last.startswith(START_SCANNING)


def test_speech_while_scanning_steers_it_but_is_not_answered(listener):
    listener.send(Typed("scan", at=listener.now))
    listener.wait(1)
    assert listener.send(Heard(("what is riluzole",), at=listener.now)) == []
    assert listener.conversation.status.state is State.SCANNING
    stopped = listener.send(Heard(("stop",), at=listener.now))
    assert [reply.text for reply in replies(stopped)] == [""]
    listener.wait(10)
    assert listener.conversation.status.state is not State.SCANNING


def test_the_switch_starts_scanning_and_selects(listener, matcher):
    listener.press()
    assert listener.last.startswith(START_SCANNING)
    listener.choose("Prevention", signal=listener.press)
    assert matcher.library.section("prevention").passages[0] in listener.last


def test_the_pace_and_the_sound_level_are_changed_by_voice(listener):
    changed = listener.send(Typed("scan slower", at=listener.now))
    assert [action for action in changed if isinstance(action, ChangeScanning)] == [
        ChangeScanning(Scanning(2.0, 20.0))]
    listener.send(Typed("more sensitive", at=listener.now))
    assert listener.conversation.status.scanning == Scanning(2.0, 17.0)
    for _ in range(40):
        listener.send(Typed("less sensitive", at=listener.now))
    assert listener.conversation.status.scanning == Scanning(2.0, 50.0)
    assert "as far as it goes" in listener.last


# --- the call for help


def _alarms(actions: list[Action]) -> list[SoundAlarm]:
    return [action for action in actions if isinstance(action, SoundAlarm)]


@pytest.mark.parametrize("phrase", ["help me", "call someone"])
def test_help_me_sounds_the_alarm_even_over_an_answer(listener, phrase):
    listener.send(Typed("what is riluzole", at=listener.now))
    listener.wait(0.5)
    assert listener.speaking
    actions = listener.send(Heard((phrase,), speaking=True, at=listener.now))
    assert _alarms(actions) and replies(actions)[0].interrupt
    assert listener.conversation.status.state is State.ALARM


def test_help_alone_is_still_the_topics(listener):
    assert _alarms(listener.send(Typed("help", at=listener.now))) == []


def test_three_short_sounds_in_quick_succession_call_for_help_in_any_state(listener):
    listener.send(Typed("scan", at=listener.now))
    listener.wait(0.5)
    assert _alarms(listener.quick_sounds(0.1, 0.4))


def test_three_sounds_right_after_other_sound_or_amid_talk_do_not_call_for_help(listener):
    listener.sound(0.8)  # too long to be one of them, but it is sound
    listener.now += HELP_QUIET_BEFORE_SECONDS / 2
    actions = listener.quick_sounds(0.1, 0.3)
    assert _alarms(actions) == []
    listener.wait(HELP_QUIET_BEFORE_SECONDS)
    listener.sound(1.2, talk=True)  # someone talking
    listener.wait(HELP_QUIET_BEFORE_SECONDS + 0.1)
    actions += listener.quick_sounds(0.1, 0.3)
    assert _alarms(actions) == []
    listener.wait(TALK_HOLDS_OFF_HELP_SECONDS)
    actions += listener.quick_sounds(0.1, 0.3)
    assert _alarms(actions)


def test_talk_undoes_what_its_start_selected(listener):
    listener.send(Typed("scan", at=listener.now))
    listener.wait_until(lambda text: text == "Causes")
    listener.wait(0.3)
    selected = listener.sound(1.4, talk=True)
    assert any(reply.text == "The cause of ALS is unknown." for reply in replies(selected))
    assert replies(selected)[-1] == Reply("", interrupt=True)  # undone: silence, then the scan goes on
    listener.wait_until(lambda text: text == "Risk factors", within=10)


def test_a_question_asked_a_word_at_a_time_does_not_call_for_help(listener):
    """Each word of "what ... is ... A ... L ... S" is a short sound of its own; the detector tells most of them
    for words ("A", like a hum, it may not), and a word breaks the run."""
    actions: list[Action] = []
    for word in (True, True, False, True, True):
        actions += listener.sound(0.3, word=word)
        listener.now += 0.5
    assert _alarms(actions) == []
    listener.wait(HELP_QUIET_BEFORE_SECONDS)
    actions += listener.quick_sounds(0.3, 0.5)
    assert _alarms(actions)


def test_sounds_too_far_apart_or_too_long_do_not_call_for_help(listener):
    actions: list[Action] = []
    for _ in range(4):
        actions += listener.sound(0.1)
        listener.wait(HELP_SIGNAL_WINDOW / 2 + 0.1)
    for _ in range(4):
        actions += listener.sound(1.5)  # speech, a held hum
        listener.now += 0.2
    assert _alarms(actions) == []


def test_a_long_press_calls_for_help_while_held(listener):
    listener.send(SwitchChanged(True, listener.now))
    listener.wait(LONG_PRESS_SECONDS + 0.2)
    assert _alarms(listener.actions)


def test_only_im_here_or_a_caregiver_key_stops_the_alarm(listener):
    listener.send(Typed("help me", at=listener.now))
    for said in ("stop", "what is riluzole", "help me"):
        actions = listener.send(Heard((said,), speaking=True, at=listener.now))
        assert not any(isinstance(action, SilenceAlarm) for action in actions), said
    assert listener.sound() == [] and listener.press() == []
    assert listener.conversation.status.state is State.ALARM
    stopped = listener.send(Heard(("i'm here",), speaking=True, at=listener.now))
    assert any(isinstance(action, SilenceAlarm) for action in stopped)
    assert listener.last == ALARM_OFF
    listener.send(Typed("help me", at=listener.now))
    assert any(isinstance(action, SilenceAlarm) for action in listener.send(CaregiverKey(listener.now)))
    assert listener.conversation.status.state is not State.ALARM


def test_a_passage_chosen_by_scanning_goes_into_the_caregivers_record(listener):
    listener.send(Typed("scan", at=listener.now))
    actions = listener.choose("Prevention")
    reading = [reply for reply in replies(actions) if reply.text]
    assert reading and reading[0].section == "prevention"
    heard = listener.conversation.status.heard
    turn = turn_of(reading[0], heard, "Prevention", datetime(2026, 12, 2, 9, 0).astimezone())
    assert turn is not None and (turn.outcome, turn.section, turn.heard) == (Outcome.ANSWER, "prevention", heard)
    assert "scanning" in heard


def test_the_alarm_holds_whatever_the_microphone_hears_until_it_is_stopped(listener):
    listener.send(Typed("help me", at=listener.now))
    for event in (TooShort(True), UtteranceStarted(False), UtteranceEnded(), Silence(False, at=listener.now + 1)):
        listener.send(event)
        assert listener.conversation.status.state is State.ALARM, event
    assert listener.conversation.alarm_sounding
    listener.send(Heard(("stop the alarm",), speaking=True, at=listener.now))
    assert not listener.conversation.alarm_sounding


def test_a_second_alarm_is_stopped_by_voice_as_the_first(listener):
    for _ in range(2):
        listener.send(Typed("help me", at=listener.now))
        listener.send(UtteranceStarted(True))
        stopped = listener.send(HeardSoFar("stop the alarm", True, at=listener.now))
        assert any(isinstance(action, SilenceAlarm) for action in stopped)
        listener.wait(3)


def test_a_non_speakers_hum_heard_as_stop_does_not_end_scanning_but_a_caregivers_key_does(non_speaker):
    non_speaker.wait(4)
    assert non_speaker.conversation.status.state is State.SCANNING
    assert non_speaker.send(Heard(("stop",), at=non_speaker.now)) == []
    assert non_speaker.conversation.status.state is State.SCANNING
    non_speaker.send(CaregiverKey(non_speaker.now))
    assert non_speaker.last.startswith(STOPPED_SCANNING)
    assert non_speaker.conversation.status.state is not State.SCANNING


def test_the_offer_of_scanning_is_not_taken_by_someone_talking(listener):
    for _ in range(2):
        listener.send(Heard(("the bend of the garden hose",), at=listener.now))
        listener.wait(5)
    assert listener.said[-1].endswith(SCAN_OFFER)
    listener.sound(1.4, talk=True)  # the user tries again in words
    listener.sound(0.8)  # a long sound: not a short, deliberate one
    assert listener.conversation.status.state is not State.SCANNING


@pytest.mark.parametrize(("help_sounds", "sounds", "called"), [(0, 6, False), (4, 3, False), (4, 4, True)])
def test_how_many_quick_sounds_call_for_help_is_a_setting(matcher, help_sounds, sounds, called):
    user = Listener(Conversation(matcher.library, Voice(150, 0.9), matcher, help_sounds=help_sounds))
    user.send(Started())
    user.wait(8)
    actions: list[Action] = []
    for _ in range(sounds):
        actions += user.sound(0.1)
        user.now += 0.2
    assert bool(_alarms(actions)) is called


def test_scan_heard_over_the_assistants_own_voice_is_not_taken(listener):
    listener.send(Typed("what is riluzole", at=listener.now))
    listener.wait(0.5)
    listener.send(Heard(("menu",), speaking=True, at=listener.now))
    assert listener.conversation.status.state is not State.SCANNING


def test_a_short_utterance_not_understood_during_the_alarm_gets_a_second_hearing(listener):
    listener.send(Typed("help me", at=listener.now))
    first = listener.send(Heard(("stop it",), speaking=True, seconds=2.5, at=listener.now))
    assert any(isinstance(action, DecodeAfresh) for action in first)
    second = listener.send(Heard(("stop the alarm",), speaking=True, afresh=True, at=listener.now))
    assert any(isinstance(action, SilenceAlarm) for action in second)
