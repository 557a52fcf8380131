"""Every number the matcher is tuned with, in one frozen object that benchmarks can sweep.

Figures quoted are from scripts/bench_matcher.py (typed questions: questions.csv, the set the matcher was tuned
on, 287 rows; more_questions.csv, 150 rows) and scripts/bench_recognition.py (spoken questions), each measured
by changing that one number from the value here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class MatcherTuning:
    """The matcher's numbers, by stage: normalize, spot a command, other-illness guard, score sections, decide,
    choose among the recognizer's guesses. ``Matcher(library, tuning=replace(MatcherTuning(), answer_min=60))``."""

    # --- normalize: split words joined ------------------------------------------------------------------------

    join_max_words: int = 3
    """Most neighbouring words joined into one content word ("real you zole" → riluzole). Recognizers split a
    long drug name into three short words at most. At 2, questions.csv loses 4 right answers of 187 and reads
    1 wrong section; 4 changes nothing on the typed sets."""

    join_max_small_words: int = 1
    """Small words (STOPWORDS) allowed among the words joined: with two, "is the weather" would sound like
    "history". With none, questions.csv loses 5 right answers of 187 ("a less" is no longer ALS)."""

    join_spelling_min: float = 60.0
    """Words joined because they sound like a content word must also look a little like it: "sorry what"
    sounds like "short" to the rough sound key, but shares too few letters with it."""

    joined_word_min_letters: int = 3
    """Content words shorter than this are never the result of joining: any two short words sound like one.
    At 4, questions.csv loses 2 right answers of 187 (ALS itself is three letters); 2 changes nothing typed."""

    long_join_letters: int = 7
    """Joined words this long are also compared by spelling with the content's long words ("edarave own" →
    edaravone), as the rough sound key of a long word rarely survives a split. (6 to 9, and the next two numbers
    over the ranges tried, change nothing on the typed sets: they act on recognizer splits.)"""

    long_word_min_letters: int = 6
    """The content's long words, which joined words are compared with by spelling."""

    long_join_min: float = 88.0
    """Spelling similarity (0-100) at which joined words are taken as one of the content's long words: stricter
    than ``fuzzy_min``, as a joined word has no sound key match behind it."""

    # --- spot a command -----------------------------------------------------------------------------------------

    command_min: float = 84.0
    """How closely a whole utterance must match a command phrase; commands are short and must not
    swallow questions such as "tell me more about breathing"."""

    command_max_words: int = 8
    """An utterance longer than this (politeness words left out) is never a command: commands are said in a few
    words, and a long utterance that contains one ("stop ... ") is a question or a story. (5 to 12 change nothing
    on the typed sets.)"""

    wrapped_command_candidates: int = 8
    """Command phrases (closest first) checked for being said whole among small words ("what topics do you
    know about"). 3 to 20 change nothing on the typed sets."""

    command_in_phrases_score: float = 100.0
    """Score of a command said as several of its own phrases ("nope, not that"): each was matched exactly."""

    # --- other-illness guard ------------------------------------------------------------------------------------

    other_illness_max_words: int = 8
    """A question naming another illness is not answered when it is this short (content words): then it is
    about that illness. In a longer story the name is more often a misheard word ("my grandfather" heard as
    "migraine father"), and the scoring weighs it like any unknown word."""

    # --- score sections: which content words a question word meets ----------------------------------------------

    fuzzy_min: float = 84.0
    """Spelling or sound similarity (0-100) at which two words count as the same word."""

    fuzzy_min_letters: int = 4
    """Question words shorter than this meet only themselves: close spellings of short words are other words
    ("cat", "cut", "cot"). At 3, one more off-topic question of 54 is answered (questions.csv) and one more of
    90 rightly (more_questions.csv); at 5, 3 fewer of 187 are answered rightly."""

    similar_words_limit: int = 5
    """Content words, closest first, that one question word may meet by spelling, and as many by sound
    (2 to 10 change nothing on the typed sets)."""

    min_sound_key: int = 3
    """Sound keys shorter than this are not compared: two consonants match too many words. At 2, 3 more
    off-topic questions of 94 are answered (both typed sets); at 4, 2 fewer of 187 rightly (questions.csv)."""

    sound_min: float = 90.0
    """Similarity (0-100) of sound keys at which two words sound alike ("ails" ~ "als"); stricter than
    ``fuzzy_min`` because keys are short. At 85, 2 more off-topic questions of 94 are answered (typed sets)."""

    sound_similarity: float = 0.9
    """A word met by sound counts this much of a word met by spelling: the rough key makes more false
    friends. (0.8 to 1.0 change nothing on the typed sets, whose words are mostly spelled right.)"""

    # --- score sections: how much each word counts ---------------------------------------------------------------

    function_word_weight: float = 0.15
    """Weight of words like "what", "is", "does": they never decide a match on their own, but tell "what is ALS"
    from "what causes ALS" when the content words are the same."""

    min_known_weight: float = 1.0
    """Even a word every section uses ("ALS") is evidence the question is about this factsheet. Words for
    people ("dad", "my wife") weigh this much wherever the content has them, and like function words where
    it does not. On typed questions written by someone who never saw the matcher (tests/data/more_questions.csv)
    that answered 3 more of 90 rightly (4 gained, such as "my husband was in the army, does that make a
    difference"; 1 lost) and read 1 wrong section fewer; on questions.csv 1 more of 187 right."""

    unknown_word_weight: float = 2.2
    """Weight of a question word found nowhere in the content: about that of a word used by one section,
    so "what is the cure for cancer" is not answered by the treatment section."""

    topic_words: int = 3
    """A short question is about its unknown words ("what causes cancer"); in a long one they are mostly the
    story around it ("my husband was told last month..."), so beyond this many content words each counts less."""

    foreign_subject_factor: float = 2.0
    """An unknown word right after "of", "for", "with"... names what the question is about ("the cure for
    cancer", "early signs of Alzheimer's"): a different subject, so it weighs double and is never discounted."""

    ask_weight: float = 1.0
    """How much a word counts by where the section has it: in one of its own "Ask:" phrases (at 0.9, 3 fewer
    right answers of 277 on the typed sets, 1 fewer wrong, 2 fewer off-topic answered),"""
    title_weight: float = 1.0
    """in its title (0.9: no change on the typed sets),"""
    text_weight: float = 0.75
    """in its text, read aloud, so it also speaks of neighbouring matters (0.65 to 0.85: no change typed),"""
    parent_title_weight: float = 0.6
    """or in the title of the section it is a part of (0.5: 1 fewer right of 90 on more_questions.csv)."""

    # --- score sections: from evidence to a score ----------------------------------------------------------------

    other_section_weight: float = 0.5
    """Known words a section does not explain count against it, a little: long questions mix topics."""

    evidence_scale: float = 3.0
    """Evidence (summed word weights) at which a match is about two-thirds certain on evidence alone."""

    fit_power: float = 0.7
    """Balance of fit (share of the question explained) against certainty (amount of evidence)."""

    phrase_evidence: float = 3.0
    whole_phrase: float = 0.95
    """Saying one of a section's own phrases of several words in full ("what is ALS") is evidence in itself,
    however common its words are: ``phrase_evidence`` is added to the evidence of a section when the question
    contains at least ``whole_phrase`` (weighted share) of one of its phrases."""

    phrase_recall_share: float = 0.45
    """Share of the score earned by how much of one of the section's phrases the question contains (its Ask:
    lines and title); the rest is earned by the question's words alone. A section none of whose phrases
    the question touches scores at most 55. At 0.35, 1 wrong section and 2 more off-topic answers on the typed
    sets; at 0.55, 1 more wrong section (more_questions.csv) and 1 fewer off-topic answer."""

    sections_kept: int = 4
    """The best sections kept as alternatives: the answer, a rival to ask about, and a few for the record
    (2 to 8 change nothing on the typed sets)."""

    # --- score sections: what the question asks for -----------------------------------------------------------------

    form_weight: float = 30.0
    """Points added to a section that has all the question's topic words (its content words beside those saying
    its form) and whose Ask: phrases (or its parent's) are asked in the question's form (why, how to stop or
    treat, which test, who, what is; match/form.py): "how do I stop drooling" is asked of Medications, which
    has "drooling" too, not of the symptom list. Only sections sharing the topic are moved, so on the typed sets
    6 to 30 give the same figures (1 more right of 187 on questions.csv than 0); 30 is what moves "how do I stop
    drooling" past the symptom list whose Ask: line is the bare word "drooling". The answer minimum is never met
    with it: some section must meet it on the question's words alone."""

    rerank_sections: int = 8
    """The best sections (by score on the words alone) that the form is weighed for."""

    # --- choose the passage ----------------------------------------------------------------------------------------

    passage_min: float = 0.5
    """Weight of telling question words (each by how few of the section's passages have it) that one passage or
    list item must have for reading to start there rather than at the beginning of the section; words saying the
    question's form ("help", "stop") never count. Right passage first, questions.csv / more_questions.csv:
    170 / 66 at 0.25 and 0.5, 169 / 66 at 1.0, 164 / 65 at 2.0 (of 187 / 90)."""

    ask_line_credit: float = 0.5
    ask_line_min_share: float = 0.5
    """A question word that no passage of the section has, but one of its Ask: lines has, counts for a passage
    with ``ask_line_credit`` (a word of the passage itself counts 1) when the passage has at least
    ``ask_line_min_share`` of the words beside it on its Ask: lines ("army" on "veterans | military | army |
    soldiers" → "Military veterans have twice the risk"). Right passage first, questions.csv / more_questions.csv:
    170 / 66 without it; 169 / 68 at a share of 0.01 or 0.3, 171 / 68 at 0.35 or 0.4, 172 / 68 at 0.5 and 0.6
    (credit 0.5; a credit of 1.0 gives the same, 0.25 one fewer on more_questions.csv, 2.0 at 0.3 two fewer)."""

    # --- decide ------------------------------------------------------------------------------------------------

    answer_min: float = 55.0
    """Below this a question is not answered. Reading the wrong medical text is worse than saying
    "I don't have that": a question whose main words the factsheet does not contain scores under it."""

    clarify_margin: float = 6.0
    """Two unrelated sections this close are both plausible: ask which one rather than guess. A part of a
    section this close behind it answers instead of it (it is the more specific answer)."""

    # --- choose among the recognizer's guesses ------------------------------------------------------------------

    max_guesses: int = 8
    """Recognizer guesses looked at, best first; lower ones rarely add anything but noise."""

    clear_score: float = 80.0
    """The recognizer's best guess matching this well is taken as heard. 80 rather than 85 takes a one-word
    question heard as a content word ("cure", "diagnosis": 81), whose other guesses always scatter: on the
    tuning set (scripts/bench_recognition.py) 4 more right of 234, no more wrong, 1 more off-topic of 93."""

    spoken_agreement: float = 0.6
    """Otherwise this share of the recognizer's guesses must point at the same section or command, and
    the choice must score at least ``spoken_answer_min``. Measured on 150 synthesized questions through
    pocketsphinx: wrong sections read out fell from 39 to 18, right ones from 90 to 84, off-topic questions
    answered from 15 to 5 of 24."""

    spoken_answer_min: float = 70.0
    """Not needed when every guess agrees: long questions score lower (their story dilutes the evidence), and
    their guesses differ in small words but all lead to the same section. On the held-out spoken set, clean
    flite voices, that answered 20 more of 278 questions rightly, with no more wrong or off-topic answers."""

    command_rank_max: int = 1
    """A command in the recognizer's first or second guess is taken as heard: commands are short, so their
    other guesses scatter ("eat", "repeat", "the it"). Not one that reads on (commands.READS_ON: "more" after an
    answer reads the next passage, "yes" the section offered): only the first guess can be one of them. On the
    tuning split of the off-topic speech set that took 16 clips taken as a command to 12 (second guesses "more"
    for "board", "yup" for "you", "go on the" for "what are the"); no command of the more set
    (bench_recognition.py, 100 spoken) was lost. Taking no command from the second guess at all would also lose
    a "hang on, stop" and a "what can I ask you" of them."""

    guess_rank_penalty: float = 4.0
    """Per rank below the recognizer's best guess: a lower guess wins only when it matches clearly better."""

    uncertain_share: float = 0.5
    """Guesses that disagree are "not caught, say it again" when at least this share of them point at something
    in the content; when fewer do, the question is off-topic ("I don't have that")."""

    confirm_min_agreeing: int = 2
    """Guesses that disagree, though the recognizer's first one answers as the same words typed would, are offered
    for a one-word "yes" ("Do you mean Treatment, Breathing?") when at least this many guesses lead to that
    section. On the tuning split of the off-topic speech set (scripts/bench_offtopic.py, 371 clips) 1 asked to
    confirm for 11.1 % of clips, 2 for 5.9 %, 3 for 4.0 %; nothing is read before the "yes". 2 keeps the
    case it is for: "will it affect my breathing" (typed: Breathing) with "will it affect the breathing"
    among the other guesses. A command that at least this many guesses lead to is asked about the same way ("Did
    you say slower?", see commands.OFFERED_WHEN_UNSURE) instead of "Sorry, I didn't catch that"."""

    def source_weight(self, source: str) -> float:
        """Weight of a word by where a section has it: "ask", "title", "text" or "parent"."""
        return {"ask": self.ask_weight, "title": self.title_weight, "text": self.text_weight,
                "parent": self.parent_title_weight}[source]

    def changed(self, settings: Iterable[str]) -> MatcherTuning:
        """This tuning with "NAME=VALUE" settings applied (benchmarks' ``--tune``); ValueError when one is wrong."""
        numbers = {field.name: getattr(self, field.name) for field in fields(self)}
        changes: dict[str, Any] = {}
        for setting in settings:
            name, _, value = (part.strip() for part in setting.partition("="))
            if name not in numbers:
                raise ValueError(f"no tuning number '{name}'; there are: {', '.join(numbers)}")
            changes[name] = type(numbers[name])(value)
        return replace(self, **changes)
