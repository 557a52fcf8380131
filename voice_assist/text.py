"""Text normalisation shared by the matcher and the recognizers' domain lists.

Recognizers write lower-case words with no punctuation, spell letters apart ("a l s"), merge and split
words and confuse sounds ("ails" for "ALS"). Everything is reduced to the same plain form before matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^a-z0-9]+")

FILLERS = frozenset("""
um umm uh uhh er erm ah oh hmm mm hey hi hello okay ok so well like please pls just really actually
basically honestly kind sort thanks thank exactly generally usually normally typically ever even
""".split())
"""Words that carry nothing in a spoken question or command."""

STOPWORDS = FILLERS | frozenset("""
a an the and or but if of to in on at by for from with about into over as than then that this these those it
its it's is are was were be been being am do does did done doing have has had having can could would should
shall will may might must i me my mine myself we us our you your yours he him his she her they them their
what whats which whom whose when where how there here there's thats tell say know want wanted wondering wonder
let lets give show explain ask asking question please could something anything thing things some any all
more most much many very too also again get got go going gonna wanna im ive id youre dont doesnt isnt
one bit little lot mean means else
""".split())
"""Words too common to tell sections apart. "who", "why" and "need" are not here: they carry the intent of
questions such as "who gets ALS" or "will I need a feeding tube". "else" is: "what else" (how "what is ALS" is
often heard) met Diagnosis's "something else" and read it."""


PEOPLE = frozenset("""
mum mom mother dad father husband wife son daughter brother sister grandad grandpa grandma grandmother
grandfather granny nan partner kid children aunt uncle cousin friend
mums moms dads husbands wives sons daughters brothers sisters partners kids aunts uncles cousins friends
""".split())
"""Who a question is about. Carers name the person in nearly every question ("why does my dad keep..."), so
these words say little about which section is meant, except where the content speaks of family."""


def words(text: str) -> list[str]:
    """Lower-case plain words; letters spelled apart are joined ("a l s" → "als")."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    plain = plain.replace("'", "")
    tokens = _NON_WORD.sub(" ", plain).split()
    return _join_spelled_letters(tokens)


def _join_spelled_letters(tokens: list[str]) -> list[str]:
    joined: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        joined.extend(["".join(run)] if len(run) >= 2 else run)
        run = []
        if token:
            joined.append(token)
    return joined


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to make "symptoms" meet "symptom" and "feeding" meet "feed"."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + keep
    return word


@lru_cache(maxsize=65536)
def sound_key(word: str) -> str:
    """A rough key for how a word sounds, so recognizer confusions still meet ("ails" ~ "als",
    "riluzol" ~ "riluzole"): first letter kept, similar consonants folded, vowels and doubles dropped."""
    folded = word
    for spelled, sound in (("ph", "f"), ("ck", "k"), ("gh", "g"), ("sch", "sk"), ("qu", "kw"), ("x", "ks"),
                           ("c", "k"), ("z", "s"), ("v", "f"), ("w", ""), ("h", ""), ("y", "")):
        folded = folded.replace(spelled, sound)
    if not folded:
        return word
    tail = re.sub(r"[aeiou]", "", folded[1:])
    key = folded[0] + tail
    return re.sub(r"(.)\1+", r"\1", key)
