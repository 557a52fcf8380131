"""Which recognizer to run: a pure decision from a few facts, then building it (engines imported lazily).

vosk is more accurate when a model is installed; pocketsphinx ships its English model inside the wheel,
so it always works and is the fallback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from voice_assist.config import Settings
from voice_assist.errors import ModelError
from voice_assist.recognize import Domain, Recognizer
from voice_assist.recognize.vosk_model import locate_model

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 5
"""Guesses per utterance handed to the matcher: enough to recover a misheard key word, few enough to stay
fast on 2 cores."""


@dataclass(frozen=True)
class EngineChoice:
    engine: str
    """"vosk" or "pocketsphinx"."""
    model: Path | None
    """The vosk model folder (None for pocketsphinx)."""
    reason: str
    """Why, in words for the start-up message."""


def choose_engine(requested: str, vosk_importable: bool, model: Path | None,
                  model_problem: str | None) -> EngineChoice:
    """Pure: the settings' engine ("auto", "vosk", "pocketsphinx") and what is available."""
    if requested == "pocketsphinx":
        return EngineChoice("pocketsphinx", None, "pocketsphinx was chosen in the settings")
    wanted = "vosk was chosen in the settings, but " if requested == "vosk" else ""
    if model is not None and model_problem is not None:
        return _fallback(wanted, f"{VOSK_FAILED} ({_sentence_part(model_problem)})")
    if not vosk_importable:
        problem = "the vosk library is not installed or cannot be loaded"
        return _fallback(wanted, f"{VOSK_FAILED} ({problem})" if model is not None else problem)
    if model is None:
        return _fallback(wanted, _sentence_part(model_problem or "no vosk model was found"))
    how = "chosen in the settings" if requested == "vosk" else "a vosk model is installed"
    return EngineChoice("vosk", model, f"vosk ({how}: {model})")


def _fallback(wanted: str, why: str) -> EngineChoice:
    return EngineChoice("pocketsphinx", None, f"{wanted}{why}; using pocketsphinx")


def _sentence_part(text: str) -> str:
    return text.rstrip(". ")


VOSK_FAILED = "the vosk model could not be loaded"
"""In the reason whenever a vosk model was meant to be used (installed or named) but cannot be."""


def fell_back(recognizer: Recognizer) -> bool:
    """A vosk model was meant to be used but cannot be, and the built-in engine is used instead."""
    return VOSK_FAILED in recognizer.description


def vosk_importable() -> bool:
    try:
        import vosk  # noqa: F401  (also loads libvosk.so, which is what can really fail)
    except (ImportError, OSError) as error:
        log.debug("vosk cannot be imported: %s", error)
        return False
    return True


def open_recognizer(settings: Settings, domain: Domain, cache_dir: Path) -> Recognizer:
    """Build the chosen recognizer; a vosk model that fails to load falls back to pocketsphinx."""
    lookup = locate_model(settings.model)
    # vosk is imported only when it could be used: importing it imports urllib3, which opens a socket to
    # probe for IPv6, and takes time at every start.
    could_use_vosk = settings.engine != "pocketsphinx" and lookup.path is not None and lookup.problem is None
    choice = choose_engine(settings.engine, vosk_importable() if could_use_vosk else True, lookup.path,
                           lookup.problem)
    if choice.engine == "vosk" and choice.model is not None:
        try:
            return _with_reason(_open_vosk(choice.model, domain, settings), choice.reason)
        except ModelError as error:
            log.warning("The vosk model could not be used, so pocketsphinx is used instead: %s", error)
            choice = EngineChoice("pocketsphinx", None, f"{VOSK_FAILED} ({_sentence_part(str(error))}); "
                                  "using pocketsphinx")
    else:
        log.info("Speech recognition: %s", choice.reason)
    return _with_reason(_open_pocketsphinx(domain, cache_dir), choice.reason)


def _open_vosk(model: Path, domain: Domain, settings: Settings) -> Recognizer:
    from voice_assist.recognize.vosk_engine import VoskRecognizer

    return VoskRecognizer(model, domain, max_alternatives=MAX_ALTERNATIVES,
                          verbose=settings.log_level.upper() == "DEBUG")


def _open_pocketsphinx(domain: Domain, cache_dir: Path) -> Recognizer:
    from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(domain, cache_dir=cache_dir, max_alternatives=MAX_ALTERNATIVES)


def _with_reason(recognizer: Recognizer, reason: str) -> Recognizer:
    recognizer.description = f"{recognizer.description} [{reason}]"
    return recognizer
