"""Answering questions and reading sections: the passages read and still to read ("Do you want more?"), questions
back ("Do you mean A, or B?"), yes-or-no questions ("Did you say slower?", "Shall I delete ...?"), refusals, and
the commands that steer reading or change the voice.

Its state (``Thread``) is what the conversation holds on to between turns; the core hands it the moment and the
status of each turn, and shows and says what it replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from enum import Enum

from voice_assist.commands import Command
from voice_assist.content import Library, Reading, Start
from voice_assist.conversation.adjustments import VOICE_CHANGES, changed_voice
from voice_assist.conversation.stage import Moment
from voice_assist.events import Reply, Status, Voice
from voice_assist.match import Match, MatchKind

log = logging.getLogger(__package__)

NOT_IN_FACTSHEET = "I don't have that in my factsheet."
NOT_CAUGHT = "Sorry, I didn't catch that."
OFFER_MORE = "Do you want more?"
MISUNDERSTOOD_BEFORE_TOPICS = 2
"""Turns in a row not understood or not in the factsheet after which the topics are offered unasked. The
first refusal is short ("I don't have that in my factsheet."): the list of topics took about 14 s at 125
words a minute, after every burst of noise."""
NOTHING_TO_CONTINUE = "Ask me a question, or say topics."
FORGET_QUESTION = "Shall I delete the history of what was asked, and keep none from now on? Say yes to delete it."
"""Asked before the history is deleted: it cannot be undone, and "forget history" can be misheard ("for get this
story" is close enough)."""

SAY_YES_AGAIN = "I was not sure I heard yes. Say yes again to delete, or anything else to keep."
"""Said when a "yes" to deleting the history or the recordings of the user's voice was heard, but not surely
(``Match.taken_unsure``): a deletion cannot be undone. Of 16 spoken "yes" and "more" in the benchmark sets, 2
were heard only fairly sure: one "yes" in eight may need saying twice."""

SCAN_OFFER = "Or make a sound, and I will read them one at a time."
"""Said with the topics after turns not understood: scanning is the way in when speech is not enough."""

_THREAD_KEEPING_COMMANDS = frozenset({Command.STOP, Command.REPEAT, Command.MORE, Command.YES, *VOICE_CHANGES})

_KEEPS_A_QUESTION_BACK = _THREAD_KEEPING_COMMANDS | {Command.NO}
"""Commands after which "Do you mean A, or B?" still stands ("no" answers it); any other ends it."""


class Deletion(Enum):
    """What the assistant asked whether to delete ("Shall I delete ...?"): it cannot be undone."""

    HISTORY = "the history of what was asked"
    VOICE = "the recordings of the user's voice"


@dataclass(frozen=True)
class Thread:
    """The state of the conversation between turns: what was read and is offered, and what was asked back."""

    last_text: str = ""
    unread: tuple[Reading, ...] = ()
    """What is still to read with "more", in order."""
    section: str | None = None
    """The section answered last: what "from the start" reads again from its beginning."""
    clarifying: tuple[str, ...] = ()
    """The sections just offered ("Do you mean A, or B?", or "Do you mean A?"): yes takes the first."""
    misunderstood: int = 0
    continuing: bool = False
    """The last reply read from a section (or only changed the voice, repeated or stopped): "more" and "yes"
    go on with it."""
    last_section: str | None = None
    """The section ``last_text`` was read from, if any."""
    yes_question: Match | Deletion | None = None
    """What the last reply asked a yes or no about: a command ("Did you say slower?") or a deletion ("Shall I
    delete ...?"). Only the next utterance answers: a "yes" said then (within ``OFFER_SECONDS``) takes it, and
    anything else, a call for help or a scanning setting too, lets the question lapse."""
    scan_offered: bool = False
    """The last reply offered scanning: a sound starts it."""

    def interrupted(self) -> Thread:
        """Scanning or a call for help took over: nothing goes on with "more", and nothing asked stands."""
        return replace(self, continuing=False, clarifying=(), yes_question=None, scan_offered=False)

    def closed(self, *, asking: Deletion | None = None) -> Thread:
        """Nothing read goes on, not even with "more", and nothing asked stands but ``asking``."""
        return replace(self, continuing=False, unread=(), clarifying=(), yes_question=asking)

    def repeating(self, reply: Reply) -> Thread:
        """What "repeat" says from now on: ``reply``."""
        return replace(self, last_text=reply.text, last_section=reply.section)


class Answering:
    """Answers to questions and to the commands that steer reading, by the rules of the ``Thread`` it keeps."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.thread = Thread()

    def topics_text(self) -> str:
        titles = [section.title for section in self.library.topics()]
        if not titles:
            return "I have no factsheet loaded. A caregiver needs to add one."
        listed = ", ".join(titles[:-1]) + (f", and {titles[-1]}" if len(titles) > 1 else titles[0])
        return f"You can ask me about: {listed}."

    def respond(self, match: Match, moment: Moment, status: Status) -> tuple[Reply, Voice | None]:
        """The reply to a match no other mode took, and the voice it changes to (None: it stays)."""
        if not match.heard.strip() and match.kind is MatchKind.NO_MATCH:
            reply, voice = self.not_caught(match), None
        else:
            reply, voice = self._reply(match, moment, status)
            if _worth_repeating(reply, match, voice_changed=voice is not None):
                self.thread = self.thread.repeating(reply)
        if not (reply.section or _keeps_the_thread(match)):
            self.thread = replace(self.thread, continuing=False)
        return reply, voice

    # --- yes-or-no questions

    def ask_to_delete(self, deletion: Deletion) -> None:
        self.thread = replace(self.thread, yes_question=deletion)

    def unsure_yes_to_deletion(self, match: Match, moment: Moment) -> bool:
        """A "yes" to deleting something that the recognizer was not sure of: the question is asked again."""
        return (isinstance(self.thread.yes_question, Deletion) and _is_yes(match) and match.taken_unsure
                and moment.just_said())

    def yes_question_answered(self, match: Match, moment: Moment) -> Match | Deletion | None:
        """What the last reply asked a yes or no about, if this is the "yes" to it; the question ends either way."""
        asked = self.thread.yes_question
        if asked is None or (moment.speaking and _changes_the_voice(match)):
            return None  # said over the question, a voice change says it again in the new voice: it stands
        self.thread = replace(self.thread, yes_question=None)
        if not (_is_yes(match) and moment.just_said()):
            return None
        log.info("Confirmed → %s", f"command {asked.command}" if isinstance(asked, Match) else f"delete {asked.value}")
        return asked

    # --- answers, questions back and refusals

    def _reply(self, match: Match, moment: Moment, status: Status) -> tuple[Reply, Voice | None]:
        if self.thread.clarifying and match.kind is not MatchKind.COMMAND:
            chosen = self._clarified_by_name(match)
            if chosen:
                return self.read_section(chosen, match), None
        if match.kind is MatchKind.COMMAND:
            return self._command(match, moment, status)
        self.thread = replace(self.thread, clarifying=())
        if match.kind is MatchKind.ANSWER and match.section:
            return self.read_section(match.section, match), None
        if match.kind is MatchKind.CLARIFY:
            first, second = (candidate.section for candidate in match.alternatives[:2])
            self.thread = replace(self.thread, clarifying=(first, second), misunderstood=0)
            title = self.library.spoken_title
            return Reply(f"Do you mean {title(first)}, or {title(second)}?", match), None
        if match.offered_command:
            command = replace(match, kind=MatchKind.COMMAND, command=match.offered_command, offered_command=None)
            self.thread = replace(self.thread, yes_question=command)
            return Reply(f"Did you say {match.offered_command}?", match), None
        if match.confirm:
            # the words shown as heard answer from this section when typed: one word confirms them
            self.thread = replace(self.thread, clarifying=(match.confirm,))
            return Reply(f"Do you mean {self.library.spoken_title(match.confirm)}?", match), None
        if not match.heard.strip() or match.uncertain:
            return self.not_caught(match), None
        return self._not_understood(NOT_IN_FACTSHEET, NOT_IN_FACTSHEET, match), None

    def _clarified_by_name(self, match: Match) -> str | None:
        """After "Do you mean A or B?", naming one of them picks it."""
        options = self.thread.clarifying or ()
        top = match.alternatives[0].section if match.alternatives else None
        return top if top in options and match.kind is not MatchKind.NO_MATCH else None

    def not_caught(self, match: Match) -> Reply:
        return self._not_understood(f"{NOT_CAUGHT} Please say it again.", NOT_CAUGHT, match)

    def _not_understood(self, first_time: str, again: str, match: Match) -> Reply:
        """Short the first time; with the topics after ``MISUNDERSTOOD_BEFORE_TOPICS`` such turns in a row."""
        misunderstood = self.thread.misunderstood + 1
        self.thread = replace(self.thread, misunderstood=misunderstood)
        if misunderstood >= MISUNDERSTOOD_BEFORE_TOPICS:
            self.thread = replace(self.thread, misunderstood=0, scan_offered=True)
            return Reply(f"{again} {self.topics_text()} {SCAN_OFFER}", match)
        return Reply(first_time, match)

    # --- reading

    def read_section(self, section_id: str, match: Match | None, *, from_start: bool = False,
                     start: Start | None = None, announce: bool = True) -> Reply:
        """Read a section from ``start``, else from where the match says the answer starts (the passage that
        answers the question), or from its beginning when ``from_start`` or the match is about another
        section. Only an answer to a question names its section first (``announce``): a passage chosen by
        scanning was just named."""
        if start is None:
            start = match.start if match is not None and match.section == section_id and not from_start else Start()
        readings = self.library.readings(section_id, start)
        if not readings:
            return Reply(f"{NOT_IN_FACTSHEET} {self.topics_text()}", match)
        self.thread = replace(self.thread, unread=readings, section=section_id, clarifying=(),
                              misunderstood=0, continuing=True)
        return self.read_next(match, announce=announce)

    def _read_from_start(self, match: Match) -> Reply:
        """ "From the start": the section answered last, from its beginning."""
        if self.thread.section is None:
            return Reply("I haven't read anything yet. " + self.topics_text(), match)
        return self.read_section(self.thread.section, match, from_start=True)

    def read_next(self, match: Match | None, *, announce: bool) -> Reply:
        reading, *rest = self.thread.unread
        section = reading.section
        self.thread = replace(self.thread, unread=tuple(rest))
        passage = reading.text
        if announce:
            passage = f"From the factsheet section {self.library.spoken_title(section.id)}: {passage}"
        elif reading.passage == 0 and reading.whole and not passage.lower().startswith(section.title.lower()):
            passage = f"{section.title}. {passage}"
        if rest:
            passage = f"{passage} {OFFER_MORE}"
        return Reply(passage, match, section=section.id, interrupt=True)

    # --- commands

    def _command(self, match: Match, moment: Moment, status: Status) -> tuple[Reply, Voice | None]:
        command = Command(match.command or "")
        if command not in _KEEPS_A_QUESTION_BACK:  # after "topics", a "yes" answers nothing asked before it
            self.thread = replace(self.thread, clarifying=())
        if command in (Command.YES, Command.NO) and self.thread.clarifying:
            if moment.just_said():
                return self._answer_clarify(command, match), None
            self.thread = replace(self.thread, clarifying=())
        if command is Command.STOP:
            return Reply("", match, interrupt=True), None
        if command is Command.IM_HERE:  # no alarm is sounding: nothing to do
            return Reply("", match), None
        if command is Command.REPEAT:
            return Reply(self.thread.last_text or "I haven't said anything yet. " + self.topics_text(), match,
                         section=self.thread.last_section, interrupt=True), None
        if command in (Command.MORE, Command.YES):
            if not self._offer_stands(moment):
                return Reply(NOTHING_TO_CONTINUE, match), None
            if self.thread.unread:
                return self.read_next(match, announce=False), None
            return Reply("That is all I have on that. Ask another question, or say topics.", match), None
        if command is Command.NO:
            self.thread = replace(self.thread, unread=())
            return Reply("Okay. Ask another question when you are ready.", match, interrupt=True), None
        if command is Command.TOPICS:
            return Reply(self.topics_text(), match, interrupt=True), None
        if command is Command.FROM_START:
            return self._read_from_start(match), None
        return _change_voice(command, match, moment, status)

    def _offer_stands(self, moment: Moment) -> bool:
        """What the assistant was reading may be continued: nothing unrelated was said since, and it was said
        just now."""
        return self.thread.continuing and moment.just_said()

    def _answer_clarify(self, command: Command, match: Match) -> Reply:
        first = self.thread.clarifying[0]
        self.thread = replace(self.thread, clarifying=())
        if command is Command.YES:
            return self.read_section(first, match)
        return Reply("Please ask again in other words, or say topics.", match)


def _change_voice(command: Command, match: Match, moment: Moment, status: Status) -> tuple[Reply, Voice | None]:
    voice = status.voice
    new_voice, done, at_limit = changed_voice(command, voice, status.normal_voice)
    if new_voice == voice:
        return Reply(at_limit, match), None
    if moment.speaking and status.said:
        # Carry on in the new voice from the sentence being read: the change itself is heard.
        return Reply(_rest_of_speech(status), match, section=status.section, interrupt=True), new_voice
    return Reply(done, match, interrupt=True), new_voice


def _rest_of_speech(status: Status) -> str:
    """What is being said, from the sentence playing now on (all of it if that is not known)."""
    said, sentence = status.said, status.sentence
    start = said.find(sentence) if sentence else -1
    return said[start:] if start >= 0 else said


def _worth_repeating(reply: Reply, match: Match, *, voice_changed: bool) -> bool:
    """What "repeat" says again: answers, passages, refusals and the topics; not the replies to other commands,
    nor the rest of a passage read on after a voice change (repeat says the whole passage), nor "Did you say
    slower?" (the answer before it stays what repeat says), nor "Sorry, I didn't catch that": a "repeat" that was
    not caught, said again, wants the answer before it."""
    if match.offered_command or match.uncertain:
        return False
    if match.kind is not MatchKind.COMMAND or match.command == Command.TOPICS:
        return True
    return bool(reply.section) and not voice_changed


def _changes_the_voice(match: Match) -> bool:
    return match.kind is MatchKind.COMMAND and match.command in VOICE_CHANGES


def _is_yes(match: Match) -> bool:
    return match.kind is MatchKind.COMMAND and match.command == Command.YES


def _keeps_the_thread(match: Match) -> bool:
    """Replies to these commands, and the question whether one was said, leave what was being read open for
    "more"."""
    if match.offered_command:
        return match.offered_command in _THREAD_KEEPING_COMMANDS
    return match.kind is MatchKind.COMMAND and match.command in _THREAD_KEEPING_COMMANDS
