"""Fuzzing the text side: the factsheet parser, the matcher and the dialogue take anything without raising.

A recognizer can hand over any text, a caregiver can save any bytes as a factsheet, and typed questions
come from a terminal: none of that may crash the assistant. The parser's only way to refuse a file is a
ContentError naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voice_assist.content import Library, load_library, parse_factsheet
from voice_assist.conversation import Conversation
from voice_assist.errors import ContentError
from voice_assist.events import ChangeVoice, Heard, Typed, Voice, replies
from voice_assist.match import Match, Matcher, MatchKind
from voice_assist.text import sound_key, stem, words

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_text = st.text(max_size=300)
"""Any Unicode, lone surrogates included: a POSIX-locale stdin decodes stray bytes to them."""
utf8_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
"""Any Unicode a file can hold."""

_MARKDOWN_PIECES = ["# ", "## ", "### ", "{#", "}", "{#a/b}", "{#x}", "Ask:", "ask :", "|", "- ", "* ", "1. ",
                    "  ", "\t", "<!--", "-->", "\n", "\n\n", "\r\n", "\ufeff", ":", ".", "ALS", "als", "é", "ß",
                    "İ", "\u0301", "\u200b", "😀", "/", "-", "cure", "feeding tube"]
markdown_like = st.lists(st.one_of(st.sampled_from(_MARKDOWN_PIECES), utf8_text.filter(lambda t: len(t) < 20)),
                         max_size=60).map("".join)
"""Text made mostly of the factsheet format's own marks, so the fuzzer reaches past the first check."""


def check_match(match: Match, library: Library) -> None:
    assert isinstance(match.kind, MatchKind)
    assert 0.0 <= match.score <= 100.0
    if match.kind is MatchKind.ANSWER:
        library.section(match.section or "")  # an answer always names a real section
    if match.kind is MatchKind.COMMAND:
        assert match.command


# --- text normalisation -----------------------------------------------------------------------------------

@FUZZ
@given(any_text)
def test_words_are_plain_lower_case_ascii(text: str) -> None:
    for word in words(text):
        assert word and word.isascii() and word.isalnum() and word == word.lower()


@FUZZ
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=40))
def test_stem_and_sound_key_take_any_word(word: str) -> None:
    assert isinstance(stem(word), str)
    assert isinstance(sound_key(word), str)


# --- factsheet parser -------------------------------------------------------------------------------------

def parse_or_refuse(data: bytes, path: Path) -> None:
    try:
        sections = parse_factsheet(data, path)
    except ContentError as error:
        assert error.path == path and error.line >= 1
        assert str(error).startswith(f"{path}:{error.line}: ")
        return
    assert sections
    ids = [section.id for section in sections]
    assert len(ids) == len(set(ids))
    for section in sections:
        assert section.passages or any(other.startswith(section.id + "/") for other in ids)
        assert all(passage.strip() for passage in section.passages)


@FUZZ
@given(st.binary(max_size=2000))
def test_the_parser_takes_any_bytes(data: bytes) -> None:
    parse_or_refuse(data, Path("fuzz.md"))


@FUZZ
@given(utf8_text)
def test_the_parser_takes_any_text(text: str) -> None:
    parse_or_refuse(text.encode("utf-8"), Path("fuzz.md"))


@FUZZ
@given(markdown_like)
def test_the_parser_takes_anything_shaped_like_a_factsheet(text: str) -> None:
    parse_or_refuse(text.encode("utf-8"), Path("fuzz.md"))


def test_the_parser_takes_empty_and_huge_files() -> None:
    with pytest.raises(ContentError, match="no sections found"):
        parse_factsheet(b"", Path("empty.md"))
    with pytest.raises(ContentError, match="no sections found"):
        parse_factsheet(b"\xef\xbb\xbf\n\n   \n", Path("bom-only.md"))
    huge = "".join(f"## Part {i}\nAsk: question {i} | thing {i}\n" + "Some words to read aloud. " * 200 + "\n\n"
                   for i in range(300))
    sections = parse_factsheet(huge.encode(), Path("huge.md"))
    assert len(sections) == 300
    one_line = b"## Only\n" + b"word " * 400_000
    assert parse_factsheet(one_line, Path("one-line.md"))[0].passages


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(markdown_like, st.lists(any_text, max_size=4))
def test_a_library_of_any_parsable_file_can_be_matched_against(tmp_path: Path, text: str,
                                                              questions: list[str]) -> None:
    path = tmp_path / "fuzz.md"
    path.write_bytes(text.encode("utf-8"))
    library = load_library([tmp_path])
    matcher = Matcher(library)
    for question in [*questions, "", "topics", "what is als", "feeding tube"]:
        check_match(matcher.match([question]), library)
    dialogue = Conversation(library, Voice(150, 0.9), matcher)
    for question in [*questions, "more", "repeat", "yes", "topics"]:
        assert isinstance(replies(dialogue.handle(Typed(question)))[0].text, str)


# --- matcher and dialogue on the real factsheet -----------------------------------------------------------

@FUZZ
@given(st.lists(any_text, max_size=6))
def test_the_matcher_takes_any_alternatives(matcher: Matcher, library: Library, alternatives: list[str]) -> None:
    check_match(matcher.match(alternatives), library)


_SPOKEN = st.sampled_from(["what", "is", "als", "a", "l", "s", "the", "for", "of", "cure", "cancer", "feeding",
                           "tube", "stop", "more", "slower", "please", "um", "real", "you", "zole", "breathing",
                           "x", "symptoms", "riluzole", "again", "yes", "no", "tell", "me", "about"])
spoken_like = st.lists(st.one_of(_SPOKEN, st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)),
                       max_size=25).map(" ".join)
"""Word salad of the content's and commands' words, as a recognizer writes it."""


@FUZZ
@given(st.lists(spoken_like, min_size=1, max_size=5))
def test_the_matcher_takes_any_recognizer_word_salad(matcher: Matcher, library: Library,
                                                    alternatives: list[str]) -> None:
    check_match(matcher.match(alternatives), library)


@FUZZ
@given(st.lists(st.lists(st.one_of(spoken_like, any_text), max_size=3), max_size=12))
def test_any_conversation_gets_a_reply_every_turn(library: Library, matcher: Matcher,
                                                  turns: list[list[str]]) -> None:
    dialogue = Conversation(library, Voice(150, 0.9), matcher)
    for alternatives in turns:
        alarm = dialogue.alarm_sounding  # while the call for help sounds, only "stop the alarm" gets a reply
        actions = dialogue.handle(Heard(tuple(alternatives), whole=True))
        said = replies(actions)
        if alarm and not said:
            continue
        [reply] = said
        assert isinstance(reply.text, str)
        assert reply.section is None or library.section(reply.section)
        for voice in (action.voice for action in actions if isinstance(action, ChangeVoice)):
            assert 80 <= voice.rate <= 300 and 0.0 < voice.volume <= 1.0


@pytest.mark.parametrize("alternatives", [
    [], [""], ["   "], ["\x00"], ["\n\t\r"], ["'''"], ["a"], ["?!"], ["😀" * 50], ["ALS" * 10_000],
    ["a " * 50_000], ["what is als " * 2_000], ["\u202e\u200b\ufeff"], [" ".join(map(str, range(5_000)))],
])
def test_empty_odd_and_huge_questions(matcher: Matcher, library: Library, alternatives: list[str]) -> None:
    check_match(matcher.match(alternatives), library)
    dialogue = Conversation(library, Voice(150, 0.9), matcher)
    assert isinstance(replies(dialogue.handle(Heard(tuple(alternatives), whole=True)))[0].text, str)
