"""Text to speakable pieces: sentences, list items, and long sentences cut at their natural joints.

Each piece is synthesized on its own, so the first one can be heard while the next is being made and a
"stop" never has to wait for a long paragraph. Pure functions; no audio here.
"""

from __future__ import annotations

import re

LONG_PIECE = 120
"""Characters. A sentence longer than this that holds a list (``;``) is read one item at a time."""
MAX_PIECE = 220
"""Characters. Longer pieces are cut at commas (or, failing that, spaces): a listener with ALS needs
breath-sized chunks, and a stop or voice change takes effect at the next piece."""

_ABBREVIATIONS = frozenset({
    "e.g", "i.e", "etc", "vs", "approx", "dr", "mr", "mrs", "ms", "prof", "st", "no", "fig", "cf", "al",
})
"""Words whose final full stop does not end a sentence (compared lower case, without the last dot)."""

_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u2013]|\d{1,3}[.)])\s+")
"""A list item at the start of a line: "- ", "* ", "• ", "1. ", "2) "."""
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
"""A Markdown link: only its text is spoken (espeak-ng would spell out the address)."""
_MARKUP = re.compile(r"\*+|`+|(?<!\w)_+|_+(?!\w)")
"""Markdown emphasis and code marks, which espeak-ng reads aloud as "asterisk" and the like."""


def split_sentences(text: str) -> list[str]:
    """Split text into pieces to be spoken one after another, in order, none longer than MAX_PIECE."""
    pieces: list[str] = []
    for block in _blocks(text):
        for sentence in _sentences(block):
            pieces.extend(_shorten(sentence))
    return [piece for piece in pieces if any(character.isalnum() for character in piece)]


def _blocks(text: str) -> list[str]:
    """Paragraphs and list items, with bullet and heading marks removed and wrapped lines joined."""
    blocks: list[list[str]] = []
    starts_block = True
    for line in text.splitlines():
        if not line.strip():
            starts_block = True
            continue
        is_heading = bool(_HEADING.match(line))
        is_item = is_heading or bool(_BULLET.match(line))
        words = _MARKUP.sub("", _LINK.sub(r"\1", _HEADING.sub("", _BULLET.sub("", line)))).strip()
        if starts_block or is_item:
            blocks.append([words])
        else:
            blocks[-1].append(words)
        # A heading stands alone: what follows it is a new block, not its continuation.
        starts_block = is_heading
    return [" ".join(lines) for lines in blocks]


def _sentences(block: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(block):
        if _is_false_end(block, start, end):
            continue
        sentences.append(block[start:end.end()].strip())
        start = end.end()
    sentences.append(block[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _is_false_end(block: str, start: int, end: re.Match[str]) -> bool:
    """A full stop after an abbreviation or an initial, or one followed by a lower-case word."""
    if block[end.start()] != ".":
        return False
    words = block[start:end.start()].split()
    last_word = words[-1].lower() if words else ""
    following = block[end.end():end.end() + 1]
    is_initial = len(last_word) == 1 and last_word.isalpha()
    return last_word in _ABBREVIATIONS or is_initial or following.islower()


def _shorten(sentence: str) -> list[str]:
    parts = [sentence]
    if len(sentence) > LONG_PIECE and ";" in sentence:
        parts = [part.strip() for part in sentence.split(";")]
    shortened: list[str] = []
    for part in parts:
        shortened.extend(_pack(part, ", ") if len(part) > MAX_PIECE else [part])
    return [part for part in shortened if part]


def _pack(text: str, separator: str) -> list[str]:
    """Greedily join the separator-split parts of text into pieces of at most MAX_PIECE characters."""
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if len(candidate) <= MAX_PIECE or not current:
            current = candidate
        else:
            pieces.append(current + separator.strip())
            current = part
    pieces.append(current)
    if separator != " ":
        # A part with no commas can still be too long: cut it between words.
        return [small for piece in pieces for small in (_pack(piece, " ") if len(piece) > MAX_PIECE else [piece])]
    return pieces
