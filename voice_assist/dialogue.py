"""The conversation: what to say back to each utterance. Pure logic, no audio: testable with text alone.

One ``Dialogue`` owns the conversation state; the voice loop and ``voice-assist ask`` both drive it.
Everything spoken is either the factsheet's own words or one of the short fixed sentences here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from voice_assist.commands import Command
from voice_assist.content import Library, Section
from voice_assist.match import Match, Matcher, MatchKind

NOT_IN_FACTSHEET = "I don't have that in my factsheet."
NOT_CAUGHT = "Sorry, I didn't catch that."
OFFER_MORE = "Do you want more?"
MISUNDERSTOOD_BEFORE_TOPICS = 2
"""Not-understood turns in a row after which the topics are offered unasked."""

RATE_STEP, RATE_MIN, RATE_MAX = 25, 80, 300
"""Words per minute."""
VOLUME_STEP, VOLUME_MIN, VOLUME_MAX = 0.15, 0.25, 1.0


@dataclass(frozen=True)
class Voice:
    """How the answers sound; changed by voice and kept across restarts."""

    rate: int
    """Words per minute."""
    volume: float
    """0.0 to 1.0."""


@dataclass(frozen=True)
class Reply:
    """What to do about one utterance."""

    text: str
    """Exactly what is spoken ("" for nothing)."""
    match: Match
    section: str | None = None
    """The section being read, if any."""
    interrupt: bool = False
    """Silence whatever is being said before saying ``text``."""
    voice: Voice | None = None
    """New voice settings to apply (and keep) before speaking."""


@dataclass(frozen=True)
class _State:
    last_text: str = ""
    unread: tuple[tuple[str, int], ...] = ()
    """(section id, passage index) still to read with "more", in order."""
    clarifying: tuple[str, str] | None = None
    misunderstood: int = 0


class Dialogue:
    """Turns matched utterances into replies. The one place the conversation state changes."""

    def __init__(self, library: Library, voice: Voice, matcher: Matcher | None = None) -> None:
        self.library = library
        self.matcher = matcher or Matcher(library)
        self.voice = voice
        self._state = _State()

    def greeting(self) -> str:
        example = "what are the symptoms" if any(s.id == "symptoms" for s in self.library.sections) else "topics"
        return f"Hello. Ask me a question, for example: {example}? Say topics to hear what I know. Say stop to stop me."

    def topics_text(self) -> str:
        titles = [section.title for section in self.library.topics()]
        if not titles:
            return "I have no factsheet loaded. A caregiver needs to add one."
        listed = ", ".join(titles[:-1]) + (f", and {titles[-1]}" if len(titles) > 1 else titles[0])
        return f"You can ask me about: {listed}."

    def respond(self, alternatives: tuple[str, ...] | list[str]) -> Reply:
        """The reply to one utterance, given as recognizer guesses best first (or one typed question)."""
        heard = [text for text in alternatives if text.strip()]
        return self.reply_to(self.matcher.match(heard))

    def reply_to(self, match: Match) -> Reply:
        """The reply to an utterance already matched (the voice loop matches first to spot barge-in)."""
        if not match.heard.strip() and match.kind is MatchKind.NO_MATCH:
            return self._not_caught(match)
        reply = self._reply(match)
        if reply.section or match.kind is not MatchKind.COMMAND or match.command == Command.TOPICS:
            self._state = replace(self._state, last_text=reply.text)
        return reply

    def _reply(self, match: Match) -> Reply:
        if self._state.clarifying and match.kind is not MatchKind.COMMAND:
            chosen = self._clarified_by_name(match)
            if chosen:
                return self._answer(chosen, match)
        if match.kind is MatchKind.COMMAND:
            return self._command(match)
        self._state = replace(self._state, clarifying=None)
        if match.kind is MatchKind.ANSWER and match.section:
            return self._answer(match.section, match)
        if match.kind is MatchKind.CLARIFY:
            first, second = (candidate.section for candidate in match.alternatives[:2])
            self._state = replace(self._state, clarifying=(first, second), misunderstood=0)
            return Reply(f"Do you mean {self._name(first)}, or {self._name(second)}?", match)
        if not match.heard.strip() or match.uncertain:
            return self._not_caught(match)
        self._state = replace(self._state, misunderstood=0)
        return Reply(f"{NOT_IN_FACTSHEET} {self.topics_text()}", match)

    def _clarified_by_name(self, match: Match) -> str | None:
        """After "Do you mean A or B?", naming one of them picks it."""
        options = self._state.clarifying or ()
        top = match.alternatives[0].section if match.alternatives else None
        return top if top in options and match.kind is not MatchKind.NO_MATCH else None

    def _not_caught(self, match: Match) -> Reply:
        misunderstood = self._state.misunderstood + 1
        self._state = replace(self._state, misunderstood=misunderstood)
        if misunderstood >= MISUNDERSTOOD_BEFORE_TOPICS:
            self._state = replace(self._state, misunderstood=0)
            return Reply(f"{NOT_CAUGHT} {self.topics_text()}", match)
        return Reply(f"{NOT_CAUGHT} Please say it again.", match)

    def _answer(self, section_id: str, match: Match) -> Reply:
        order = self.library.reading_order(section_id)
        if not order:
            return Reply(f"{NOT_IN_FACTSHEET} {self.topics_text()}", match)
        self._state = replace(self._state, unread=tuple((s.id, i) for s, i in order), clarifying=None,
                              misunderstood=0)
        return self._read_next(match, announce=True)

    def _read_next(self, match: Match, *, announce: bool) -> Reply:
        (section_id, index), *rest = self._state.unread
        section = self.library.section(section_id)
        self._state = replace(self._state, unread=tuple(rest))
        passage = section.passages[index]
        if announce:
            passage = f"From the factsheet section {self._name(section_id)}: {passage}"
        elif index == 0 and not passage.lower().startswith(section.title.lower()):
            passage = f"{section.title}. {passage}"
        if rest:
            passage = f"{passage} {OFFER_MORE}"
        return Reply(passage, match, section=section_id, interrupt=True)

    def _command(self, match: Match) -> Reply:
        command = Command(match.command)
        if command in (Command.YES, Command.NO) and self._state.clarifying:
            return self._answer_clarify(command, match)
        if command is Command.STOP:
            return Reply("", match, interrupt=True)
        if command is Command.REPEAT:
            return Reply(self._state.last_text or "I haven't said anything yet. " + self.topics_text(), match,
                         interrupt=True)
        if command in (Command.MORE, Command.YES):
            if self._state.unread:
                return self._read_next(match, announce=False)
            return Reply("That is all I have on that. Ask another question, or say topics.", match)
        if command is Command.NO:
            self._state = replace(self._state, unread=())
            return Reply("Okay. Ask another question when you are ready.", match, interrupt=True)
        if command is Command.TOPICS:
            return Reply(self.topics_text(), match, interrupt=True)
        return self._change_voice(command, match)

    def _answer_clarify(self, command: Command, match: Match) -> Reply:
        first, _ = self._state.clarifying or ("", "")
        self._state = replace(self._state, clarifying=None)
        if command is Command.YES:
            return self._answer(first, match)
        return Reply("Please ask again in other words, or say topics.", match)

    def _change_voice(self, command: Command, match: Match) -> Reply:
        rate, volume = self.voice.rate, self.voice.volume
        changed = {
            Command.SLOWER: (replace(self.voice, rate=max(RATE_MIN, rate - RATE_STEP)), "Speaking slower.",
                             "This is as slow as I can speak."),
            Command.FASTER: (replace(self.voice, rate=min(RATE_MAX, rate + RATE_STEP)), "Speaking faster.",
                             "This is as fast as I can speak."),
            Command.LOUDER: (replace(self.voice, volume=round(min(VOLUME_MAX, volume + VOLUME_STEP), 2)),
                             "Speaking louder.", "This is as loud as I can speak."),
            Command.QUIETER: (replace(self.voice, volume=round(max(VOLUME_MIN, volume - VOLUME_STEP), 2)),
                              "Speaking more quietly.", "This is as quiet as I can speak."),
        }
        voice, done, at_limit = changed[command]
        if voice == self.voice:
            return Reply(at_limit, match)
        self.voice = voice
        return Reply(done, match, voice=voice, interrupt=True)

    def _name(self, section_id: str) -> str:
        section: Section = self.library.section(section_id)
        if "/" not in section_id:
            return section.title
        return f"{self.library.section(section.topic).title}, {section.title}"
