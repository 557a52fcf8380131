"""Why the matcher decided what it did: the trace on every match, and its plain-words explanation."""

from __future__ import annotations

import json

import pytest

from voice_assist.cli import main
from voice_assist.explain import explain
from voice_assist.match import MatchKind, Stage
from voice_assist.match.trace import (
    Answered,
    BelowMinimum,
    CommandPhrase,
    CommandPhrases,
    GuessesAgree,
    GuessesDisagree,
    NoSectionShares,
    OtherIllness,
    TooClose,
)

DISAGREEING = ["what muscle will do you", "to one avoid getting", "is als test on in the", "does it run in pain relief"]


@pytest.mark.parametrize(("heard", "kind", "stage", "reason"), [
    (["will I need a feeding tube"], MatchKind.ANSWER, Stage.DECIDE, Answered),
    (["say that again"], MatchKind.COMMAND, Stage.COMMAND, CommandPhrase),
    (["nope, not that"], MatchKind.COMMAND, Stage.COMMAND, CommandPhrases),
    (["tell me a joke"], MatchKind.NO_MATCH, Stage.DECIDE, BelowMinimum),
    (["blorp fizzle wug"], MatchKind.NO_MATCH, Stage.DECIDE, NoSectionShares),
    (["what is diabetes"], MatchKind.NO_MATCH, Stage.OTHER_ILLNESS, OtherIllness),
    (["cramps"], MatchKind.CLARIFY, Stage.DECIDE, TooClose),
    (DISAGREEING, MatchKind.NO_MATCH, Stage.GUESSES, GuessesDisagree),
])
def test_the_trace_names_the_stage_that_decided(matcher, heard, kind, stage, reason):
    match = matcher.match(heard)

    assert match.kind is kind
    assert match.trace is not None
    assert (match.trace.stage, type(match.trace.decision)) == (stage, reason)
    assert str(match.trace.decision)


def test_the_reasons_carry_what_was_decided(matcher):
    answer, refusal, clarify = (matcher.match([q]) for q in ("will I need a feeding tube", "tell me a joke", "cramps"))

    assert answer.trace.decision.best.section == answer.section
    assert answer.trace.decision.best.score >= answer.trace.decision.minimum
    assert refusal.trace.decision.best.score < refusal.trace.decision.minimum
    assert "joke" in refusal.trace.unknown_words
    assert (clarify.trace.decision.first, clarify.trace.decision.rival) == clarify.alternatives
    assert matcher.match(["what are the early signs of alzheimer's"]).trace.decision.illness == "alzheimer's"


def test_guesses_that_disagree_are_traced_guess_by_guess(matcher):
    match = matcher.match(DISAGREEING)

    assert match.uncertain
    assert [guess.heard for guess in match.trace.guesses] == DISAGREEING
    assert match.trace.decision.agreeing < match.trace.decision.total == len(DISAGREEING)


def test_guesses_that_agree_are_traced_with_the_chosen_guess_own_reason(matcher):
    match = matcher.match(["will i need a fielding to", "will i need a feeding tube", "will he need a feeding tube"])

    assert isinstance(match.trace.decision, GuessesAgree)
    assert match.trace.decision.rank == 1
    assert isinstance(match.trace.decision.guess, Answered)


def test_the_words_are_traced_as_matched(matcher):
    split = matcher.match(["is real you zole approved"]).trace
    lay = matcher.match(["why are his arms getting so skinny"]).trace

    assert [(r.said, r.read_as, r.why) for r in split.rewrites] == [(("real", "you", "zole"), ("riluzole",),
                                                                     "split word")]
    assert "riluzole" in split.words
    assert [r.why for r in lay.rewrites] == ["lay word"]
    assert "skinny" not in lay.words


def test_evidence_names_the_ask_phrase_and_words_that_matched(matcher):
    plain = matcher.match(["will I need a feeding tube"])
    explained = matcher.match(["will I need a feeding tube"], explain=True)

    assert plain.trace.evidence is None
    assert explained == plain  # explaining never changes the result
    chosen = explained.trace.evidence.sections[0]
    assert chosen.section == explained.section
    assert chosen.phrase.phrase == "will I need a feeding tube" and chosen.phrase.whole
    feeding = next(word for word in chosen.words if word.said == "feeding")
    assert (feeding.source, feeding.where, feeding.similarity) == ("ask", "will I need a feeding tube", 1.0)


def test_a_word_met_by_sound_is_shown_with_its_similarity(matcher):
    evidence = matcher.match(["what causes ails"], explain=True).trace.evidence.sections[0]

    ails = next(word for word in evidence.words if word.said == "ails")
    assert ails.found.lower() == "als"
    assert 0 < ails.similarity < 1


@pytest.mark.parametrize(("heard", "said"), [
    (["will I need a feeding tube"], ['Answer from Treatment, Nutrition', 'Ask: line "will I need a feeding tube"']),
    (["what is the best pizza in town"], ["Not answered", '"pizza"']),
    (["what is diabetes"], ["another illness, diabetes"]),
    (["cramps"], ["Symptoms, As it progresses and Treatment, Medications", "too close to choose"]),
    (["stop talking please"], ["Command: stop", '"stop talking"']),
    (DISAGREEING, ["Not caught", "guesses disagree", "Prevention"]),
])
def test_the_explanation_says_why_in_plain_words(matcher, heard, said):
    lines = explain(matcher.match(heard, explain=True), matcher.library)

    for words in said:
        assert any(words in line for line in lines), (words, lines)


def test_ask_explain_prints_why_after_the_answer(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))

    assert main(["ask", "--explain", "will I need a feeding tube", "tell me a joke"]) == 0

    out = capsys.readouterr().out
    answer = out.index("From the factsheet section Treatment, Nutrition")
    why = out.index('in the Ask: line "will I need a feeding tube" of Treatment, Nutrition')
    assert answer < why < out.index("I don't have that in my factsheet.")
    assert '"joke"' in out


def test_ask_json_explain_carries_the_trace_as_data(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))

    assert main(["ask", "--json", "--explain", "will I need a feeding tube"]) == 0

    trace = json.loads(capsys.readouterr().out)["trace"]
    assert (trace["stage"], trace["decision"]["reason"]) == ("decide", "Answered")
    assert trace["evidence"]["sections"][0]["phrase"]["phrase"] == "will I need a feeding tube"


def test_explain_shows_the_question_form_and_the_passage_chosen(matcher):
    lines = explain(matcher.match(["how do I stop drooling"], explain=True), matcher.library)

    assert any(line.startswith("It asks how to stop, treat or help with") for line in lines)
    assert any(line.startswith('Starts at the list item "Medication to reduce heavy drooling') and '"drool"' in line
               for line in lines)


def test_explain_says_when_reading_starts_at_the_beginning(matcher):
    lines = explain(matcher.match(["what are the risk factors"], explain=True), matcher.library)
    assert any(line.startswith("Reads from the beginning") for line in lines)


def test_explain_names_the_word_that_reached_the_passage_through_an_ask_line(matcher):
    lines = explain(matcher.match(["were soldiers more at risk"], explain=True), matcher.library)

    assert any(line.startswith('Starts at the passage "Military veterans have twice the risk') for line in lines)
    assert '"soldier" is asked beside those words on one of the section\'s Ask: lines.' in lines


@pytest.mark.parametrize(("confidences", "said"), [
    ((0.9, 0.9, 0.3, 0.9, 0.3, 0.3), ['Not sure: it asks "Do you mean Treatment, Nutrition?"',
                                      "Why: the recognizer's confidence 0.30; an answer is read without asking "
                                      "from 0.6"]),
    ((0.05,) * 6, ["Not caught", "the recognizer's confidence 0.05: under 0.1"]),
])
def test_the_explanation_says_why_words_that_matched_were_held_back(matcher, confidences, said):
    """The tiers' reason first; then what the words alone would have done (the matcher's own reasons)."""
    from voice_assist.confidence import tiered

    heard = "will i need a feeding tube"
    lines = explain(tiered(matcher.match([heard], explain=True), heard, confidences), matcher.library)
    for words in said:
        assert any(words in line for line in lines), (words, lines)
    alone = lines.index("The words alone would have led to this:")
    assert lines[alone + 1].startswith("Sure enough: 99 is at least the answer minimum")
