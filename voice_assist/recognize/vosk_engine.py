"""Vosk (Kaldi) adapter: a local model folder, biased to the domain's phrases when the model allows it.

Vosk ends a "segment" by itself after a short pause (its model.conf endpoint rules, ~0.5 s for the small
English model). People with ALS pause much longer mid-question, so segments are collected here and joined
into one transcript; when an utterance ends is decided by the audio stage, not by vosk.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.errors import ModelError
from voice_assist.recognize import Domain, Transcript
from voice_assist.recognize.vosk_model import validate_model

log = logging.getLogger(__name__)

UNKNOWN_WORD = "[unk]"
"""Vosk's garbage word: lets out-of-domain speech land somewhere instead of on the nearest domain word.
It is removed from transcripts."""


def supports_phrase_list(model_dir: Path) -> bool:
    """Vosk only applies a runtime phrase list to lookahead graphs (HCLr.fst + Gr.fst, no HCLG.fst)."""
    graph = model_dir / "graph"
    return (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file() and not (graph / "HCLG.fst").is_file()


def phrase_list(domain: Domain, known: Callable[[str], bool]) -> list[str]:
    """The domain's phrases for vosk's runtime phrase list, plus [unk] on its own.

    vosk (0.3.45) trains a small bigram language model on these phrases, so whole phrases give it word
    order while its back-off still allows other orders. Words the model does not know would be dropped
    (with a warning each), joining their neighbours into false bigrams, so they become [unk] here."""
    unknown = UNKNOWN_WORD if known(UNKNOWN_WORD) else None
    phrases = []
    for phrase in domain.phrases:
        words = [word if known(word) else unknown for word in phrase.lower().split()]
        if any(word not in (None, UNKNOWN_WORD) for word in words):
            phrases.append(" ".join(word for word in words if word))
    return [*dict.fromkeys(phrases), UNKNOWN_WORD]


class VoskRecognizer:
    """One utterance at a time: ``accept`` audio, read ``partial``, then ``finish``."""

    engine = "vosk"

    def __init__(self, model_dir: Path, domain: Domain | None, *, max_alternatives: int = 5,
                 verbose: bool = False) -> None:
        validate_model(model_dir)
        import vosk  # imported here so that choosing an engine never needs vosk installed

        vosk.SetLogLevel(0 if verbose else -1)
        self._vosk = vosk
        self._max_alternatives = max_alternatives
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as error:
            raise ModelError(f"The speech model in {model_dir} could not be loaded ({error}); it may be damaged. "
                             "Install it again with 'voice-assist model install'.") from error
        self._grammar, how = self._grammar_for(model_dir, domain)
        self._model_dir = model_dir
        self._recognizer = self._new_recognizer(model_dir)
        self._spare: Any = None
        """A second recognizer for ``decode_afresh``."""
        self.description = f"vosk, model {model_dir.name} ({model_dir}); {how}"
        self._segments: list[tuple[str, ...]] = []
        self._sureness: list[Sureness] = []
        """Of each segment's best guess, in step with ``_segments``."""
        log.debug("recognizer ready: %s", self.description)

    def _grammar_for(self, model_dir: Path, domain: Domain | None) -> tuple[str | None, str]:
        if domain is None:
            return None, "open vocabulary (no domain given)"
        if not supports_phrase_list(model_dir):
            return None, ("open vocabulary: runtime graphs not supported by this model "
                          "(it has no graph/HCLr.fst and graph/Gr.fst), so the domain's words cannot be favoured")
        phrases = phrase_list(domain, lambda word: self._model.vosk_model_find_word(word) >= 0)
        words = {word for phrase in phrases[:-1] for word in phrase.split()} - {UNKNOWN_WORD}
        return json.dumps(phrases), (f"biased to the content: runtime phrase list of {len(phrases) - 1} phrases "
                                     f"({len(words)} words the model knows)")

    def _new_recognizer(self, model_dir: Path) -> Any:  # vosk has no type hints
        try:
            if self._grammar is None:
                recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
            else:
                recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar)
        except Exception as error:
            raise ModelError(f"The speech model in {model_dir} loaded, but a recognizer could not be made from "
                             f"it ({error}). Install the model again with 'voice-assist model install'.") from error
        recognizer.SetMaxAlternatives(self._max_alternatives)
        recognizer.SetWords(True)  # each guess's words with their times, for ``sureness``
        return recognizer

    def accept(self, pcm: bytes) -> None:
        """Feed audio (16 kHz mono s16le). A vosk endpoint only closes a segment, not the utterance."""
        try:
            segment_ended = self._recognizer.AcceptWaveform(pcm)
        except Exception as error:
            raise ModelError(f"The vosk recognizer rejected the audio ({error}).") from error
        if segment_ended:
            self._keep_segment(self._recognizer.Result())

    def partial(self) -> str:
        current = _text(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        return " ".join(part for part in (*(s[0] for s in self._segments), current) if part)

    def finish(self) -> Transcript:
        """End the utterance; the recognizer is then ready for the next one."""
        self._keep_segment(self._recognizer.FinalResult())
        segments, self._segments = self._segments, []
        sureness, self._sureness = self._sureness, []
        self._recognizer.Reset()
        return Transcript(combine(segments, self._max_alternatives),
                          word_confidences=tuple(c for segment in sureness for c in segment.word_confidences),
                          voiced_seconds=sum(segment.voiced_seconds for segment in sureness))

    def decode_afresh(self, pcm: bytes) -> Transcript:
        """Decode ``pcm`` with a second recognizer that has heard nothing else but other second opinions
        (made on first use), so the adaptation to earlier utterances plays no part."""
        if self._spare is None:
            self._spare = self._new_recognizer(self._model_dir)
        self._recognizer, self._spare = self._spare, self._recognizer
        segments, self._segments = self._segments, []
        sureness, self._sureness = self._sureness, []
        try:
            self.accept(pcm)
            return self.finish()
        finally:
            self._recognizer, self._spare = self._spare, self._recognizer
            self._segments, self._sureness = segments, sureness

    def _keep_segment(self, result_json: str) -> None:
        alternatives = parse_result(result_json)
        if alternatives:
            self._segments.append(alternatives)
            self._sureness.append(sureness_of(result_json))


@dataclass(frozen=True)
class Sureness:
    """How sure vosk is of a segment's best guess (see ``Transcript``)."""

    word_confidences: tuple[float, ...]
    voiced_seconds: float


def sureness_of(result_json: str) -> Sureness:
    """The best guess's word posteriors and the seconds its words cover. Vosk gives its own posterior
    (``conf``) per word only when no alternatives are asked for; with alternatives, a word's posterior is the
    share of the alternatives' weight (softmax of their ``confidence``, Kaldi's total log score, which
    reproduces vosk's own ``conf`` when two guesses differ by one word) held by those that have the same word
    over the same time."""
    result = json.loads(result_json)
    guesses = result.get("alternatives") or [{**result, "confidence": 0.0}]
    best_score = max(guess.get("confidence", 0.0) for guess in guesses)
    weights = [math.exp(guess.get("confidence", 0.0) - best_score) for guess in guesses]
    best = [word for word in guesses[0].get("result", []) if word["word"] != UNKNOWN_WORD]

    def posterior(word: dict) -> float:
        if "conf" in word:
            return float(word["conf"])
        held = sum(weight for guess, weight in zip(guesses, weights, strict=True)
                   if any(_same_word(word, other) for other in guess.get("result", [])))
        return held / sum(weights)

    return Sureness(tuple(posterior(word) for word in best), sum(word["end"] - word["start"] for word in best))


def _same_word(word: dict, other: dict) -> bool:
    """The same word over overlapping times."""
    return bool(other["word"] == word["word"] and other["start"] < word["end"] and word["start"] < other["end"])


def parse_result(result_json: str) -> tuple[str, ...]:
    """Vosk's result (with or without alternatives) as distinct non-empty texts, best first."""
    result = json.loads(result_json)
    raw = [entry.get("text", "") for entry in result.get("alternatives", [])] or [result.get("text", "")]
    return _distinct(_text(text) for text in raw)


def combine(segments: list[tuple[str, ...]], limit: int) -> tuple[str, ...]:
    """Join the segments of one utterance: the best of each first, then each segment's other guesses with
    the rest kept at their best (the full cross product grows too fast to be useful)."""
    if not segments:
        return ()
    best = [alternatives[0] for alternatives in segments]
    candidates = [" ".join(best)]
    for index, alternatives in enumerate(segments):
        for other in alternatives[1:]:
            candidates.append(" ".join([*best[:index], other, *best[index + 1:]]))
    return _distinct(candidates)[:max(limit, 1)]


def _text(raw: str) -> str:
    return " ".join(word for word in raw.lower().split() if word != UNKNOWN_WORD)


def _distinct(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text for text in texts if text))
