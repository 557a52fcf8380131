#!/usr/bin/env python3
"""Does adapting pocketsphinx's acoustic model to the user's voice pay? An MLLR transform from the enrolment takes.

pocketsphinx loads an MLLR transform (its ``mllr`` setting) and moves every Gaussian mean of its acoustic model by
it. Debian's ``sphinxtrain`` computes one (``sudo apt-get install sphinxtrain``): ``bw`` collects statistics of
the recordings against the model, given what was said in each; ``mllr_solve`` solves the transform that makes
them most likely. Two files ``bw`` needs are not in the pocketsphinx wheel in a form it reads: the model
definition is binary (``bw`` reads the text form) and the mixture weights exist only quantized and transposed
(``sendump``); both are converted here, exactly (pocketsphinx decodes the same with the converted files).

The material is bench_examples.py's, for the phrases "learn my voice" asks for (10 commands, "help me", 7 topic
names): the slurred test voice's enrolment takes (3 a phrase) give the transform; its test takes (6 a phrase,
never enrolled), its off-topic speech, other clean voices saying the enrolled phrases' neighbours, and clean
questions in other voices (a caregiver's) are then heard by pocketsphinx without and with the transform, each
through a fresh conversation core as in the loop (bench_examples.through_core). Printed for each: commands and
topic names acted on rightly (the recognizer alone, and with the match by example too), wrongly; off-topic
speech answered; neighbours acted on; clean questions answered from the right section, and how many got another
action with the transform than without. Two transforms: ``full`` (means scaled, rotated and shifted) and
``shift`` (only shifted: fewer parameters to learn from few recordings).

Measured (tune part, as committed): by the recognizer alone, right 7/108 without a transform, 4/108 with the
full one, 8/108 with the shift; wrong 6, 4 and 12; off-topic answered 1/50, 6/50 and 3/50; other voices'
neighbours acted on 2/32, 4/32 and 3/32; clean questions in other voices acted on otherwise 6/30 (full) and 5/30
(shift). With example matching right 97/108, 98/108 and 97/108. Held-out part, run once at the end: by the
recognizer alone right 8/108, 8/108 and 11/108; wrong 8, 6 and 13; off-topic answered 2/50, 3/50 and 3/50;
neighbours acted on 8/32, 10/32 and 7/32; clean questions right 7/30, 5/30 and 8/30, acted on otherwise 5/30 and
4/30; with example matching right 92/108 in all three. So it does not pay (a few more right at best, as many more
wrong, and another voice's questions handled otherwise one time in six): it is not built into the assistant.
(The test voices are all synthetic, so a transform may also learn "synthetic speech"; a real user's recordings
may behave otherwise. The transform takes about 6 s to compute for 54 takes.)

    .venv/bin/python scripts/bench_mllr.py --split tune [--errors] [--transforms shift]
    .venv/bin/python scripts/bench_mllr.py               # held-out part
"""

from __future__ import annotations

import argparse
import csv
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_examples import (  # noqa: E402
    SEEDS,
    Outcome,
    Said,
    enrolled,
    is_right,
    learned_phrases,
    material,
    through_core,
    topic_names,
)
from tests.slurred import OTHER_VOICES, other_voice  # noqa: E402
from voice_assist.examples import ExampleMatcher  # noqa: E402
from voice_assist.recognize.domain_lm import words_of  # noqa: E402
from voice_assist.recognize.pronounce import espeak_pronunciations, load_cmudict  # noqa: E402
from voice_assist.recognize.sphinx_files import acoustic_model_path, cmudict_path, model_dir  # noqa: E402

TRANSFORMS = {"full": False, "shift": True}
"""The transforms measured: a full MLLR mean transform (scaled, rotated and shifted), or only a shift."""
CLEAN_QUESTIONS = 30
"""Clean questions in other voices (tests/data/more_questions.csv, evenly spread)."""


# ---- computing a transform with sphinxtrain ----

SPHINXTRAIN_DIR = Path("/usr/lib/sphinxtrain")
"""Where Debian's sphinxtrain package puts ``bw`` and ``mllr_solve``."""

FEATURE_OPTIONS = ("-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38", "-cmn", "current", "-agc", "none",
                   "-ts2cbfn", ".ptm.")
"""The wheel's en-us model as ``bw`` must see it (its feat.params: 1s_c_d_dd features in three streams,
phonetically tied mixtures; ``current`` is sphinxtrain's name for per-utterance cepstral mean removal)."""

MIXW_SHIFT = 10
"""pocketsphinx keeps a mixture weight as -log base 1.0001 of it, shifted right by this many bits, in a byte."""
LOG_BASE = 1.0001

_WORD_POSITIONS = "ibesu"
"""A triphone's position in its word as the text model definition writes it: internal, begin, end, single,
unknown."""
_S3_BYTE_ORDER = 0x11223344


class AdaptationError(Exception):
    """The transform could not be computed."""


def sphinxtrain_missing() -> str | None:
    """Why the transform cannot be computed here (what to install), or None when it can."""
    missing = [tool for tool in ("bw", "mllr_solve") if not (SPHINXTRAIN_DIR / tool).is_file()]
    if missing:
        return (f"sphinxtrain is not installed ({', '.join(missing)} missing from {SPHINXTRAIN_DIR}): no transform "
                "can be computed. Install it: sudo apt-get install sphinxtrain")
    return None


def compute_transform(takes: Mapping[str, Sequence[bytes]], out: Path, *, shift_only: bool = False) -> Path:
    """An MLLR transform of the en-us model for the voice of ``takes`` (phrase -> its recordings, 16 kHz mono
    s16le), written to ``out``; raises AdaptationError when sphinxtrain fails. ``shift_only`` moves the means
    without scaling or rotating them (fewer parameters to learn from few recordings)."""
    with tempfile.TemporaryDirectory(prefix="voice-assist-adapt-") as scratch:
        work = Path(scratch)
        model = acoustic_model_path()
        (work / "mdef.txt").write_text(text_model_definition(model / "mdef"), encoding="ascii")
        write_s3(work / "mixture_weights", mixture_weights(model / "sendump"))
        said = _write_features(takes, work / "features")
        _write_dictionary([text for _, text in said], work / "words.dict")
        (work / "takes.ctl").write_text("".join(f"{name}\n" for name, _ in said), encoding="utf-8")
        (work / "takes.lsn").write_text("".join(f"<s> {text} </s> ({name})\n" for name, text in said),
                                        encoding="utf-8")
        (work / "accumulated").mkdir()
        _run("bw", "-hmmdir", str(model), "-moddeffn", str(work / "mdef.txt"),
             "-mixwfn", str(work / "mixture_weights"), *FEATURE_OPTIONS, "-dictfn", str(work / "words.dict"),
             "-fdictfn", str(model / "noisedict"), "-ctlfn", str(work / "takes.ctl"),
             "-lsnfn", str(work / "takes.lsn"), "-cepdir", str(work / "features"), "-cepext", "mfc",
             "-accumdir", str(work / "accumulated"))
        _run("mllr_solve", "-meanfn", str(model / "means"), "-varfn", str(model / "variances"),
             "-outmllrfn", str(work / "mllr_matrix"), "-accumdir", str(work / "accumulated"),
             "-mllrmult", "no" if shift_only else "yes")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "mllr_matrix", out)
    return out


def text_model_definition(binary: Path) -> str:
    """The text form (version 0.3) of pocketsphinx's binary model definition (format: its bin_mdef.c)."""
    data = binary.read_bytes()
    _magic, _version, description = struct.unpack_from("<3i", data, 0)
    offset = 12 + description
    (n_ci, n_phone, n_emit, n_ci_sen, n_sen, n_tmat, n_sseq, _n_ctx, n_cd_tree, _sil) = struct.unpack_from(
        "<10i", data, offset)
    offset += 40
    names_start = offset
    names = []
    for _ in range(n_ci):
        end = data.index(b"\0", offset)
        names.append(data[offset:end].decode("ascii"))
        offset = end + 1
    offset = names_start + ((offset - names_start + 3) & ~3)
    offset += 8 * n_cd_tree  # the lookup tree: not needed for the text form
    phones = np.frombuffer(data, dtype=np.dtype([("ssid", "<i4"), ("tmat", "<i4"), ("attr", "u1", 4)]),
                           count=n_phone, offset=offset)
    offset += phones.nbytes
    (size,) = struct.unpack_from("<i", data, offset)
    senones = np.frombuffer(data, dtype="<u2", count=size, offset=offset + 4).reshape(n_sseq, n_emit)
    filler = [bool(phone["attr"][0]) for phone in phones[:n_ci]]
    lines = ["0.3", f"{n_ci} n_base", f"{n_phone - n_ci} n_tri", f"{n_phone * (n_emit + 1)} n_state_map",
             f"{n_sen} n_tied_state", f"{n_ci_sen} n_tied_ci_state", f"{n_tmat} n_tied_tmat", "#"]
    for index, phone in enumerate(phones):
        if index < n_ci:
            base, context = index, f"{names[index]} - - -"
        else:
            position, base, left, right = (int(value) for value in phone["attr"])
            context = f"{names[base]} {names[left]} {names[right]} {_WORD_POSITIONS[position]}"
        states = " ".join(str(senone) for senone in senones[phone["ssid"]])
        lines.append(f"{context} {'filler' if filler[base] else 'n/a'} {phone['tmat']} {states} N")
    return "\n".join(lines) + "\n"


def mixture_weights(sendump: Path) -> np.ndarray:
    """The mixture weights (senone x stream x codeword, each senone's weights summing to 1) of pocketsphinx's
    quantized ``sendump`` file (format: its ptm_mgau.c; unclustered, 8 bits a weight)."""
    data = sendump.read_bytes()
    offset = 0
    while True:  # header strings, each after its length; a length of 0 ends them
        (length,) = struct.unpack_from("<i", data, offset)
        offset += 4 + length
        if length == 0:
            break
        if data[offset - length:offset].startswith(b"cluster_count ") and \
                data[offset - length:offset].split()[1] not in (b"0", b"0\0"):
            raise AdaptationError(f"{sendump} holds clustered mixture weights, which cannot be adapted here")
    codewords, senones = struct.unpack_from("<2i", data, offset)
    quantized = np.frombuffer(data, dtype=np.uint8, offset=offset + 8).reshape(-1, codewords, senones)
    weights = np.power(LOG_BASE, -(quantized.astype(np.float64) * (1 << MIXW_SHIFT))).transpose(2, 0, 1)
    return weights / weights.sum(axis=2, keepdims=True)


def write_s3(path: Path, array: np.ndarray) -> None:
    """``array`` as a sphinxtrain parameter file (header, byte-order mark, dimensions, float32 values)."""
    values = np.ascontiguousarray(array, dtype="<f4")
    dimensions = struct.pack(f"<{values.ndim + 1}i", *values.shape, values.size)
    path.write_bytes(b"s3\nversion 1.0\nendhdr\n" + struct.pack("<I", _S3_BYTE_ORDER) + dimensions
                     + values.tobytes())


def _write_features(takes: Mapping[str, Sequence[bytes]], folder: Path) -> list[tuple[str, str]]:
    """Each take's cepstra as pocketsphinx's own front end computes them (its ``mfclogdir``), so they match the
    model's feat.params; (file name, words said) for each."""
    import pocketsphinx

    folder.mkdir(parents=True)
    decoder = pocketsphinx.Decoder(hmm=str(acoustic_model_path()), lm=None, mfclogdir=str(folder), loglevel="ERROR",
                                   allphone=str(model_dir() / "en-us-phone.lm.bin"))  # a search is needed, not run
    said: list[tuple[str, str]] = []
    for phrase, recordings in takes.items():
        text = " ".join(words_of(phrase))
        for number, pcm in enumerate(recordings, start=1):
            before = set(folder.iterdir())
            decoder.start_utt()
            decoder.process_raw(pcm, no_search=True, full_utt=True)
            decoder.end_utt()
            written = sorted(set(folder.iterdir()) - before)
            if len(written) != 1:
                raise AdaptationError(f"pocketsphinx wrote {len(written)} feature files for a take of {phrase!r}")
            name = f"take{len(said):04d}-{number}"
            written[0].rename(folder / f"{name}.mfc")
            said.append((name, text))
    return said


def _write_dictionary(texts: list[str], path: Path) -> None:
    words = sorted({word for text in texts for word in text.split()})
    known = load_cmudict(cmudict_path(), words)
    guessed = espeak_pronunciations([word for word in words if word not in known])
    lines = [f"{word} {known[word][0]}" if word in known else f"{word} {guessed[word]}"
             for word in words if word in known or word in guessed]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(tool: str, *arguments: str) -> None:
    completed = subprocess.run([str(SPHINXTRAIN_DIR / tool), *arguments], capture_output=True, text=True,
                               check=False)
    if completed.returncode != 0:
        last = [line for line in (completed.stderr + completed.stdout).splitlines() if "ERROR" in line or "FATAL"
                in line][-3:]
        raise AdaptationError(f"sphinxtrain's {tool} failed (exit {completed.returncode}): {' / '.join(last)}")


# ---- measuring ----

def clean_questions(split: str) -> list[Said]:
    rows = list(csv.DictReader((ROOT / "tests" / "data" / "more_questions.csv").open(encoding="utf-8")))
    step = max(1, len(rows) // (2 * CLEAN_QUESTIONS))
    chosen = rows[(0 if split == "tune" else step)::2 * step][:CLEAN_QUESTIONS]
    return [Said(row["question"], row["expected"], other_voice(row["question"], OTHER_VOICES[index % 4]))
            for index, row in enumerate(chosen)]


def line(name: str, outcomes: dict[str, list[Outcome]], topics: dict[str, str],
         got: Callable[[Outcome], str | None]) -> str:
    tests, off, near, clean = (outcomes[key] for key in ("tests", "off_topic", "neighbours", "clean"))
    right = sum(is_right(got(o), o.said.text, topics) for o in tests)
    wrong = sum(got(o) is not None and not is_right(got(o), o.said.text, topics) for o in tests)
    answered = sum(got(o) is not None for o in off)
    taken = sum(got(o) is not None for o in near)
    clean_right = sum(is_right(got(o), str(o.said.expected), topics) for o in clean)
    return (f"  {name}: commands and topic names right {right}/{len(tests)}, wrong {wrong}; off-topic answered "
            f"{answered}/{len(off)}; other voices' neighbours acted on {taken}/{len(near)}; clean questions in other "
            f"voices right {clean_right}/{len(clean)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=tuple(SEEDS), default="held-out")
    parser.add_argument("--errors", action="store_true", help="print what changed with the transform")
    parser.add_argument("--transforms", nargs="+", choices=TRANSFORMS, default=list(TRANSFORMS),
                        help="which transforms to measure")
    args = parser.parse_args()
    problem = sphinxtrain_missing()
    if problem:
        sys.exit(problem)
    topics = topic_names()
    started = time.perf_counter()
    found = material(args.split, learned_phrases())
    said = {"tests": found.tests, "off_topic": found.off_topic, "neighbours": found.neighbours,
            "clean": clean_questions(args.split)}
    print(f"{args.split} part: {len(found.enrolment)} phrases x 3 enrolment takes; "
          + ", ".join(f"{len(v)} {k}" for k, v in said.items()) + f" (made in {time.perf_counter() - started:.0f} s)")
    examples = enrolled(found.enrolment)
    with tempfile.TemporaryDirectory() as scratch:
        before = heard(said, examples, None, topics, "without a transform")
        for name in args.transforms:
            started = time.perf_counter()
            transform = compute_transform(found.enrolment, Path(scratch) / name, shift_only=TRANSFORMS[name])
            print(f"  the {name} transform computed in {time.perf_counter() - started:.1f} s (wall clock)")
            after = heard(said, examples, transform, topics, f"with the {name} transform")
            changed = [(a, b) for key in said for a, b in zip(before[key], after[key], strict=True)
                       if a.alone != b.alone]
            clean_changed = sum(a.alone != b.alone for a, b in zip(before["clean"], after["clean"], strict=True))
            print(f"  clean questions in other voices acted on otherwise with the {name} transform: {clean_changed}/"
                  f"{len(said['clean'])}")
            if args.errors:
                for a, b in changed:
                    print(f"    {a.said.text!r}: {a.heard!r} -> {a.alone}; with it {b.heard!r} -> {b.alone}")


def heard(said: dict[str, list[Said]], examples: ExampleMatcher, transform: Path | None, topics: dict[str, str],
          name: str) -> dict[str, list[Outcome]]:
    options: dict[str, object] | None = {"mllr": str(transform)} if transform else None
    outcomes = {key: through_core(utterances, examples if key != "clean" else ExampleMatcher(),
                                  decoder_options=options) for key, utterances in said.items()}
    print(line(f"{name}, recognizer alone", outcomes, topics, lambda o: o.alone))
    print(line(f"{name}, with example matching", outcomes, topics, lambda o: o.combined))
    return outcomes


if __name__ == "__main__":
    main()
