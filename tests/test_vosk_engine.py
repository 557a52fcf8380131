"""VoskRecognizer with the real vosk library: a tiny generated model always, a real model when
VOICE_ASSIST_MODEL points at one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.tiny_vosk import WORD_ALTERNATIVE, WORD_HEARD, WORD_NEVER, write_tiny_model
from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.errors import ModelError
from voice_assist.recognize import Domain, Transcript
from voice_assist.recognize.vosk_engine import (
    VoskRecognizer,
    combine,
    parse_result,
    phrase_list,
    supports_phrase_list,
)

REAL_MODEL = os.environ.get("VOICE_ASSIST_MODEL")
DOMAIN = Domain(("what is als", "how is als diagnosed", "help", "stop"))
CHUNK = 3200  # bytes: 0.1 s, the size the audio stage hands over


def silence(seconds: float) -> bytes:
    return np.zeros(int(SAMPLE_RATE * seconds), np.int16).tobytes()


def burst(seconds: float, seed: int = 0) -> bytes:
    """Loud white noise: the tiny model hears it as one word."""
    noise = np.random.default_rng(seed).normal(0, 8000, int(SAMPLE_RATE * seconds))
    return noise.clip(-32000, 32000).astype(np.int16).tobytes()


def feed(recognizer: VoskRecognizer, pcm: bytes) -> list[str]:
    """Feed in 0.1 s chunks, as the audio stage does; return the partial results seen."""
    partials = []
    for start in range(0, len(pcm), CHUNK):
        recognizer.accept(pcm[start:start + CHUNK])
        partials.append(recognizer.partial())
    return partials


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("vosk") / "tiny-model")


@pytest.fixture(scope="module")
def tiny_lookahead_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("vosk") / "tiny-lookahead", lookahead=True)


@pytest.fixture(scope="module", params=["tiny", "tiny-lookahead", "real"])
def any_model(request: pytest.FixtureRequest, tiny_model: Path, tiny_lookahead_model: Path) -> Path:
    if request.param == "tiny":
        return tiny_model
    if request.param == "tiny-lookahead":
        return tiny_lookahead_model
    if not REAL_MODEL:
        pytest.skip("set VOICE_ASSIST_MODEL to a vosk model folder to run these tests against a real model")
    return Path(REAL_MODEL)


@pytest.fixture(scope="module")
def spoken_question(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real spoken question (espeak-ng, converted to 16 kHz mono by sox)."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox are needed to synthesize speech")
    folder = tmp_path_factory.mktemp("speech")
    wav, raw = folder / "q.wav", folder / "q.raw"
    subprocess.run(["espeak-ng", "-w", str(wav), "what is als"], check=True)
    subprocess.run(["sox", str(wav), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
                    "-t", "raw", str(raw)], check=True)
    return silence(0.5) + raw.read_bytes() + silence(0.8)


# Any model ------------------------------------------------------------------------------------------------

def test_silence_gives_no_transcript(any_model: Path) -> None:
    recognizer = VoskRecognizer(any_model, DOMAIN)
    partials = feed(recognizer, silence(2.0))
    assert set(partials) == {""}
    assert recognizer.finish() == Transcript(())


def test_speech_gives_lower_case_distinct_alternatives(any_model: Path, spoken_question: bytes) -> None:
    recognizer = VoskRecognizer(any_model, DOMAIN, max_alternatives=5)
    feed(recognizer, spoken_question)
    transcript = recognizer.finish()
    assert transcript.text
    assert 1 <= len(transcript.alternatives) <= 5
    assert len(set(transcript.alternatives)) == len(transcript.alternatives)
    assert all(text == text.lower() and "[unk]" not in text for text in transcript.alternatives)


def test_each_utterance_starts_afresh(any_model: Path, spoken_question: bytes) -> None:
    recognizer = VoskRecognizer(any_model, DOMAIN)
    feed(recognizer, spoken_question)
    first = recognizer.finish()
    feed(recognizer, silence(1.0))
    assert recognizer.finish() == Transcript(())
    feed(recognizer, spoken_question)
    assert recognizer.finish().text == first.text


def test_the_description_says_whether_the_domain_is_favoured(any_model: Path) -> None:
    description = VoskRecognizer(any_model, DOMAIN).description
    assert description.startswith(f"vosk, model {any_model.name}")
    if supports_phrase_list(any_model):
        assert "biased to the content: runtime phrase list of" in description
    else:
        assert "open vocabulary: runtime graphs not supported" in description
    assert "open vocabulary (no domain given)" in VoskRecognizer(any_model, None).description


# The tiny model: predictable results ----------------------------------------------------------------------

def test_a_loud_burst_is_heard_with_several_alternatives_best_first(tiny_model: Path) -> None:
    recognizer = VoskRecognizer(tiny_model, DOMAIN, max_alternatives=5)
    partials = feed(recognizer, silence(0.5) + burst(0.4) + silence(0.3))
    assert WORD_HEARD in partials
    assert recognizer.finish().alternatives == (WORD_HEARD, WORD_ALTERNATIVE)


def test_max_alternatives_limits_the_guesses(tiny_model: Path) -> None:
    recognizer = VoskRecognizer(tiny_model, None, max_alternatives=1)
    feed(recognizer, silence(0.3) + burst(0.4) + silence(0.3))
    assert recognizer.finish().alternatives == (WORD_HEARD,)


def test_a_long_pause_does_not_split_the_question(tiny_model: Path) -> None:
    """vosk ends a segment after 0.5 s of silence (the tiny model's endpoint rule, like the small English
    model's); a person with ALS may pause for seconds mid-question, so the segments are joined."""
    recognizer = VoskRecognizer(tiny_model, DOMAIN, max_alternatives=5)
    partials = feed(recognizer, silence(0.3) + burst(0.4) + silence(2.5) + burst(0.4, seed=1) + silence(0.3))
    assert f"{WORD_HEARD} {WORD_HEARD}" in partials
    transcript = recognizer.finish()
    assert transcript.text == f"{WORD_HEARD} {WORD_HEARD}"
    assert f"{WORD_ALTERNATIVE} {WORD_HEARD}" in transcript.alternatives
    assert WORD_NEVER not in " ".join(transcript.alternatives)


def test_the_next_utterance_does_not_carry_the_last_one_over(tiny_model: Path) -> None:
    recognizer = VoskRecognizer(tiny_model, DOMAIN)
    feed(recognizer, burst(0.4) + silence(2.0) + burst(0.4, seed=2))
    assert recognizer.finish().text == f"{WORD_HEARD} {WORD_HEARD}"
    assert recognizer.partial() == ""
    feed(recognizer, silence(0.2) + burst(0.4, seed=3) + silence(0.2))
    assert recognizer.finish().text == WORD_HEARD


def test_hclg_model_reports_open_vocabulary_and_why(tiny_model: Path) -> None:
    description = VoskRecognizer(tiny_model, Domain((WORD_NEVER,))).description
    assert "open vocabulary: runtime graphs not supported by this model (it has no graph/HCLr.fst" in description
    recognizer = VoskRecognizer(tiny_model, Domain((WORD_NEVER,)))
    feed(recognizer, silence(0.3) + burst(0.4) + silence(0.3))
    assert recognizer.finish().text == WORD_HEARD  # the domain could not change what is heard


# The tiny lookahead model: the runtime phrase list is applied ---------------------------------------------

def test_the_phrase_list_decides_what_can_be_heard(tiny_lookahead_model: Path) -> None:
    """Unbiased, a burst is "help"; with a domain that only says "kelp", the same burst is "kelp"."""
    unbiased = VoskRecognizer(tiny_lookahead_model, None)
    feed(unbiased, silence(0.3) + burst(0.4) + silence(0.3))
    assert unbiased.finish().alternatives == (WORD_HEARD, WORD_ALTERNATIVE)

    biased = VoskRecognizer(tiny_lookahead_model, Domain((f"{WORD_NEVER} please", "something else")))
    assert "runtime phrase list of 1 phrases (1 words the model knows)" in biased.description
    feed(biased, silence(0.3) + burst(0.4) + silence(0.3))
    assert biased.finish().alternatives == (WORD_NEVER,)


def test_the_phrase_list_with_two_words_of_the_same_sound(tiny_lookahead_model: Path) -> None:
    recognizer = VoskRecognizer(tiny_lookahead_model, Domain((WORD_HEARD, WORD_ALTERNATIVE)), max_alternatives=5)
    feed(recognizer, silence(0.3) + burst(0.4) + silence(2.0) + burst(0.4, seed=4) + silence(0.3))
    transcript = recognizer.finish()
    assert len(transcript.alternatives) >= 2
    assert all(set(text.split()) <= {WORD_HEARD, WORD_ALTERNATIVE} and len(text.split()) == 2
               for text in transcript.alternatives)


# Model problems -------------------------------------------------------------------------------------------

def copy_of(model: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(model, tmp_path / "model"))


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no speech model at .*nowhere.*voice-assist model install"):
        VoskRecognizer(tmp_path / "nowhere", DOMAIN)


def test_wrong_layout_names_the_missing_part(tiny_model: Path, tmp_path: Path) -> None:
    model = copy_of(tiny_model, tmp_path)
    (model / "graph" / "HCLG.fst").unlink()
    with pytest.raises(ModelError, match=r"incomplete: graph/HCLG.fst \+ graph/words.txt or graph/HCLr.fst"):
        VoskRecognizer(model, DOMAIN)


@pytest.mark.parametrize(("part", "content"), [
    ("am/final.mdl", b"this is not a kaldi model\n"),
    ("am/final.mdl", None),  # cut in half
    ("graph/HCLG.fst", b"\x00" * 64),
    ("conf/model.conf", b"--no-such-option=1\n"),
])
def test_damaged_model_raises_model_error(tiny_model: Path, tmp_path: Path, part: str,
                                          content: bytes | None) -> None:
    model = copy_of(tiny_model, tmp_path)
    target = model / part
    target.write_bytes(content if content is not None else target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(ModelError, match=r"could not be loaded|could not be made"):
        VoskRecognizer(model, DOMAIN)


def _short_log_probs(model: Path) -> None:
    mdl = model / "am" / "final.mdl"
    mdl.write_text(mdl.read_text().replace("[ 0 -0.693147 ", "[ 0 "))


def _no_silence_phones(model: Path) -> None:
    conf = model / "conf" / "model.conf"
    conf.write_text(conf.read_text().replace("--endpoint.silence-phones=1\n", ""))


@pytest.mark.parametrize("damage", [_short_log_probs, _no_silence_phones])
def test_a_model_that_crashes_vosk_is_caught_by_the_load_check(tiny_model: Path, tmp_path: Path,
                                                               damage: Callable[[Path], None]) -> None:
    """Some damage aborts the process inside vosk (a Kaldi assertion, no exception): at load, or at the
    first audio. Only a separate process survives that, so the installer's load check runs in one."""
    from voice_assist.ops.model_install import check_loads

    model = copy_of(tiny_model, tmp_path)
    damage(model)
    script = ("import sys, vosk; vosk.SetLogLevel(-1); r = vosk.KaldiRecognizer(vosk.Model(sys.argv[1]), 16000); "
              "r.AcceptWaveform(bytes(16000))")
    crash = subprocess.run([sys.executable, "-c", script, str(model)], capture_output=True, check=False)
    assert crash.returncode < 0
    with pytest.raises(ModelError, match=r"vosk cannot load it.*Assertion failed"):
        check_loads(model)
    check_loads(tiny_model)


# Pure helpers ---------------------------------------------------------------------------------------------

def test_phrase_list_keeps_phrases_once_and_marks_unknown_words() -> None:
    domain = Domain(("What is ALS", "how is als diagnosed", "what is als", "amyotrophic sclerosis", "stop"))
    known = {"what", "is", "als", "how", "stop"}
    assert phrase_list(domain, known.__contains__) == ["what is als", "how is als", "stop", "[unk]"]
    known.add("[unk]")
    assert phrase_list(domain, known.__contains__) == ["what is als", "how is als [unk]", "stop", "[unk]"]


def test_supports_phrase_list_needs_lookahead_graphs_only(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    graph.mkdir()
    (graph / "HCLr.fst").touch()
    assert not supports_phrase_list(tmp_path)
    (graph / "Gr.fst").touch()
    assert supports_phrase_list(tmp_path)
    (graph / "HCLG.fst").touch()  # vosk then decodes with HCLG and ignores phrase lists
    assert not supports_phrase_list(tmp_path)


def test_parse_result_handles_both_shapes_and_drops_unk() -> None:
    assert parse_result('{"text": "What IS [unk] als"}') == ("what is als",)
    with_alternatives = ('{"alternatives": [{"text": "a b"}, {"text": "[unk]"}, {"text": "a b"}, '
                         '{"text": "a c"}]}')
    assert parse_result(with_alternatives) == ("a b", "a c")
    assert parse_result('{"text": ""}') == ()


def test_combine_joins_segments_best_first() -> None:
    segments = [("what is", "what's"), ("als", "alice", "else")]
    assert combine(segments, 5) == ("what is als", "what's als", "what is alice", "what is else")
    assert combine(segments, 2) == ("what is als", "what's als")
    assert combine([], 5) == ()


def test_a_second_hearing_decodes_alone_and_leaves_the_utterance_state_as_it_was(tiny_model: Path) -> None:
    recognizer = VoskRecognizer(tiny_model, DOMAIN, max_alternatives=5)
    speech = silence(0.3) + burst(0.4) + silence(0.3)
    assert recognizer.decode_afresh(speech).alternatives == (WORD_HEARD, WORD_ALTERNATIVE)
    assert recognizer.decode_afresh(silence(0.5)).alternatives == ()
    feed(recognizer, speech)
    assert recognizer.finish().alternatives == (WORD_HEARD, WORD_ALTERNATIVE)


def test_each_word_comes_with_the_posterior_vosk_itself_gives_it(tiny_model: Path) -> None:
    """With alternatives asked for, vosk gives no per-word ``conf``: the adapter weighs the alternatives, and
    for a burst heard as "help" (or "yelp", 0.5 dearer) that agrees with what vosk says without alternatives."""
    import vosk

    audio = silence(0.5) + burst(0.4) + silence(0.3)
    recognizer = VoskRecognizer(tiny_model, DOMAIN, max_alternatives=5)
    feed(recognizer, audio)
    transcript = recognizer.finish()
    plain = vosk.KaldiRecognizer(vosk.Model(str(tiny_model)), SAMPLE_RATE)
    plain.SetWords(True)
    plain.AcceptWaveform(audio)
    [word] = json.loads(plain.FinalResult())["result"]
    assert transcript.alternatives[0] == WORD_HEARD
    assert transcript.word_confidences == pytest.approx((word["conf"],), abs=0.02)
    assert 0.5 < transcript.word_confidences[0] < 0.9  # "yelp" competes
    assert transcript.voiced_seconds == pytest.approx(word["end"] - word["start"])


def test_one_guess_only_gets_vosks_own_posterior_and_segments_add_up(tiny_model: Path) -> None:
    recognizer = VoskRecognizer(tiny_model, None, max_alternatives=1)
    feed(recognizer, silence(0.3) + burst(0.4) + silence(1.5) + burst(0.4, seed=1) + silence(0.3))
    transcript = recognizer.finish()
    assert transcript.alternatives == (f"{WORD_HEARD} {WORD_HEARD}",)
    assert len(transcript.word_confidences) == 2
    assert all(0.0 < confidence <= 1.0 for confidence in transcript.word_confidences)
    assert 0.4 < transcript.voiced_seconds < 1.6
