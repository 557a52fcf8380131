"""Engine choice: the pure decision as a table, then open_recognizer building real engines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.tiny_vosk import write_tiny_model
from voice_assist import config
from voice_assist.config import Settings
from voice_assist.recognize import Domain
from voice_assist.recognize.choose import EngineChoice, choose_engine, fell_back, open_recognizer, vosk_importable

MODEL = Path("/models/vosk-model-small-en-us-0.15")
DOMAIN = Domain(("what is als", "stop"))


FACTS = [  # (requested, vosk importable, model found, model problem), engine, words in the reason
    (("auto", True, MODEL, None),
     "vosk", "a vosk model is installed: /models/vosk-model-small-en-us-0.15"),
    (("vosk", True, MODEL, None),
     "vosk", "chosen in the settings"),
    (("pocketsphinx", True, MODEL, None),
     "pocketsphinx", "pocketsphinx was chosen in the settings"),
    (("auto", False, MODEL, None),
     "pocketsphinx", "vosk library is not installed or cannot be loaded"),
    (("auto", True, None, "no vosk model is installed (looked in x)"),
     "pocketsphinx", "no vosk model is installed (looked in x); using pocketsphinx"),
    (("auto", True, MODEL, "The speech model in /m is incomplete: am/final.mdl missing."),
     "pocketsphinx", "could not be loaded (The speech model in /m is incomplete: am/final.mdl missing); using"),
    (("vosk", True, None, None),
     "pocketsphinx", "vosk was chosen in the settings, but no vosk model was found"),
    (("vosk", False, MODEL, None),
     "pocketsphinx", "vosk was chosen in the settings, but the vosk model could not be loaded (the vosk library"),
]


@pytest.mark.parametrize(("facts", "engine", "reason_has"), FACTS)
def test_choose_engine(facts: tuple[str, bool, Path | None, str | None], engine: str, reason_has: str) -> None:
    choice = choose_engine(*facts)
    assert choice.engine == engine
    assert choice.model == (facts[2] if engine == "vosk" else None)
    assert reason_has in choice.reason


def test_choice_is_frozen() -> None:
    choice = EngineChoice("vosk", MODEL, "why")
    with pytest.raises(AttributeError):
        choice.engine = "pocketsphinx"  # type: ignore[misc]


def test_vosk_is_importable_here() -> None:
    assert vosk_importable()


@pytest.fixture
def no_installed_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty search folders, so that a model on the developer's machine does not change the outcome."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("VOICE_ASSIST_MODEL", raising=False)
    monkeypatch.setattr(config, "CHECKOUT_MODELS", tmp_path / "checkout-models")
    return tmp_path


def test_auto_uses_an_installed_vosk_model(no_installed_models: Path, tmp_path: Path) -> None:
    installed = write_tiny_model(config.data_dir() / "models" / "tiny")
    recognizer = open_recognizer(Settings(), DOMAIN, tmp_path / "cache")
    assert type(recognizer).__name__ == "VoskRecognizer"
    assert recognizer.engine == "vosk"
    assert recognizer.description.startswith("vosk, model tiny")
    assert f"a vosk model is installed: {installed}" in recognizer.description


@pytest.mark.slow
def test_without_a_model_pocketsphinx_is_used_and_says_why(no_installed_models: Path, tmp_path: Path) -> None:
    recognizer = open_recognizer(Settings(), DOMAIN, tmp_path / "cache")
    assert type(recognizer).__name__ == "PocketsphinxRecognizer"
    assert recognizer.engine == "pocketsphinx"
    assert "pocketsphinx" in recognizer.description
    assert "no vosk model is installed" in recognizer.description
    assert not fell_back(recognizer)


@pytest.mark.slow
def test_a_corrupt_model_falls_back_to_pocketsphinx(no_installed_models: Path, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """The layout is right, so the choice is vosk; loading fails, so pocketsphinx takes over."""
    model = write_tiny_model(tmp_path / "corrupt")
    (model / "am" / "final.mdl").write_text("this is not a kaldi model\n")
    recognizer = open_recognizer(Settings(model=model), DOMAIN, tmp_path / "cache")
    assert type(recognizer).__name__ == "PocketsphinxRecognizer"
    assert recognizer.engine == "pocketsphinx"
    assert "the vosk model could not be loaded" in recognizer.description
    assert fell_back(recognizer)  # the voice loop says so at start-up
    assert str(model) in recognizer.description
    assert "pocketsphinx is used instead" in caplog.text


@pytest.mark.slow
def test_an_incomplete_model_named_in_settings_falls_back(no_installed_models: Path, tmp_path: Path) -> None:
    model = Path(shutil.copytree(write_tiny_model(tmp_path / "tiny"), tmp_path / "incomplete"))
    (model / "conf" / "mfcc.conf").unlink()
    recognizer = open_recognizer(Settings(engine="vosk", model=model), DOMAIN, tmp_path / "cache")
    assert type(recognizer).__name__ == "PocketsphinxRecognizer"
    assert "conf/mfcc.conf missing" in recognizer.description
    assert fell_back(recognizer)


@pytest.mark.slow
def test_pocketsphinx_when_asked_even_with_a_model(no_installed_models: Path, tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny")
    recognizer = open_recognizer(Settings(engine="pocketsphinx", model=model), DOMAIN, tmp_path / "cache")
    assert type(recognizer).__name__ == "PocketsphinxRecognizer"
    assert "pocketsphinx was chosen in the settings" in recognizer.description
