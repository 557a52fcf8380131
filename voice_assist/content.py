"""Factsheets: Markdown files a caregiver can read and edit, parsed into sections and spoken passages.

File format (see content/als.md for a commented example)::

    # Factsheet title
    ## Section title {#section-id}
    Ask: an example question | a lay word | another name
    Text read aloud, a paragraph (with its list) at a time.
    - a list item
    ### Part title {#section-id/part}

``Ask:`` lines are matching knowledge, never spoken. HTML comments are never spoken.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voice_assist.errors import ContentError

log = logging.getLogger(__name__)

MAX_PASSAGE_WORDS = 70
"""A passage is what is read before the listener can say "more". Around 30 seconds of speech at a slow
rate: long enough to carry one idea, short enough for a tired listener to keep."""

_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*(?:\{#([^}]*)\})?\s*$")
_ASK = re.compile(r"^ask\s*:\s*(.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)?$")


@dataclass(frozen=True)
class Piece:
    """A paragraph or a list item of a section: the smallest part that reading can start at."""

    text: str
    passage: int
    """The passage (index in ``Section.passages``) it is read in."""
    lead_in: str = ""
    """For a list item, the sentence introducing its list ("Medications may include:"), read before the item
    when reading starts at it; "" for a paragraph, or an item of a list without one."""

    @property
    def is_item(self) -> bool:
        return bool(self.lead_in)


@dataclass(frozen=True)
class Start:
    """Where reading starts in a section: a passage, read whole, or one list item of it with its lead-in."""

    passage: int = 0
    item: int | None = None
    """The item's index in ``Section.pieces``; None reads the passage whole."""

    @property
    def at_beginning(self) -> bool:
        return self.passage == 0 and self.item is None


@dataclass(frozen=True)
class Reading:
    """One thing read aloud in turn (before "more"): a passage, or the part of one that a start leaves."""

    section: Section
    passage: int
    text: str
    whole: bool = True
    """The passage read whole, from its beginning."""


@dataclass(frozen=True)
class Section:
    """A part of a factsheet that can be asked about and read aloud."""

    id: str
    """Unique across all loaded content, e.g. "treatment" or "treatment/nutrition"."""
    title: str
    passages: tuple[str, ...]
    """The section's own text, in reading-sized pieces, in the factsheet's own words."""
    ask_lines: tuple[tuple[str, ...], ...]
    """Ways people ask about it (example questions, lay words, other names), one tuple per ``Ask:`` line as
    written: a line gathers ways of asking about one matter."""
    source: Path
    line: int
    pieces: tuple[Piece, ...] = ()
    """The paragraphs and list items its passages are made of, in order: where reading can start."""

    @property
    def asks(self) -> tuple[str, ...]:
        """All its ways of asking, in the order written."""
        return tuple(ask for line in self.ask_lines for ask in line)

    @property
    def topic(self) -> str:
        """The id of the top-level section this belongs to."""
        return self.id.split("/", 1)[0]


@dataclass(frozen=True)
class Library:
    """All loaded sections, in reading order, and what could not be loaded."""

    sections: tuple[Section, ...]
    problems: tuple[ContentError, ...] = ()
    _by_id: dict[str, Section] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({section.id: section for section in self.sections})

    def section(self, section_id: str) -> Section:
        return self._by_id[section_id]

    def spoken_title(self, section_id: str) -> str:
        """A section's title as said and shown, after its topic's for a part ("Treatment, Nutrition")."""
        section = self.section(section_id)
        if section.topic == section_id:
            return section.title
        return f"{self.section(section.topic).title}, {section.title}"

    def topics(self) -> tuple[Section, ...]:
        """Top-level sections, in order."""
        return tuple(section for section in self.sections if "/" not in section.id)

    def readings(self, section_id: str, start: Start = Start()) -> tuple[Reading, ...]:
        """What is read from ``start`` on, in turn: the start (a passage, or a list item after its lead-in), the
        rest of that item's passage (its lead-in, then the items after it), then every later passage of the
        section's topic, as "more" reads them."""
        order = self.reading_order(section_id)
        first = next((n for n, (section, index) in enumerate(order)
                      if section.id == section_id and index == start.passage), 0)
        readings = [Reading(section, index, section.passages[index]) for section, index in order[first:]]
        section = self.section(section_id)
        if start.item is None or not readings or start.item >= len(section.pieces):
            return tuple(readings)
        item = section.pieces[start.item]
        after = [piece for piece in section.pieces[start.item + 1:]
                 if piece.passage == item.passage and piece.lead_in == item.lead_in]
        focused = [Reading(section, item.passage, _with_lead_in(item.lead_in, [item]), whole=False)]
        if after:
            focused.append(Reading(section, item.passage, _with_lead_in(item.lead_in, after), whole=False))
        return (*focused, *readings[1:])

    def reading_order(self, section_id: str) -> tuple[tuple[Section, int], ...]:
        """Every passage of a section's topic from ``section_id`` on: what "more" reads, in order."""
        topic = self.section(section_id).topic
        in_topic = [section for section in self.sections if section.topic == topic]
        start = next(i for i, section in enumerate(in_topic) if section.id == section_id)
        return tuple((section, index) for section in in_topic[start:]
                     for index in range(len(section.passages)))


def load_library(folders: Iterable[Path]) -> Library:
    """Load every ``*.md`` in the folders. A broken file is skipped and reported; a section whose id is taken
    already is skipped and reported, and the rest of its file still loads."""
    sections: list[Section] = []
    problems: list[ContentError] = []
    for path in _content_files(folders):
        try:
            parsed = parse_factsheet(path.read_bytes(), path)
        except ContentError as error:
            log.warning("Skipped a factsheet: %s", error)
            problems.append(error)
            continue
        skipped: set[str] = set()
        for section in parsed:
            clash = _id_clash(section, sections)
            if clash is not None:
                log.warning("Skipped a section: %s", clash)
                problems.append(clash)
                skipped.add(section.id)
            elif section.topic not in skipped:  # a part of a skipped section is skipped with it
                sections.append(section)
    return Library(tuple(sections), tuple(problems))


def _with_lead_in(lead_in: str, items: Sequence[Piece]) -> str:
    return " ".join(text for text in (lead_in, *(item.text for item in items)) if text)


def _content_files(folders: Iterable[Path]) -> list[Path]:
    seen: set[Path] = set()
    files = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            if path.resolve() not in seen and path.name.lower() != "readme.md":
                seen.add(path.resolve())
                files.append(path)
    return files


def _id_clash(section: Section, loaded: Sequence[Section]) -> ContentError | None:
    """The problem with loading ``section`` beside ``loaded`` when its id is taken already."""
    earlier = next((other for other in loaded if other.id == section.id), None)
    if earlier is None:
        return None
    return ContentError(section.source, section.line,
                        f"section id '{section.id}' is already used in {earlier.source}:{earlier.line}; this section "
                        "and its parts are skipped, the rest of the file is loaded",
                        "Give this section another id, e.g. {#" + f"{section.source.stem}-{section.id}" + "}.")


def parse_factsheet(data: bytes, path: Path) -> list[Section]:
    """Parse one factsheet file; raise ContentError naming the file and line of the first problem."""
    text = _decode(data, path)
    builders: list[_SectionBuilder] = []
    for number, line in _lines_outside_comments(text):
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) >= 2:
            builders.append(_new_section(heading, builders, path, number))
        elif heading or not line.strip():
            if builders:
                builders[-1].blank()
        elif not builders:
            raise ContentError(path, number, "text before the first section heading",
                               "Start each section with a line like '## Symptoms {#symptoms}'.")
        else:
            builders[-1].add(line, number)
    if not builders:
        raise ContentError(path, 1, "no sections found",
                           "Add at least one section: a line like '## Overview {#overview}' followed by its text.")
    return [builder.build(builders) for builder in builders]


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(path, line, "the file is not UTF-8 text (unreadable bytes)",
                           "Save it as UTF-8 text in your editor.") from None


def _lines_outside_comments(text: str) -> Iterable[tuple[int, str]]:
    """Numbered lines with HTML comments blanked out, keeping line numbers right."""
    blanked = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group().count("\n"), text, flags=re.DOTALL)
    return enumerate(blanked.splitlines(), 1)


def _new_section(heading: re.Match[str], builders: list[_SectionBuilder], path: Path, line: int) -> _SectionBuilder:
    level, title, given_id = len(heading.group(1)), heading.group(2).strip(), heading.group(3)
    parent = next((b for b in reversed(builders) if b.level == 2), None) if level == 3 else None
    if level == 3 and parent is None:
        raise ContentError(path, line, f"part '{title}' (###) comes before any section (##)",
                           "Put a '## Section' heading above it.")
    section_id = given_id or _slug(title)
    if parent and "/" not in section_id:
        section_id = f"{parent.id}/{section_id}"
    if not _ID.match(section_id) or (parent and not section_id.startswith(parent.id + "/")):
        raise ContentError(path, line, f"'{section_id}' is not a usable section id",
                           "Use lower-case letters, digits and dashes, like {#risk-factors}, and "
                           "{#section/part} for a part.")
    return _SectionBuilder(section_id, title, level, path, line)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass
class _SectionBuilder:
    id: str
    title: str
    level: int
    path: Path
    line: int
    ask_lines: list[tuple[str, ...]] = field(default_factory=list)
    blocks: list[list[str]] = field(default_factory=lambda: [[]])

    def blank(self) -> None:
        if self.blocks[-1]:
            self.blocks.append([])

    def add(self, line: str, number: int) -> None:
        ask = _ASK.match(line.strip())
        if ask:
            line_asks = tuple(phrase.strip() for phrase in ask.group(1).split("|") if phrase.strip())
            if line_asks:
                self.ask_lines.append(line_asks)
            return
        is_bullet = bool(_BULLET.match(line))
        current = self.blocks[-1]
        if current and is_bullet != bool(_BULLET.match(current[-1])) and not (
                not is_bullet and line.startswith((" ", "\t"))):
            self.blocks.append([])
        self.blocks[-1].append(line)

    def build(self, all_builders: Sequence[_SectionBuilder]) -> Section:
        passages, pieces = _passages([b for b in self.blocks if b])
        has_parts = any(b.id.startswith(self.id + "/") for b in all_builders)
        if not passages and not has_parts:
            raise ContentError(self.path, self.line, f"section '{self.title}' has nothing to read aloud",
                               "Add its text below the heading, or remove the heading.")
        return Section(self.id, self.title, tuple(passages), tuple(self.ask_lines), self.path, self.line,
                       tuple(pieces))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _passages(blocks: list[list[str]]) -> tuple[list[str], list[Piece]]:
    """Group paragraphs with the lists they introduce, then cut anything too long to hear in one go. Also the
    pieces (paragraphs and list items) each passage is made of; a list item's lead-in is the last sentence of
    the paragraph introducing its list."""
    groups: list[list[tuple[str, str]]] = []
    """Paragraphs with the items of the list they introduce: (text, lead-in of an item)."""
    for block in blocks:
        sentences = _block_sentences(block)
        if _is_list(block) and groups and groups[-1][-1][0].endswith(":"):
            lead_in = _SENTENCE_END.split(groups[-1][-1][0])[-1]
            groups[-1].extend((sentence, lead_in) for sentence in sentences)
        else:
            groups.append([(sentence, "") for sentence in sentences])
    passages: list[str] = []
    pieces: list[Piece] = []
    for group in groups:
        lead_ins = iter(lead_in for _, lead_in in group)
        for cut in _cut([text for text, _ in group]):
            pieces += [Piece(text, len(passages), next(lead_ins)) for text in cut]
            passages.append(" ".join(cut))
    return passages, pieces


def _is_list(block: list[str]) -> bool:
    return bool(_BULLET.match(block[0]))


def _block_sentences(block: list[str]) -> list[str]:
    if _is_list(block):
        items: list[str] = []
        for line in block:
            bullet = _BULLET.match(line)
            if bullet:
                items.append(bullet.group(1).strip())
            else:
                items[-1] += " " + line.strip()
        return [item if item.endswith((".", "!", "?", ":")) else item + "." for item in items]
    return [" ".join(line.strip() for line in block)]


def _cut(sentences: list[str]) -> list[list[str]]:
    passages: list[list[str]] = [[]]
    for sentence in sentences:
        words = sum(len(s.split()) for s in passages[-1])
        if passages[-1] and words + len(sentence.split()) > MAX_PASSAGE_WORDS:
            passages.append([])
        passages[-1].append(sentence)
    return [passage for passage in passages if passage]
