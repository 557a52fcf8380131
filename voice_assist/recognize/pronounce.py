"""Pronunciations in CMU phones for the words of the domain: the CMU dictionary first, espeak-ng for the rest.

Medical words (riluzole, edaravone, dysarthria) are missing from the CMU dictionary that ships with
pocketsphinx; espeak-ng, already installed for speech output, knows how to say them. Its phoneme
mnemonics (``espeak-ng -x``) are mapped to the CMU phone set here. Abbreviations said letter by letter
("A L S") get a spelled-out pronunciation as well.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

SPELLED_ABBREVIATIONS = frozenset({"als", "mnd", "emg", "ncv", "mri", "ftd", "peg", "niv", "aac", "fda", "ot"})
"""Words people say letter by letter; they keep their dictionary pronunciation too ("als" as in "pals")."""

LETTERS = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY", "h": "EY CH",
    "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N", "o": "OW", "p": "P IY",
    "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW", "v": "V IY", "w": "D AH B AH L Y UW",
    "x": "EH K S", "y": "W AY", "z": "Z IY",
}

# espeak-ng's English phoneme mnemonics (as printed by ``-x --sep=_``) to CMU phones.
ESPEAK_TO_CMU = {
    "a": "AE", "aa": "AE", "a#": "AH", "A:": "AA", "A@": "AA R", "0": "AA", "V": "AH", "@": "AH", "@-": "AH",
    "@2": "AH", "@5": "AH", "3": "ER", "3:": "ER", "@L": "AH L", "E": "EH", "e": "EH", "e@": "EH R",
    "I": "IH", "I2": "IH", "I#": "IH", "i": "IY", "i:": "IY", "i@": "IY AH", "i@3": "IH R", "O": "AO",
    "O:": "AO", "O2": "AO", "O@": "AO R", "o@": "AO R", "oU": "OW", "U": "UH", "u:": "UW", "U@": "UH R",
    "aI": "AY", "aI@": "AY ER", "aI3": "AY ER", "aU": "AW", "aU@": "AW ER", "eI": "EY", "OI": "OY",
    "p": "P", "b": "B", "t": "T", "t#": "T", "t2": "T", "d": "D", "d#": "D", "k": "K", "g": "G", "x": "K",
    "f": "F", "v": "V", "T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH",
    "m": "M", "n": "N", "n-": "N", "N": "NG", "l": "L", "l/": "L", "r": "R", "r-": "R", "w": "W", "j": "Y",
    "tS": "CH", "dZ": "JH", "?": "",
}
_STRESS_AND_MARKS = "',%=;:"


def load_cmudict(path: Path, wanted: Iterable[str]) -> dict[str, list[str]]:
    """Pronunciations of the wanted words (all variants, in the dictionary's order)."""
    wanted = set(wanted)
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, phones = line.partition(" ")
            base = word.split("(", 1)[0]
            if base in wanted:
                found.setdefault(base, []).append(phones.split("#", 1)[0].strip())
    return found


def espeak_pronunciations(words: list[str]) -> dict[str, str]:
    """CMU phones for each word as espeak-ng says it; words it cannot say are left out."""
    if not words:
        return {}
    if shutil.which("espeak-ng") is None:
        log.warning("espeak-ng is not installed: %d words get letter-by-letter guesses (%s). "
                    "Install espeak-ng for better recognition of them.", len(words), ", ".join(words[:8]))
        return {word: spell(word) for word in words}
    lines = _espeak_phonemes(words)
    if len(lines) != len(words):  # espeak split or merged a line: ask one word at a time
        lines = [_espeak_phonemes([word])[0] for word in words]
    result = {}
    for word, mnemonics in zip(words, lines, strict=True):
        phones = espeak_to_cmu(mnemonics)
        if phones:
            result[word] = phones
    return result


def espeak_to_cmu(mnemonics: str) -> str:
    """``r_'I_l_u:_z_,oU_l`` -> ``R IH L UW Z OW L``; unknown symbols are dropped (and logged)."""
    phones = []
    for marked in re.split(r"[_\s]+", mnemonics):
        symbol = marked.lstrip(_STRESS_AND_MARKS)
        if not symbol:
            continue
        cmu = ESPEAK_TO_CMU.get(symbol)
        if cmu is None:
            cmu = ESPEAK_TO_CMU.get(symbol.rstrip("0123456789#"))
        if cmu is None:
            log.debug("no CMU phone for espeak-ng symbol %r in %r", symbol, mnemonics)
            continue
        phones.extend(cmu.split())
    return " ".join(phones)


def spell(word: str) -> str:
    """The word said letter by letter."""
    return " ".join(LETTERS[letter] for letter in word if letter in LETTERS)


def _espeak_phonemes(words: list[str]) -> list[str]:
    completed = subprocess.run(["espeak-ng", "-q", "-x", "--sep=_", "-v", "en-us"],
                               input="\n".join(words) + "\n", capture_output=True, text=True, check=False)
    return [line.strip() for line in completed.stdout.splitlines() if line.strip()]
