"""Benchmark the question matcher: accuracy on a set of typed questions, and time per question.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_matcher.py [--show-errors] [--repeats 20]
    .venv/bin/python scripts/bench_matcher.py --questions tests/data/unseen_questions.csv --skip-large
    .venv/bin/python scripts/bench_matcher.py --skip-large --tune answer_min=60 --tune clarify_margin=4

Prints numbers only; it asserts nothing and exits 0. Accuracy is measured against the real factsheet(s) in
content/, by default on tests/data/questions.csv. The question sets, all written by people who did not see
the matcher:
- questions.csv: the matcher's settings and the content's "Ask:" lines were tuned on it (a test keeps floors);
- more_questions.csv: written from the factsheet's text alone, without its "Ask:" lines; tuned on since;
- unseen_questions.csv: written the same way, never looked at row by row: what new wording gets.

Right passage first: the sets' ``passage`` column says where reading should start for each in-domain question:
``start`` (the section's beginning) or the opening words of the sentence or list item that answers it. An
in-domain question counts as "right passage first" when the conversation core, asked it as a typed question,
answers from a right section and the first thing it reads (before "more") contains the labelled words, or, for
``start``, is the section's first passage read whole. Words are compared as plain words (case, punctuation and
dashes ignored). Clarifying questions and refusals do not count; the share is of all in-domain questions.

``--tune NAME=VALUE`` (repeatable) changes one of the matcher's numbers (voice_assist/match/tuning.py) for the
run, so a number can be swept without editing the code.

Time is measured twice: on that content, and on the same content among 1,000 generated sections (synthetic
factsheets written to a temporary folder), which is how a library of many factsheets will feel on the
2-core target machine.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from voice_assist.content import Library, load_library  # noqa: E402
from voice_assist.conversation import Conversation  # noqa: E402
from voice_assist.events import Typed, Voice, replies  # noqa: E402
from voice_assist.match import Candidate, Matcher, MatcherTuning  # noqa: E402
from voice_assist.text import words  # noqa: E402

CATEGORY_ORDER = ("short", "long", "lay", "ungrammatical", "asr", "offtopic", "command")


@dataclass(frozen=True)
class Question:
    text: str
    expected: frozenset[str]
    """Accepted section ids, or {"no_match"}, or {"command:NAME"}."""
    category: str
    passage: str = ""
    """Where reading should start: "start", the opening words of the passage that answers, or "" (none)."""

    @property
    def wants(self) -> str:
        """What kind of reply is right: "answer", "no_match" or "command"."""
        first = next(iter(self.expected))
        if first == "no_match":
            return "no_match"
        return "command" if first.startswith("command:") else "answer"


@dataclass(frozen=True)
class Outcome:
    question: Question
    kind: str
    section: str | None
    command: str | None
    score: float
    alternatives: tuple[str, ...]
    first_read: str = ""
    """The first thing the conversation core read aloud for it (an answer), else ""."""
    right_passage: bool = False
    """A right section, and its first reading is where the passage column says (see the module's docstring)."""

    @property
    def correct(self) -> bool:
        wants = self.question.wants
        if wants == "answer":
            return self.kind == "answer" and self.section in self.question.expected
        if wants == "command":
            return self.kind == "command" and f"command:{self.command}" in self.question.expected
        return self.kind == "no_match"

    @property
    def wrong_section(self) -> bool:
        """Answered an in-domain question with a section that does not answer it: the worst miss."""
        return self.question.wants == "answer" and self.kind == "answer" and not self.correct

    @property
    def ranked(self) -> tuple[str, ...]:
        """Candidate sections best first: the answer (if any), then the alternatives."""
        first = (self.section,) if self.kind == "answer" and self.section else ()
        return tuple(dict.fromkeys(first + self.alternatives))

    def right_in_top(self, count: int) -> bool:
        return bool(self.question.expected & set(self.ranked[:count]))

    @property
    def clarify_offers_right(self) -> bool:
        return self.kind == "clarify" and bool(self.question.expected & set(self.alternatives))


def load_questions(path: Path) -> list[Question]:
    with path.open(encoding="utf-8", newline="") as file:
        return [Question(row["question"], frozenset(row["expected"].split(";")), row["category"],
                         row.get("passage") or "") for row in csv.DictReader(file)]


def _alternative_ids(alternatives: Iterable[Candidate]) -> tuple[str, ...]:
    """Section ids from Match.alternatives."""
    return tuple(candidate.section for candidate in alternatives if candidate.section)


def evaluate(matcher: Matcher, questions: Sequence[Question], passages: bool = True) -> list[Outcome]:
    """``passages``: also ask each question of a fresh conversation core, to see what it reads first."""
    outcomes = []
    for question in questions:
        match = matcher.match([question.text])
        first_read, right_passage = "", False
        if passages and question.wants == "answer":
            [reply] = replies(Conversation(matcher.library, Voice(150, 0.9), matcher).handle(Typed(question.text)))
            first_read = reply.text if reply.section else ""
            right_passage = bool(first_read) and match.section in question.expected and _reads_first(
                matcher.library, match.section or "", question.passage, first_read)
        outcomes.append(Outcome(question, match.kind, match.section, match.command, match.score,
                                _alternative_ids(match.alternatives), first_read, right_passage))
    return outcomes


def _reads_first(library: Library, section: str, label: str, read: str) -> bool:
    """The first reading ``read`` is where ``label`` says: it contains the labelled words, or for "start" the
    section's first passage whole."""
    if not label:
        return False
    wanted = library.readings(section)[0].text if label == "start" else label
    return f" {' '.join(words(wanted))} " in f" {' '.join(words(read))} "


def _rate(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f}% ({count}/{total})" if total else "    - (0/0)"


def report_accuracy(outcomes: Sequence[Outcome], indent: str = "") -> None:
    in_domain = [o for o in outcomes if o.question.wants == "answer"]
    offtopic = [o for o in outcomes if o.question.wants == "no_match"]
    commands = [o for o in outcomes if o.question.wants == "command"]
    print(f"{indent}overall accuracy            {_rate(sum(o.correct for o in outcomes), len(outcomes))}")
    for category in _categories(outcomes):
        rows = [o for o in outcomes if o.question.category == category]
        print(f"{indent}  {category:<26}{_rate(sum(o.correct for o in rows), len(rows))}")
    print(f"{indent}in-domain answered right    {_rate(sum(o.correct for o in in_domain), len(in_domain))}")
    print(f"{indent}wrong-section rate          {_rate(sum(o.wrong_section for o in in_domain), len(in_domain))}"
          "  (in-domain answered with a wrong section)")
    print(f"{indent}in-domain rejected          "
          f"{_rate(sum(o.kind == 'no_match' for o in in_domain), len(in_domain))}  (said no_match)")
    print(f"{indent}clarify rate                {_rate(sum(o.kind == 'clarify' for o in outcomes), len(outcomes))}"
          f"  (in-domain: {_rate(sum(o.kind == 'clarify' for o in in_domain), len(in_domain))},"
          f" offering a right section: {sum(o.clarify_offers_right for o in in_domain)})")
    print(f"{indent}off-topic answered rate     {_rate(sum(o.kind == 'answer' for o in offtopic), len(offtopic))}"
          f"  (clarify: {sum(o.kind == 'clarify' for o in offtopic)})")
    print(f"{indent}commands right              {_rate(sum(o.correct for o in commands), len(commands))}")
    print(f"{indent}replies by expected kind    {_confusion(outcomes)}")
    labelled = [o for o in in_domain if o.question.passage]
    if labelled:
        right_section = [o for o in labelled if o.correct]
        print(f"{indent}right passage first         {_rate(sum(o.right_passage for o in labelled), len(labelled))}"
              f"  (of in-domain; of those answered from a right section: "
              f"{_rate(sum(o.right_passage for o in right_section), len(right_section))})")
    first, top3 = (sum(o.right_in_top(n) for o in in_domain) for n in (1, 3))
    print(f"{indent}ranking (in-domain)         right section first {_rate(first, len(in_domain))},"
          f" in top 3 {_rate(top3, len(in_domain))}  (whatever the reply)")
    ranked_right = [o.score for o in in_domain if o.right_in_top(1)]
    print(f"{indent}scores                      in-domain ranked right {_spread(ranked_right)};"
          f" off-topic {_spread([o.score for o in offtopic])}")


def _spread(scores: Sequence[float]) -> str:
    """p10/p50/p90 of scores: where an answer threshold would separate in-domain from off-topic."""
    if len(scores) < 2:
        return "-"
    cuts = statistics.quantiles(scores, n=10, method="inclusive")
    return f"p10 {cuts[0]:.0f} / p50 {cuts[4]:.0f} / p90 {cuts[8]:.0f}"


def _categories(outcomes: Sequence[Outcome]) -> list[str]:
    present = {o.question.category for o in outcomes}
    return [c for c in CATEGORY_ORDER if c in present] + sorted(present - set(CATEGORY_ORDER))


def _confusion(outcomes: Sequence[Outcome]) -> str:
    parts = []
    for wants in ("answer", "no_match", "command"):
        counts = Counter(o.kind for o in outcomes if o.question.wants == wants)
        if counts:
            parts.append(f"{wants} -> " + ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())))
    return "; ".join(parts)


def show_errors(outcomes: Sequence[Outcome]) -> None:
    misses = [o for o in outcomes if not o.correct]
    print(f"\nMisses ({len(misses)}):")
    for o in sorted(misses, key=lambda o: (CATEGORY_ORDER.index(o.question.category)
                                           if o.question.category in CATEGORY_ORDER else 99)):
        got = o.section if o.kind == "answer" else o.command if o.kind == "command" else ""
        also = f" alternatives={','.join(o.alternatives)}" if o.alternatives else ""
        print(f"  [{o.question.category}] {o.question.text!r}\n"
              f"      expected {';'.join(sorted(o.question.expected))}; got {o.kind} {got or ''}"
              f" score={o.score:.0f}{also}")
    wrong_passage = [o for o in outcomes if o.correct and o.question.passage and not o.right_passage]
    print(f"\nRight section, wrong passage first ({len(wrong_passage)}):")
    for o in wrong_passage:
        print(f"  {o.question.text!r} ({o.section})\n      wanted: {o.question.passage[:70]!r}\n"
              f"      read:   {o.first_read[:110]!r}")


def time_questions(matcher: Matcher, texts: Sequence[str], repeats: int) -> list[float]:
    """Seconds per call, every repetition of every question, after one warm-up pass."""
    for text in texts:
        matcher.match([text])
    samples = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            matcher.match([text])
            samples.append(time.perf_counter() - start)
    return samples


def report_times(label: str, samples: Sequence[float], questions: int, repeats: int) -> None:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    print(f"{label}: p50 {1000 * cuts[49]:.2f} ms, p95 {1000 * cuts[94]:.2f} ms, max {1000 * max(samples):.2f} ms"
          f"  ({repeats} repetitions x {questions} questions)")


Built = TypeVar("Built")


def timed(build: Callable[[], Built]) -> tuple[Built, float]:
    start = time.perf_counter()
    built = build()
    return built, time.perf_counter() - start


# --- a synthetic corpus: many plausible factsheets, to see how the matcher scales ---------------------------

_SYLLABLES = ("var", "nex", "tor", "bel", "quin", "dra", "mos", "phel", "or", "zan", "cul", "tri", "pha", "lem",
              "sor", "gan", "dil", "rox", "ven", "tal", "mir", "ost", "kel", "bru", "ith", "ca", "lo", "sen")
_KINDS = ("syndrome", "disease", "disorder", "fever", "palsy", "dystrophy", "neuropathy", "myopathy", "arthritis",
          "anemia", "dermatitis", "colitis")
_ORGANS = ("liver", "kidneys", "joints", "skin", "lungs", "heart", "blood vessels", "thyroid", "bones", "eyes",
           "inner ear", "bowel", "pancreas", "nerves", "muscles", "spinal cord", "brain", "stomach", "bladder")
_SYMPTOMS = ("tiredness", "fever", "a rash", "joint pain", "headaches", "nausea", "dizziness", "blurred vision",
             "night sweats", "itching", "swelling of the ankles", "numbness", "tingling in the hands",
             "muscle cramps", "shortness of breath", "weight gain", "weight loss", "hair loss", "a dry mouth",
             "a racing heartbeat", "ringing in the ears", "trouble sleeping", "trouble swallowing", "stiffness",
             "weakness in the legs", "coughing", "chest pain", "belly pain", "pale skin", "confusion")
_TESTS = ("blood tests", "a urine test", "an ultrasound", "an X-ray", "a CT scan", "an MRI", "a biopsy",
          "a skin prick test", "a hearing test", "an eye exam", "a stress test", "a colonoscopy", "a genetic test",
          "a lung function test", "a nerve conduction study", "a sleep study")
_CAUSES = ("a virus", "bacteria", "the immune system attacking healthy tissue", "a change in a gene",
           "an injury", "contact with certain chemicals", "smoking", "long-term stress", "a poor diet",
           "too little vitamin D", "an infection in childhood")
_THERAPIES = ("occupational therapy", "physical therapy", "changes to the diet", "surgery", "light therapy",
              "hearing aids", "compression stockings", "breathing exercises", "speech therapy", "a brace or splint",
              "counseling", "rest and fluids", "cold packs", "a low-salt diet")
_DRUG_ENDINGS = ("mab", "olol", "pril", "statin", "cillin", "azole", "prazole", "sartan", "tinib", "vir")
_PEOPLE = ("children", "older adults", "women", "men", "people who smoke", "people with diabetes",
           "people who work outdoors", "people with a family history", "athletes", "pregnant women")

_TOPICS = (
    ("overview", "Overview", ("what is {name}", "{name} meaning", "is {name} serious", "tell me about {name}")),
    ("causes", "Causes", ("what causes {name}", "why do people get {name}", "is {name} genetic")),
    ("risk-factors", "Risk factors", ("who gets {name}", "risk of {name}", "is {name} inherited")),
    ("symptoms", "Symptoms", ("symptoms of {name}", "signs of {name}", "what does {name} feel like")),
    ("diagnosis", "Diagnosis", ("how is {name} diagnosed", "test for {name}", "how do doctors find {name}")),
    ("treatment", "Treatment", ("how is {name} treated", "cure for {name}", "medicine for {name}")),
    ("complications", "Complications", ("complications of {name}", "what can go wrong with {name}")),
    ("living-with", "Living with it", ("living with {name}", "daily life with {name}", "work with {name}")),
    ("prevention", "Prevention", ("how to prevent {name}", "avoid {name}", "lower the risk of {name}")),
    ("when-to-call", "When to call a doctor", ("when to see a doctor for {name}", "emergency {name}")),
)
_PARTS = {
    "symptoms": (("early", "First signs"), ("later", "Later symptoms")),
    "diagnosis": (("tests", "Tests"),),
    "treatment": (("drugs", "Medicines"), ("therapy", "Therapies"), ("diet", "Diet and lifestyle")),
}
SECTIONS_PER_FACTSHEET = 10 + sum(len(parts) for parts in _PARTS.values())


@dataclass(frozen=True)
class _Condition:
    name: str
    slug: str
    organ: str


def _conditions(count: int, rng: random.Random) -> list[_Condition]:
    seen: set[str] = set()
    conditions: list[_Condition] = []
    while len(conditions) < count:
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        name = f"{stem.capitalize()} {rng.choice(_KINDS)}"
        if name not in seen:
            seen.add(name)
            conditions.append(_Condition(name, name.lower().replace(" ", "-"), rng.choice(_ORGANS)))
    return conditions


def _passage(topic: str, condition: _Condition, rng: random.Random) -> str:
    name, organ = condition.name, condition.organ
    def some(items: Sequence[str], k: int = 3) -> str:
        return ", ".join(rng.sample(items, k))

    drug = "".join(rng.choice(_SYLLABLES) for _ in range(2)) + rng.choice(_DRUG_ENDINGS)
    texts = {
        "overview": f"{name} is a long-term condition that affects the {organ}. It can get worse over months or "
                    f"years, and it can be mild in some people and serious in others.",
        "causes": f"The cause of {name} is not fully known. It may be linked to {rng.choice(_CAUSES)} or to "
                  f"{rng.choice(_CAUSES)}.",
        "risk-factors": f"It is more common in {rng.choice(_PEOPLE)} and in {rng.choice(_PEOPLE)}. Having a "
                        f"parent with the condition may raise the risk.",
        "symptoms": f"Symptoms depend on how much the {organ} is affected.",
        "symptoms/early": f"The first signs are often {some(_SYMPTOMS)}.",
        "symptoms/later": f"Later there may be {some(_SYMPTOMS, 4)}.",
        "diagnosis": f"The doctor will ask about your symptoms and examine your {organ}.",
        "diagnosis/tests": f"Tests may include {some(_TESTS)}.",
        "treatment": f"There is no cure for {name}, but treatment can ease the symptoms.",
        "treatment/drugs": f"The medicine {drug} may be given to protect the {organ}. Pain medicines may help.",
        "treatment/therapy": f"Other help may include {some(_THERAPIES, 2)}.",
        "treatment/diet": f"Eating well, drinking enough water and staying active can help the {organ}.",
        "complications": f"Without care it can lead to {some(_SYMPTOMS, 2)} and damage to the {organ}.",
        "living-with": "Many people keep working and living at home. A support group can help.",
        "prevention": f"There is no sure way to prevent {name}. Avoiding {rng.choice(_CAUSES)} may lower the risk.",
        "when-to-call": f"Call a doctor right away if you have {some(_SYMPTOMS, 2)}.",
    }
    return texts[topic]


def synthetic_factsheet(condition: _Condition, rng: random.Random) -> str:
    lines = [f"# {condition.name}", ""]
    for topic, title, asks in _TOPICS:
        lines += [f"## {title} {{#{condition.slug}-{topic}}}", "",
                  "Ask: " + " | ".join(ask.format(name=condition.name.lower()) for ask in asks), "",
                  _passage(topic, condition, rng), ""]
        for part, part_title in _PARTS.get(topic, ()):
            lines += [f"### {part_title} {{#{condition.slug}-{topic}/{part}}}", "",
                      f"Ask: {part_title.lower()} of {condition.name.lower()}", "",
                      _passage(f"{topic}/{part}", condition, rng), ""]
    return "\n".join(lines)


def write_synthetic_corpus(folder: Path, sections: int, seed: int) -> list[_Condition]:
    rng = random.Random(seed)
    conditions = _conditions(max(1, -(-sections // SECTIONS_PER_FACTSHEET)), rng)  # at least `sections`
    for condition in conditions:
        (folder / f"{condition.slug}.md").write_text(synthetic_factsheet(condition, rng), encoding="utf-8")
    return conditions


def synthetic_questions(conditions: Sequence[_Condition], count: int, seed: int) -> list[Question]:
    """Questions about generated conditions, phrased unlike their Ask lines, each with its right sections."""
    rng = random.Random(seed)
    forms = (("what is {n} and how serious is it", ("overview",)),
             ("why does someone get {n}", ("causes",)),
             ("what are the signs of {n}", ("symptoms", "symptoms/early", "symptoms/later")),
             ("how do they check for {n}", ("diagnosis", "diagnosis/tests")),
             ("can {n} be treated", ("treatment", "treatment/drugs", "treatment/therapy")),
             ("what medicine is given for {n}", ("treatment/drugs", "treatment")),
             ("how can i avoid getting {n}", ("prevention",)))
    questions = []
    for _ in range(count):
        condition = rng.choice(conditions)
        form, topics = rng.choice(forms)
        expected = frozenset(f"{condition.slug}-{topic}" for topic in topics)
        questions.append(Question(form.format(n=condition.name.lower()), expected, "synthetic"))
    return questions


# --- main ------------------------------------------------------------------------------------------------------

def bench_factsheet(library: Library, questions: Sequence[Question], args: argparse.Namespace) -> None:
    matcher, build_seconds = timed(lambda: Matcher(library, args.tuning))
    print(f"Content: {args.content} ({len(library.sections)} sections); {len(questions)} questions from "
          f"{args.questions}; Matcher() built in {1000 * build_seconds:.1f} ms")
    if args.tune:
        print(f"Tuning changed: {', '.join(args.tune)}")
    outcomes = evaluate(matcher, questions)
    report_accuracy(outcomes)
    texts = [q.text for q in questions]
    report_times("time per question", time_questions(matcher, texts, args.repeats), len(texts), args.repeats)
    if args.show_errors:
        show_errors(outcomes)


def bench_large(questions: Sequence[Question], args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as folder:
        conditions = write_synthetic_corpus(Path(folder), args.sections, args.seed)
        library, load_seconds = timed(lambda: load_library([args.content, Path(folder)]))
        matcher, build_seconds = timed(lambda: Matcher(library, args.tuning))
    generated = len(library.sections) - len(load_library([args.content]).sections)
    print(f"\nLarge library: {len(library.sections)} sections ({generated} generated in {len(conditions)} "
          f"synthetic factsheets + the content); load_library {load_seconds:.2f} s, Matcher() {build_seconds:.2f} s")
    if library.problems:
        print(f"  ({len(library.problems)} generated factsheets did not load: {library.problems[0]})")
    print("  questions.csv among the generated sections:")
    report_accuracy(evaluate(matcher, questions), indent="    ")
    made_up = synthetic_questions(conditions, args.synthetic_questions, args.seed)
    outcomes = evaluate(matcher, made_up, passages=False)
    print(f"  generated questions about generated sections: "
          f"{_rate(sum(o.correct for o in outcomes), len(outcomes))} right, "
          f"{_rate(sum(o.wrong_section for o in outcomes), len(outcomes))} wrong section, "
          f"{sum(o.kind == 'clarify' for o in outcomes)} clarify")
    texts = [q.text for q in questions] + [q.text for q in made_up]
    report_times("  time per question", time_questions(matcher, texts, args.large_repeats), len(texts),
                 args.large_repeats)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "data" / "questions.csv")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--show-errors", action="store_true", help="print every question the matcher got wrong")
    parser.add_argument("--repeats", type=int, default=20, help="timing repetitions on the factsheet")
    parser.add_argument("--sections", type=int, default=1000, help="generated sections in the large library")
    parser.add_argument("--large-repeats", type=int, default=3, help="timing repetitions on the large library")
    parser.add_argument("--synthetic-questions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-large", action="store_true", help="only the factsheet, no generated library")
    parser.add_argument("--tune", action="append", default=[], metavar="NAME=VALUE",
                        help="change one of the matcher's numbers (MatcherTuning), e.g. answer_min=60; repeatable")
    args = parser.parse_args(argv)
    try:
        args.tuning = MatcherTuning().changed(args.tune)
    except ValueError as error:
        parser.error(f"--tune: {error}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    library = load_library([args.content])
    questions = load_questions(args.questions)
    bench_factsheet(library, questions, args)
    if not args.skip_large:
        bench_large(questions, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
