"""Factsheet parsing: the seed's own words, restored sections, and clear errors for broken files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice_assist.config import BUNDLED_CONTENT
from voice_assist.content import MAX_PASSAGE_WORDS, load_library, parse_factsheet
from voice_assist.errors import ContentError

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "als-factsheet.txt"
REQUIRED_SECTIONS = ("overview", "causes", "risk-factors", "symptoms", "diagnosis", "treatment", "prevention")


def test_the_als_factsheet_has_the_restored_sections(library):
    assert not library.problems
    assert [section.id for section in library.topics()] == list(REQUIRED_SECTIONS)
    assert library.section("treatment/nutrition").topic == "treatment"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.:])\s+|\n", text) if len(s.strip().split()) >= 3]


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed factsheet is not beside the checkout")
def test_every_spoken_sentence_is_the_seed_factsheets_own(library):
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    rewritten_lead_ins = {"Imaging tests may be done to look for changes in the brain or spine.",
                          "Treatment options include the following.",
                          "Supportive care may be needed as ALS progresses, including the following."}
    for section in library.sections:
        for passage in section.passages:
            for sentence in _sentences(passage):
                words = sentence.rstrip(".")
                assert words in seed or words + "." in rewritten_lead_ins, (section.id, sentence)


def test_caption_and_copyright_are_not_spoken(library):
    spoken = " ".join(p for s in library.sections for p in s.passages)
    for scrap in ("Nucleus factsheet image", "Copyright", "The Nervous System"):
        assert scrap not in spoken
    assert "may include:" not in spoken.replace("They may include:", "").replace("tests may include:", "") \
        .replace("Medications may include:", "")


def test_passages_are_short_enough_to_hear_in_one_go(library):
    for section in library.sections:
        for passage in section.passages:
            assert len(passage.split()) <= MAX_PASSAGE_WORDS, section.id


def test_the_lay_words_people_use_are_in_the_content(library):
    asks = " ".join(ask.lower() for s in library.sections for ask in s.asks)
    for words in ("lou gehrig", "spinal tap", "feeding tube", "breathing machine", "runs in the family"):
        assert words in asks


def test_reading_order_continues_through_the_parts_of_a_topic(library):
    order = [section.id for section, _ in library.reading_order("treatment/breathing")]
    assert order[0] == "treatment/breathing"
    assert order[-1] == "treatment/support"
    assert all(section_id.startswith("treatment/") for section_id in order)


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("# Title\nJust text, no headings.\n", 2, "text before the first section heading"),
    ("", 1, "no sections found"),
    ("## One {#one}\nAsk: only questions\n\n## Two {#two}\nText.\n", 1, "nothing to read aloud"),
    ("## One {#One Id}\nText.\n", 1, "not a usable section id"),
    ("### Part {#x/part}\nText.\n", 1, "comes before any section"),
])
def test_broken_files_name_the_line_and_what_to_do(tmp_path, text, line, problem):
    path = _write(tmp_path, "broken.md", text)
    with pytest.raises(ContentError) as raised:
        parse_factsheet(path.read_bytes(), path)
    assert raised.value.line == line
    assert problem in str(raised.value)
    assert str(path) in str(raised.value)


def test_undecodable_bytes_point_at_their_line(tmp_path):
    path = _write(tmp_path, "latin1.md", "## One {#one}\nfine\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError) as raised:
        parse_factsheet(path.read_bytes(), path)
    assert raised.value.line == 3
    assert "UTF-8" in str(raised.value)


def test_a_broken_file_is_skipped_and_the_others_still_load(tmp_path):
    _write(tmp_path, "a-good.md", "## Diabetes {#diabetes}\nAsk: sugar\nDiabetes text.\n")
    _write(tmp_path, "b-broken.md", "## Empty {#empty}\n")
    _write(tmp_path, "c-clash.md", "## Overview {#overview}\nClashes with the ALS overview.\n")
    library = load_library([BUNDLED_CONTENT, tmp_path])
    ids = {section.id for section in library.sections}
    assert {"diabetes", "overview"} <= ids
    assert "empty" not in ids
    assert sorted(problem.path.name for problem in library.problems) == ["b-broken.md", "c-clash.md"]
    clash = next(p for p in library.problems if p.path.name == "c-clash.md")
    assert "als.md" in str(clash)


def test_a_duplicate_id_skips_that_section_only_and_names_its_line(tmp_path):
    _write(tmp_path, "mine.md", "## Diet {#diet}\nEat well.\n\n## Overview {#overview}\nClash.\n"
                                "### Part {#overview/part}\nA part of the clash.\n\n## Sleep {#sleep}\nRest.\n"
                                "## Again {#sleep}\nSame id twice in one file.\n")
    library = load_library([BUNDLED_CONTENT, tmp_path])
    ids = [section.id for section in library.sections]
    assert {"diet", "sleep"} <= set(ids) and "overview/part" not in ids
    assert ids.count("overview") == ids.count("sleep") == 1
    assert library.section("sleep").passages == ("Rest.",)
    assert sorted((p.path.name, p.line) for p in library.problems) == [("mine.md", 4), ("mine.md", 11)]
    assert all("already used" in str(p) for p in library.problems)


def test_a_dropped_in_factsheet_is_parsed_with_parts_lists_and_comments(tmp_path):
    path = _write(tmp_path, "flu.md", "# Flu\n<!-- a note\nnever read -->\n## Flu basics\nAsk: influenza | the flu\n"
                  "The flu is an infection. It may include:\n\n- fever\n- cough\n### Shots\nGet a shot.\n")
    sections = parse_factsheet(path.read_bytes(), path)
    assert [s.id for s in sections] == ["flu-basics", "flu-basics/shots"]
    assert sections[0].asks == ("influenza", "the flu")
    assert sections[0].ask_lines == (("influenza", "the flu"),)
    assert sections[0].passages == ("The flu is an infection. It may include: fever. cough.",)
    assert sections[1].line == 10


def test_ask_lines_are_kept_line_by_line(tmp_path):
    """A line gathers ways of asking about one matter: the passage chooser reads them together."""
    path = _write(tmp_path, "flu.md", "## Flu {#flu}\nAsk: influenza | the flu\nAsk: jab | flu shot |\nThe flu.\n")
    [section] = parse_factsheet(path.read_bytes(), path)
    assert section.asks == ("influenza", "the flu", "jab", "flu shot")
    assert section.ask_lines == (("influenza", "the flu"), ("jab", "flu shot"))
