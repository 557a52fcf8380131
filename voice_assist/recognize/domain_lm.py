"""A language model and dictionary that favour what can be asked, built from the domain phrases and cached.

The model gives most of its probability to the words and word sequences of the domain phrases (example
questions, section titles, lay words, commands) and keeps a little for the most common general English
words, so that speech about something else is heard as something else and can be refused, instead of
being forced onto the nearest domain phrase. The mix was chosen by measurement on synthesized questions
(scripts/bench_recognition.py, 150 on-topic and 24 off-topic questions, real content and matcher): over
two runs, on-topic questions did as well as with the domain words alone (87-95 vs 90-92 right, 32-35 vs
34-37 wrong, within run-to-run change of the content), while nearly twice as many off-topic questions were
refused (9-11 vs 5-6 of 24), for 40 MB more memory and a real-time factor of 0.11 instead of 0.08.
The general model alone found the right section for 18 %.

People say other forms of the content's less common words ("she drools" where the content says
"drooling"); those forms are words of the model too, said alone. On the held-out spoken set that answered
3 more of 278 clean and 9 more of 417 degraded questions rightly, with 3 fewer wrong sections and no more
off-topic answers. Forms of everyday words as well ("rights", "falls") did worse on the tuning set.

The files are written under ``cache_dir/pocketsphinx-<hash>`` where the hash covers the phrases and the
build settings: unchanged content starts in milliseconds, changed content is rebuilt (about a second).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from voice_assist.recognize import Domain
from voice_assist.recognize.pronounce import SPELLED_ABBREVIATIONS, espeak_pronunciations, load_cmudict, spell
from voice_assist.text import STOPWORDS, stem

log = logging.getLogger(__name__)

BUILD_VERSION = 3
"""Bump when the way files are built changes, so old caches are not reused."""

BACKGROUND_WORDS = 3000
"""How many of the most common general English words are kept besides the domain words."""

BACKGROUND_WEIGHT = 0.15
"""Share of the single-word probability given to the background words: enough to hear an off-topic
question as off-topic, little enough that domain words win when the sound is close."""

DISCOUNT = 0.4
"""Fixed share of each word-sequence probability held back for unseen continuations (back-off)."""

WORD_FORM_SHARE = 0.5
"""Probability of another form of a domain word ("drools" for "drooling"), as a share of the domain word's."""

_ENDINGS = ("", "s", "ed", "ing")
"""Endings tried on a domain word's stem for its other forms; a form counts only if the CMU dictionary has it."""

KEEP_MODELS = 4
"""Built models kept in the cache: a few, so switching between content folders does not rebuild."""

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


@dataclass(frozen=True)
class DomainModel:
    """Files for pocketsphinx and what went into them."""

    lm_path: Path
    """ARPA language model."""
    dict_path: Path
    """Pronunciation dictionary (CMU phones), only the model's words."""
    words: int
    """Words in the model, domain and background."""
    domain_words: int
    word_forms: int
    """Other forms of domain words that the dictionary has ("drools" for "drooling"), not counting common words."""
    guessed_words: tuple[str, ...]
    """Domain words not in the CMU dictionary, pronounced as espeak-ng says them."""


def words_of(phrase: str) -> list[str]:
    """The words of a phrase as the recognizer spells them: lower case, numbers in words, no punctuation."""
    text = phrase.lower().replace("\u2019", "'")  # typographic apostrophe
    tokens = re.findall(r"[a-z]+(?:'[a-z]+)*|\d+", re.sub(r"[-/]", " ", text))
    return [word for token in tokens for word in (_number_words(token) if token.isdigit() else [token])]


def build_domain_model(domain: Domain, cache_dir: Path, *, background_words: int = BACKGROUND_WORDS,
                       background_weight: float = BACKGROUND_WEIGHT, rebuild: bool = False) -> DomainModel:
    """The model for this domain: reused from the cache when the phrases are unchanged, else built.
    ``rebuild`` discards a cached copy first (one pocketsphinx could not load)."""
    sentences = sorted({" ".join(_join_spelled(words_of(phrase))) for phrase in domain.phrases} - {""})
    settings = {"version": BUILD_VERSION, "background": background_words, "weight": background_weight,
                "discount": DISCOUNT, "forms": WORD_FORM_SHARE}
    key = hashlib.sha256(json.dumps([settings, sentences]).encode()).hexdigest()[:16]
    folder = cache_dir / f"pocketsphinx-{key}"
    summary = folder / "summary.json"
    if rebuild:
        shutil.rmtree(folder, ignore_errors=True)
    if summary.is_file():
        log.debug("reusing the recognition model in %s", folder)
        os.utime(folder)  # recently used: kept by _prune
        return _load_summary(folder)
    log.info("building the recognition model for %d phrases in %s", len(sentences), folder)
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_dir))
    try:
        _build(sentences, building, background_words, background_weight)
        _publish(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _prune(cache_dir)
    return _load_summary(folder)


def _build(sentences: list[str], folder: Path, background_words: int, background_weight: float) -> None:
    from voice_assist.recognize import sphinx_files

    domain_vocabulary = sorted({word for sentence in sentences for word in sentence.split()})
    background = sphinx_files.common_words(background_words) if background_words else {}
    forms = word_forms(domain_vocabulary, common=background)
    vocabulary = set(domain_vocabulary) | set(background) | set(forms)
    known = load_cmudict(sphinx_files.cmudict_path(), vocabulary)
    guessed = espeak_pronunciations([word for word in domain_vocabulary if word not in known])
    pronunciations = {word: list(known.get(word, [])) for word in vocabulary}
    for word, phones in guessed.items():
        pronunciations[word].append(phones)
    for word in SPELLED_ABBREVIATIONS & set(domain_vocabulary):
        pronunciations[word].insert(0, spell(word))
    sayable = {word for word, variants in pronunciations.items() if variants}
    unsayable = sorted(set(domain_vocabulary) - sayable)
    if unsayable:
        log.warning("no pronunciation for %s: these words cannot be recognized", ", ".join(unsayable))
    kept = [" ".join(word for word in sentence.split() if word in sayable) for sentence in sentences]
    found_forms = {form: of for form, of in forms.items() if form in known}
    arpa = arpa_model([sentence for sentence in kept if sentence],
                      {word: p for word, p in background.items() if word in sayable}, background_weight,
                      found_forms)
    (folder / "domain.lm").write_text(arpa, encoding="utf-8")
    (folder / "domain.dict").write_text(_dictionary(pronunciations, sayable), encoding="utf-8")
    summary = {"words": len(sayable), "domain_words": len(set(domain_vocabulary) & sayable),
               "word_forms": len(found_forms.keys() - background.keys()), "guessed_words": sorted(guessed)}
    (folder / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")


def word_forms(domain_words: Iterable[str], common: Collection[str] = ()) -> dict[str, str]:
    """Other forms of the domain words that people may say instead ("drools", "cramp", "symptom"):
    form -> the domain word it is a form of. Not yet checked against a dictionary. Words of everyday
    English (``common``) get none: "rights" or "falls" would only be more ways to mishear "right", "fall"."""
    domain = set(domain_words)
    forms: dict[str, str] = {}
    for word in sorted(domain - STOPWORDS - set(common)):
        root = stem(word)
        if re.search(r"([^aeioulsfz])\1$", root):
            continue  # "getting" -> "gett": no word of its own to build on
        endings = _ENDINGS[1:] if word.endswith("es") else _ENDINGS  # "changes" -> "chang" is no word
        for form in (root + ending for ending in endings):
            if form not in domain and stem(form) == root:
                forms.setdefault(form, word)
    return forms


def arpa_model(sentences: Iterable[str], background: dict[str, float], background_weight: float,
               forms: dict[str, str] | None = None) -> str:
    """A trigram ARPA model of the sentences with fixed-discount back-off, whose single-word
    probabilities are mixed with the background words' (``background``: word -> probability).
    ``forms`` (form -> domain word) are said alone, each about as often as WORD_FORM_SHARE of its word."""
    counts: list[Counter[tuple[str, ...]]] = [Counter(), Counter(), Counter()]
    for sentence in sentences:
        words = ["<s>", *sentence.split(), "</s>"]
        for order in (1, 2, 3):
            counts[order - 1].update(tuple(words[i:i + order]) for i in range(len(words) - order + 1))
    unigram_counts: dict[tuple[str, ...], float] = dict(counts[0])
    for form, word in (forms or {}).items():
        unigram_counts[(form,)] = WORD_FORM_SHARE * unigram_counts.get((word,), 0)
    unigrams = _mixed_unigrams(unigram_counts, background, background_weight if background else 0.0)
    bigrams = {gram: count * (1 - DISCOUNT) / unigram_counts[gram[:1]] for gram, count in counts[1].items()}
    trigrams = {gram: count * (1 - DISCOUNT) / counts[1][gram[:2]] for gram, count in counts[2].items()}
    unigram_backoff = _backoffs(bigrams, unigrams)
    bigram_backoff = _backoffs(trigrams, bigrams)
    lines = ["\\data\\", f"ngram 1={len(unigrams)}", f"ngram 2={len(bigrams)}", f"ngram 3={len(trigrams)}",
             "", "\\1-grams:"]
    lines += [f"{_log10(p):.4f} {word} {_log10(unigram_backoff.get((word,), 1.0)):.4f}"
              for (word,), p in sorted(unigrams.items())]
    lines += ["", "\\2-grams:"]
    lines += [f"{_log10(p):.4f} {' '.join(gram)} {_log10(bigram_backoff.get(gram, 1.0)):.4f}"
              for gram, p in sorted(bigrams.items())]
    lines += ["", "\\3-grams:"]
    lines += [f"{_log10(p):.4f} {' '.join(gram)}" for gram, p in sorted(trigrams.items())]
    return "\n".join([*lines, "", "\\end\\", ""])


def _mixed_unigrams(counts: Mapping[tuple[str, ...], float], background: dict[str, float],
                    weight: float) -> dict[tuple[str, ...], float]:
    total = sum(count for gram, count in counts.items() if gram != ("<s>",))
    background_total = sum(background.values()) or 1.0
    words = {gram[0] for gram in counts} | set(background)
    mixed: dict[tuple[str, ...], float] = {}
    for word in words:
        domain_p = counts.get((word,), 0) / total if word != "<s>" else 0.0
        mixed[(word,)] = (1 - weight) * domain_p + weight * background.get(word, 0.0) / background_total
    mixed[("<s>",)] = 1e-99  # never predicted, only a history
    return mixed


def _backoffs(higher: dict[tuple[str, ...], float], lower: dict[tuple[str, ...], float]) -> dict:
    """Back-off weights that give each history the held-back mass over the continuations it has not seen."""
    seen: dict[tuple[str, ...], float] = defaultdict(float)
    for gram in higher:
        seen[gram[:-1]] += lower.get(gram[1:], 0.0)
    return {history: DISCOUNT / max(1.0 - lower_mass, 1e-6) for history, lower_mass in seen.items()}


def _log10(probability: float) -> float:
    return -99.0 if probability <= 1e-99 else math.log10(probability)


def _dictionary(pronunciations: dict[str, list[str]], words: set[str]) -> str:
    lines = []
    for word in sorted(words):
        variants = list(dict.fromkeys(pronunciations[word]))  # same phones twice would only slow the search
        lines += [f"{word if n == 0 else f'{word}({n + 1})'} {phones}" for n, phones in enumerate(variants)]
    return "\n".join(lines) + "\n"


def _publish(building: Path, folder: Path) -> None:
    """Move the finished files into place in one step; another process that got there first wins."""
    try:
        os.rename(building, folder)
    except OSError:
        if not (folder / "summary.json").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(building, folder)


def _prune(cache_dir: Path) -> None:
    """Delete all but the most recently used models (each content edit makes a new one)."""
    built = sorted(cache_dir.glob("pocketsphinx-*"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in built[KEEP_MODELS:]:
        shutil.rmtree(old, ignore_errors=True)


def _load_summary(folder: Path) -> DomainModel:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return DomainModel(folder / "domain.lm", folder / "domain.dict", summary["words"], summary["domain_words"],
                       summary["word_forms"], tuple(summary["guessed_words"]))


def _join_spelled(words: list[str]) -> list[str]:
    """``a l s`` -> ``als``: the abbreviation has a spelled-out pronunciation, and single letters as words
    would compete with every short word."""
    joined: list[str] = []
    for word in words:
        if joined and len(word) == 1 and any(abbreviation.startswith(joined[-1] + word)
                                            for abbreviation in SPELLED_ABBREVIATIONS):
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _number_words(digits: str) -> list[str]:
    number = int(digits)
    if number < 20:
        return [_ONES[number]]
    if number < 100:
        return [_TENS[number // 10]] + ([_ONES[number % 10]] if number % 10 else [])
    return [_ONES[int(digit)] for digit in digits]  # long numbers: digit by digit
