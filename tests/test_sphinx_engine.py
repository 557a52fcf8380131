"""The pocketsphinx recognizer, for real: espeak-ng speech in, transcripts out."""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

import pocketsphinx
import pytest

from tests.spoken import FLITE_VOICES, SLOW, SpeechOptions, silence, synthesize
from voice_assist.confidence import Certainty, certainty, content_confidence
from voice_assist.recognize import Domain, Transcript
from voice_assist.recognize.domain_lm import KEEP_MODELS, arpa_model, build_domain_model, word_forms, words_of
from voice_assist.recognize.pronounce import espeak_to_cmu
from voice_assist.recognize.sphinx_engine import PocketsphinxRecognizer
from voice_assist.text import stem

PHRASES = (
    "what is als", "what is a l s", "what causes als", "is als inherited", "how fast does als progress",
    "what are the first signs", "trouble swallowing", "drooling", "slurred speech", "dysarthria",
    "how is als diagnosed", "electromyogram", "nerve conduction test", "is there a cure", "treatment",
    "riluzole", "edaravone", "what drugs are approved", "pain relief", "nsaids", "muscle cramps", "spasticity",
    "physical therapy", "breathing problems", "will i need a breathing machine", "feeding tube",
    "will i need a feeding tube", "speech therapy", "support group", "can als be prevented",
    "stop", "repeat", "slower", "louder", "more", "tell me more", "yes", "no", "topics", "help",
)
DOMAIN = Domain(PHRASES)

HEARD = [  # (what is said, how, words the transcript must contain)
    ("what is riluzole", {}, {"riluzole"}),
    ("what is riluzole", {"voice": "en-us+f3"}, {"riluzole"}),
    ("will i need a feeding tube", {"voice": "en-gb+m3"}, {"feeding", "tube"}),
    ("will i need a breathing machine", {"speed": SLOW, "word_gap_ms": 200}, {"breathing", "machine"}),
    ("will i need a feeding tube", {"noise": "babble", "noise_snr_db": 20}, {"feeding", "tube"}),
    ("what is riluzole", {"noise": "white", "noise_snr_db": 15}, {"riluzole"}),
    ("stop", {"voice": "en-us+f3"}, {"stop"}),
]


def recognize(recognizer: PocketsphinxRecognizer, pcm: bytes) -> Transcript:
    for offset in range(0, len(pcm), 3200):  # 100 ms at a time, as from a microphone
        recognizer.accept(pcm[offset:offset + 3200])
    return recognizer.finish()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recognizer-cache")


@pytest.fixture(scope="module")
def recognizer(cache_dir: Path) -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(DOMAIN, cache_dir=cache_dir)


@pytest.mark.parametrize(("text", "how", "key_words"), HEARD, ids=[f"{t}-{h}" for t, h, _ in HEARD])
def test_question_is_heard_with_its_key_words(recognizer: PocketsphinxRecognizer, text: str, how: dict,
                                              key_words: set[str]) -> None:
    transcript = recognize(recognizer, synthesize(text, **how))

    assert key_words <= set(transcript.text.split()), transcript


def test_several_distinct_lower_case_alternatives_best_first(recognizer: PocketsphinxRecognizer) -> None:
    transcript = recognize(recognizer, synthesize("how fast does als progress", voice="en-us+f3"))

    assert len(transcript.alternatives) >= 2
    assert len(set(transcript.alternatives)) == len(transcript.alternatives)
    assert all(alternative == alternative.lower() for alternative in transcript.alternatives)
    assert transcript.text == transcript.alternatives[0]
    assert "progress" in transcript.text
    assert len(transcript.alternatives) <= 5


def test_alternatives_are_capped(cache_dir: Path) -> None:
    two = PocketsphinxRecognizer(DOMAIN, cache_dir=cache_dir, max_alternatives=2)

    transcript = recognize(two, synthesize("what are the first signs", voice="en-gb+m3"))

    assert 1 <= len(transcript.alternatives) <= 2


def test_silence_gives_an_empty_transcript(recognizer: PocketsphinxRecognizer) -> None:
    transcript = recognize(recognizer, silence(2.0))

    assert transcript == Transcript()
    assert transcript.text == ""


def test_finish_without_audio_gives_an_empty_transcript(recognizer: PocketsphinxRecognizer) -> None:
    assert recognizer.finish() == Transcript()


def test_each_utterance_starts_afresh(recognizer: PocketsphinxRecognizer) -> None:
    first = recognize(recognizer, synthesize("what is riluzole"))
    second = recognize(recognizer, synthesize("will i need a feeding tube"))

    assert "riluzole" in first.text
    assert "feeding" in second.text
    assert "riluzole" not in " ".join(second.alternatives)


def test_partial_guess_grows_during_the_utterance(recognizer: PocketsphinxRecognizer) -> None:
    pcm = synthesize("will i need a feeding tube")
    recognizer.accept(pcm[: len(pcm) // 2])
    halfway = recognizer.partial()
    recognizer.accept(pcm[len(pcm) // 2:])
    at_end = recognizer.partial()
    recognizer.finish()

    assert at_end and "tube" in at_end.split()
    assert len(halfway.split()) <= len(at_end.split())
    assert recognizer.partial() == ""


def test_biasing_hears_domain_words_at_least_as_well_as_the_general_model(cache_dir: Path,
                                                                         recognizer: PocketsphinxRecognizer) -> None:
    general = PocketsphinxRecognizer(DOMAIN, cache_dir=cache_dir, bias=False)
    said: list[tuple[str, SpeechOptions]] = [
        ("what is riluzole", {}), ("how fast does als progress", {"voice": "en-us+f3"}),
        ("is there a support group", {"speed": SLOW}), ("can als be prevented", {"voice": "en-gb+m3"}),
        ("i have trouble swallowing", {"noise": "white", "noise_snr_db": 15})]

    def hits(engine: PocketsphinxRecognizer) -> int:
        return sum(len(set(words_of(text)) & set(recognize(engine, synthesize(text, **how)).text.split()))
                   for text, how in said)

    biased, unbiased = hits(recognizer), hits(general)

    assert biased >= unbiased
    assert biased >= 0.7 * sum(len(set(words_of(text))) for text, _ in said)
    assert "biased" in recognizer.description and "unbiased" in general.description


def test_words_missing_from_the_dictionary_are_pronounced_and_heard(cache_dir: Path,
                                                                   recognizer: PocketsphinxRecognizer) -> None:
    model = build_domain_model(DOMAIN, cache_dir)
    dictionary = model.dict_path.read_text(encoding="utf-8")

    assert {"riluzole", "edaravone", "dysarthria", "spasticity", "electromyogram", "nsaids"} <= set(
        model.guessed_words)
    assert "\nals EY EH L EH S\n" in dictionary  # said letter by letter ...
    assert "\nals(2) AE L Z\n" in dictionary  # ... or as a word
    for text in ("what is edaravone", "dysarthria", "electromyogram"):
        transcript = recognize(recognizer, synthesize(text, voice="en-us+f3"))
        assert text.split()[-1] in transcript.text.split(), transcript


def test_other_forms_of_domain_words_are_offered() -> None:
    forms = word_forms(["drooling", "cramps", "changes", "getting", "what"])

    assert {"drool", "drools", "drooled", "cramp", "cramped", "changed", "changing"} <= set(forms)
    assert forms["drools"] == "drooling"
    assert not {"chang", "gett", "getts", "whats"} & set(forms)  # no broken stems, no small words
    assert not word_forms(["falling", "drooling"], common={"falling"}).keys() & {"fall", "falls"}


def test_another_form_of_a_domain_word_is_heard(cache_dir: Path) -> None:
    recognizer = PocketsphinxRecognizer(DOMAIN, cache_dir=cache_dir)  # fresh: it adapts to what it heard before
    heard = [recognize(recognizer, synthesize("she drools all day", voice=voice))  # the content says "drooling"
             for voice in FLITE_VOICES]

    assert sum("drool" in {stem(word) for word in transcript.text.split()} for transcript in heard) >= 3, heard


@pytest.mark.parametrize("voice", ["en-us", "en-us+f3"])
def test_spelled_letters_are_heard_as_the_abbreviation(recognizer: PocketsphinxRecognizer, voice: str) -> None:
    transcript = recognize(recognizer, synthesize("what is ALS", voice=voice))  # espeak-ng spells it: "A L S"

    assert "als" in transcript.text.split() or "a l s" in transcript.text


def test_built_model_is_reused_until_the_phrases_change(tmp_path: Path) -> None:
    first = build_domain_model(Domain(("what is riluzole", "stop")), tmp_path, background_words=100)
    built_at = first.lm_path.stat().st_mtime_ns

    again = build_domain_model(Domain(("stop", "what is riluzole")), tmp_path, background_words=100)
    changed = build_domain_model(Domain(("what is riluzole", "stop", "edaravone")), tmp_path,
                                 background_words=100)

    assert again == first
    assert again.lm_path.stat().st_mtime_ns == built_at
    assert changed.lm_path.parent != first.lm_path.parent
    assert "edaravone" in changed.dict_path.read_text(encoding="utf-8")
    assert "edaravone" not in first.dict_path.read_text(encoding="utf-8")
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".building")]


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage language model", "missing dictionary"])
def test_a_damaged_cached_model_is_rebuilt(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    domain = Domain(("what is riluzole", "stop"))
    model = build_domain_model(domain, tmp_path)
    if damage == "missing dictionary":
        model.dict_path.unlink()
    else:
        model.lm_path.write_bytes(b"\\data\\\nngram 1=zzz\n" + bytes(range(256)))

    recognizer = PocketsphinxRecognizer(domain, cache_dir=tmp_path)

    assert "Rebuilding it" in caplog.text
    assert recognize(recognizer, synthesize("what is riluzole")).text == "what is riluzole"


@pytest.mark.slow
def test_only_the_most_recently_used_models_are_kept(tmp_path: Path) -> None:
    first = build_domain_model(Domain(("stop",)), tmp_path, background_words=10)
    for word in ("one", "two", "three", "four", "five"):
        build_domain_model(Domain((word,)), tmp_path, background_words=10)

    assert len(list(tmp_path.glob("pocketsphinx-*"))) == KEEP_MODELS
    assert not first.lm_path.exists()


def test_language_model_prefers_domain_word_order(tmp_path: Path) -> None:
    path = tmp_path / "test.lm"
    path.write_text(arpa_model(["will i need a feeding tube", "what is riluzole"], {"the": 0.6, "tube": 0.4}, 0.2))
    model = pocketsphinx.NGramModel(pocketsphinx.Config(), pocketsphinx.LogMath(), str(path))

    # pocketsphinx's prob() takes the word first, then its history (most recent first)
    assert model.prob(["tube", "feeding", "a"]) > model.prob(["the", "feeding", "a"])
    assert model.prob(["riluzole", "is", "what"]) > model.prob(["riluzole", "a", "need"])


def test_espeak_phonemes_become_cmu_phones() -> None:
    assert espeak_to_cmu("r_'I_l_u:_z_,oU_l") == "R IH L UW Z OW L"
    assert espeak_to_cmu("d_aI_s_'A@_T_r_i@") == "D AY S AA R TH R IY AH"


def test_phrases_become_recognizer_words() -> None:
    assert words_of("What's ALS? It lasts 24 hours—or 3-5 days.") == [
        "what's", "als", "it", "lasts", "twenty", "four", "hours", "or", "three", "five", "days"]


# ---- end to end: spoken question -> pocketsphinx -> matcher -> section ----

END_TO_END: list[tuple[str, SpeechOptions, str]] = [  # (said, how, expected section)
    ("what is ALS", {}, "overview"),
    ("what causes ALS", {"voice": "en-us+f3"}, "causes"),
    ("does it run in the family", {"voice": "en-gb+m3"}, "risk-factors"),
    ("who is at risk", {}, "risk-factors"),
    ("what are the symptoms", {"speed": 120, "voice": "en-us+f3"}, "symptoms"),
    ("what are the first signs", {"speed": 120}, "symptoms/early"),
    ("how fast does ALS progress", {"voice": "en-us+f2"}, "symptoms/progression"),
    ("how is ALS diagnosed", {"voice": "en-us+f3"}, "diagnosis"),
    ("what is a spinal tap", {}, "diagnosis/tests"),
    ("what is an electromyogram", {"voice": "en-us+f3"}, "diagnosis/nerves"),
    ("is there a cure", {"speed": SLOW}, "treatment"),
    ("what is riluzole", {"noise": "white", "noise_snr_db": 15}, "treatment/drugs"),
    ("does edaravone work", {"voice": "en-us+f3"}, "treatment/drugs"),
    ("what can help with cramps", {}, "treatment/medications"),
    ("will physical therapy help", {"voice": "en-gb+m3"}, "treatment/physical-therapy"),
    ("will I need a breathing machine", {"noise": "babble", "noise_snr_db": 20}, "treatment/breathing"),
    ("will I need a feeding tube", {"speed": SLOW, "word_gap_ms": 200}, "treatment/nutrition"),
    ("how will I communicate", {"voice": "en-us+f3"}, "treatment/speech"),
    ("is there a support group", {"noise": "white", "noise_snr_db": 20}, "treatment/support"),
    ("can ALS be prevented", {"voice": "en-gb+m3"}, "prevention"),
]
OFF_TOPIC: list[tuple[str, SpeechOptions]] = [
    ("what is the weather tomorrow", {}),
    ("how do I cook rice", {"voice": "en-us+f3"}),
    ("tell me a joke", {}),
    ("who won the football game", {"voice": "en-gb+m3"}),
]
RIGHT_SECTION_RATE = 0.75
"""Share of spoken questions that must reach their section through the real recognizer and matcher.
Measured: 17/20 (pocketsphinx hears espeak-ng's synthetic voices less well than people); the margin
leaves room for edits to the content, which change the language model."""

RIGHT_SECTION_RATE_RECORDED_VOICES = 0.85
"""The same for flite's voices, built from recordings of people: measured 20/20 clean, 18/20 slow
with pauses between words."""

OFF_TOPIC_HEALTH = [  # other illnesses: the most harmful to answer from the ALS factsheet
    ("what is diabetes", "flite:rms"),
    ("how is asthma diagnosed", "flite:slt"),
    ("what are the early signs of alzheimer's", "flite:awb"),
    ("what are the symptoms of covid", "flite:kal16"),
    ("how can i prevent the flu", "flite:rms"),
    ("what are the risk factors for heart disease", "flite:awb"),
]


@pytest.fixture(scope="module")
def content_recognizer(cache_dir: Path):
    from voice_assist.config import BUNDLED_CONTENT
    from voice_assist.content import load_library
    from voice_assist.match import Matcher
    from voice_assist.recognize import domain_of

    library = load_library([BUNDLED_CONTENT])
    return PocketsphinxRecognizer(domain_of(library), cache_dir=cache_dir), Matcher(library)


def _section_heard(content_recognizer, said: str, **how: Unpack[SpeechOptions]) -> tuple[str | None, tuple[str, ...]]:
    """The section the matcher reads out for the spoken question (None: no answer), and what was heard."""
    recognizer, matcher = content_recognizer
    transcript = recognize(recognizer, synthesize(said, **how))
    match = matcher.match(list(transcript.alternatives))
    return (match.section if str(match.kind) == "answer" else None), transcript.alternatives


@pytest.mark.slow
def test_spoken_questions_reach_their_section(content_recognizer) -> None:
    outcomes = []
    for said, how, section in END_TO_END:
        got, heard = _section_heard(content_recognizer, said, **how)
        outcomes.append((said, section, got, heard[:1]))
    right = [row for row in outcomes if row[1] == row[2]]
    wrong_answers = [row for row in outcomes if row[2] not in (None, row[1])]

    assert len(right) >= RIGHT_SECTION_RATE * len(END_TO_END), [row for row in outcomes if row not in right]
    assert len(wrong_answers) <= 2, wrong_answers


@pytest.mark.slow
def test_spoken_off_topic_questions_are_not_answered(content_recognizer) -> None:
    answered = []
    for said, how in OFF_TOPIC:
        got, heard = _section_heard(content_recognizer, said, **how)
        if got is not None:
            answered.append((said, heard, got))

    # measured: 1 of 4 is answered ("tell me a joke", heard as "do the ok"): the matcher's business
    assert len(answered) <= 1, answered


@pytest.mark.slow
@pytest.mark.parametrize("how", [{}, {"speed": SLOW, "word_gap_ms": 300}], ids=["clean", "slow+pauses"])
def test_questions_in_voices_recorded_from_people_reach_their_section(content_recognizer, how: dict) -> None:
    outcomes = []
    for index, (said, _, section) in enumerate(END_TO_END):
        voice = FLITE_VOICES[index % len(FLITE_VOICES)]
        got, heard = _section_heard(content_recognizer, said, voice=voice, **how)
        outcomes.append((said, voice, section, got, heard[:2]))
    right = [row for row in outcomes if row[2] == row[3]]
    wrong = [row for row in outcomes if row[3] not in (None, row[2])]

    assert len(right) >= RIGHT_SECTION_RATE_RECORDED_VOICES * len(END_TO_END), [r for r in outcomes if r not in right]
    assert not wrong


@pytest.mark.slow
def test_questions_about_other_illnesses_are_not_answered(content_recognizer) -> None:
    answered = []
    for said, voice in OFF_TOPIC_HEALTH:
        got, heard = _section_heard(content_recognizer, said, voice=voice)
        if got is not None:
            answered.append((said, voice, heard[:2], got))

    assert not answered


def test_each_word_of_the_best_guess_comes_with_its_posterior(recognizer: PocketsphinxRecognizer) -> None:
    audio = synthesize("will i need a feeding tube", voice="en-us+f3")
    transcript = recognize(recognizer, audio)

    assert len(transcript.word_confidences) == len(transcript.text.split())
    assert all(0.0 <= confidence <= 1.0 for confidence in transcript.word_confidences)
    assert certainty(transcript.text, transcript.word_confidences) is Certainty.SURE
    assert 0.5 < transcript.voiced_seconds < len(audio) / 32000


def test_words_made_of_a_sentence_not_in_the_domain_are_less_sure(recognizer: PocketsphinxRecognizer) -> None:
    """The recognizer bends any speech into the domain's words; its posteriors say it is bending."""
    question = recognize(recognizer, synthesize("will i need a breathing machine", voice="en-gb+m3"))
    off_topic = recognize(recognizer, synthesize("the roses are flowering early this year", voice="en-gb+m3"))

    assert content_confidence(off_topic.text, off_topic.word_confidences) < \
        content_confidence(question.text, question.word_confidences) - 0.2
