"""The pocketsphinx recognizer: works on a fresh offline install, since its English model ships in the wheel.

Its general language model hears free speech poorly (it was trained on a different kind of talk), so it
is replaced by one built from the domain phrases (see ``domain_lm``), which makes in-domain questions far
more likely to be heard right.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from voice_assist.errors import ModelError
from voice_assist.recognize import Domain, Transcript
from voice_assist.recognize.domain_lm import BACKGROUND_WEIGHT, BACKGROUND_WORDS, build_domain_model, words_of
from voice_assist.recognize.sphinx_files import acoustic_model_path, cmudict_path, general_lm_path

log = logging.getLogger(__name__)

DECODER_OPTIONS: dict[str, object] = {
    "lw": 9.0, "fwdflatlw": 11.0, "bestpathlw": 12.0,
    "beam": 1e-60, "wbeam": 1e-40, "pbeam": 1e-60, "lpbeam": 1e-50, "maxhmmpf": -1, "topn": 8,
}
"""pocketsphinx settings that differ from its defaults, chosen by measurement on synthesized questions
(scripts/bench_recognition.py, 150 questions in 6 voices and conditions, real content and matcher):
- a language weight of 9 instead of 6.5 trusts the domain model more than the sound: right section
  47 % -> 53 %, word error rate 67 % -> 60 %; 11 heard more words right but forced more off-topic
  questions onto domain words (refused 7/24 instead of 11/24), 14 was worse on both;
- wider beams, no cap on active HMMs and 8 Gaussians per frame instead of 4 lift the right-section rate
  to 61 % and cut wrong answers from 41 to 32, doubling the real-time factor (0.07 -> 0.13, within the
  0.15 budget for a 2-core mini-PC)."""

NBEST_SEARCHED = 40
"""N-best entries read to find the distinct alternatives (many differ only in silences or fillers)."""


FRAMES_PER_SECOND = 100
"""pocketsphinx's feature frames per second of audio (its default frame rate, not changed here)."""


class PocketsphinxRecognizer:
    """Recognizes one utterance at a time with pocketsphinx, biased towards the domain."""

    engine = "pocketsphinx"

    def __init__(self, domain: Domain, *, cache_dir: Path, max_alternatives: int = 5, bias: bool = True,
                 background_words: int = BACKGROUND_WORDS, background_weight: float = BACKGROUND_WEIGHT,
                 decoder_options: Mapping[str, object] | None = None) -> None:
        """``bias=False`` uses the general English model instead, and ``decoder_options`` overrides
        pocketsphinx settings (both for comparisons in the benchmark)."""
        self.max_alternatives = max_alternatives
        self._options = {**DECODER_OPTIONS, **(decoder_options or {})}
        version = metadata.version("pocketsphinx")
        if not bias:
            self.description = f"pocketsphinx {version} with its built-in US English model (general, unbiased)"
            self._decoder = self._load(general_lm_path(), cmudict_path(), cache_dir)
        else:
            build = functools.partial(build_domain_model, domain, cache_dir, background_words=background_words,
                                      background_weight=background_weight)
            model = build()
            try:
                self._decoder = self._load(model.lm_path, model.dict_path, cache_dir)
            except ModelError as error:  # a damaged cached copy: build it again, once
                log.warning("%s Rebuilding it.", error)
                model = build(rebuild=True)
                self._decoder = self._load(model.lm_path, model.dict_path, cache_dir)
            guessed = f", {len(model.guessed_words)} pronounced by espeak-ng" if model.guessed_words else ""
            self.description = (f"pocketsphinx {version} with its built-in US English model, language model "
                                f"biased to {model.domain_words} words of the content{guessed}, "
                                f"{model.word_forms} other forms of them and "
                                f"{model.words - model.domain_words - model.word_forms} common words")
        self._in_utterance = False
        self._starting_cmn = self._decoder.get_cmn()
        """The cepstral mean before any speech: pocketsphinx adapts it to each utterance heard."""
        log.debug("recognizer ready: %s", self.description)

    def _load(self, lm: Path, dictionary: Path, cache_dir: Path) -> Any:
        import pocketsphinx

        try:
            return pocketsphinx.Decoder(hmm=str(acoustic_model_path()), lm=str(lm), dict=str(dictionary),
                                        loglevel="ERROR", **self._options)
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"pocketsphinx could not load its model from {lm.parent} ({error}). Delete the "
                             f"folder {cache_dir} so it is rebuilt, or reinstall pocketsphinx.") from error

    def accept(self, pcm: bytes) -> None:
        if not pcm:
            return  # pocketsphinx raises IndexError on an empty buffer
        if not self._in_utterance:
            self._decoder.start_utt()
            self._in_utterance = True
        self._decoder.process_raw(pcm, False, False)

    def partial(self) -> str:
        hypothesis = self._decoder.hyp() if self._in_utterance else None
        return _clean(hypothesis.hypstr) if hypothesis else ""

    def finish(self) -> Transcript:
        if not self._in_utterance:
            return Transcript()
        self._decoder.end_utt()
        self._in_utterance = False
        best = self._decoder.hyp()
        if best is None or not _clean(best.hypstr):
            return Transcript()
        guesses = [best.hypstr]
        # when pocketsphinx cannot build the word lattice, the n-best list yields None: keep the best guess
        guesses += [h.hypstr for h in itertools.islice(self._decoder.nbest(), NBEST_SEARCHED) if h is not None]
        distinct = [text for text in dict.fromkeys(_clean(guess) for guess in guesses) if text]
        words = [segment for segment in self._decoder.seg() if _clean(segment.word)]
        frames = sum(segment.end_frame - segment.start_frame + 1 for segment in words)
        return Transcript(tuple(distinct[: self.max_alternatives]),
                          word_confidences=tuple(min(1.0, segment.prob) for segment in words),
                          voiced_seconds=frames / FRAMES_PER_SECOND)

    def decode_afresh(self, pcm: bytes) -> Transcript:
        """Decode ``pcm`` from the starting cepstral mean. pocketsphinx carries its running mean from one
        utterance to the next; after some sequences of utterances it drifts so far that a clean "stop" decodes
        as "talk" (measured in scripts/bench_loop.py runs, reproduced by replaying their audio in order)."""
        if self._in_utterance or not pcm:
            return Transcript()
        adapted = self._decoder.get_cmn()
        self._decoder.set_cmn(self._starting_cmn)
        try:
            self.accept(pcm)
            return self.finish()
        finally:
            self._decoder.set_cmn(adapted)


def _clean(text: str) -> str:
    """Lower case words only: no fillers such as <sil> or [NOISE]."""
    return " ".join(words_of(" ".join(word for word in text.split() if word[:1] not in "<[")))
