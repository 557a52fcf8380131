"""Where the English model shipped inside the pocketsphinx wheel lives, and what its general model knows."""

from __future__ import annotations

import re
from pathlib import Path

from voice_assist.errors import ModelError

_PLAIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def model_dir() -> Path:
    """The wheel's ``model/en-us`` folder (acoustic model, general language model, CMU dictionary)."""
    import pocketsphinx

    folder = Path(pocketsphinx.get_model_path("en-us"))
    if not (folder / "en-us" / "mdef").is_file():
        raise ModelError(f"The English model of pocketsphinx is missing from {folder}. "
                         "Reinstall it: pip install --force-reinstall pocketsphinx")
    return folder


def acoustic_model_path() -> Path:
    return model_dir() / "en-us"


def cmudict_path() -> Path:
    return model_dir() / "cmudict-en-us.dict"


def general_lm_path() -> Path:
    return model_dir() / "en-us.lm.bin"


def common_words(count: int) -> dict[str, float]:
    """The ``count`` most likely single words of the general model, with their probabilities."""
    import pocketsphinx

    logmath = pocketsphinx.LogMath()
    general = pocketsphinx.NGramModel(pocketsphinx.Config(), logmath, str(general_lm_path()))
    candidates = set()
    with cmudict_path().open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            if _PLAIN_WORD.fullmatch(word):
                candidates.add(word)
    scored = sorted(((general.prob([word]), word) for word in candidates), reverse=True)[:count]
    return {word: logmath.exp(score) for score, word in scored}
