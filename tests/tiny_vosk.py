"""A tiny but real vosk model, written at test time with the standard library (~40 KB, milliseconds).

The "acoustic model" only looks at loudness (MFCC C0): silence decodes as the silence phone, a loud burst
as the word ``help`` (``yelp`` has the same sound and a slightly higher cost, so asking for several
alternatives returns both; ``kelp``'s sound is never the loudest, so it is never heard). Recognition is
meaningless but predictable, which is what the engine tests need. Facts behind each file are in
/work/shared/recipes/tiny-vosk-model.md; several wrong values abort the whole process, not raise.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

WORD_HEARD = "help"
"""What one loud burst decodes as."""
WORD_ALTERNATIVE = "yelp"
"""Same sound as WORD_HEARD, +0.5 cost: the second alternative."""
WORD_NEVER = "kelp"
"""In the vocabulary, never decoded."""
WORDS = (WORD_HEARD, WORD_ALTERNATIVE, WORD_NEVER)

MFCC_DIM = 13
SILENCE_PHONE = 1
WORD_COST = 5.0
"""Entering a word costs this much: one noise burst stays one word instead of many."""

MODEL_CONF = """\
--min-active=20
--max-active=100
--beam=10.0
--lattice-beam=2.0
--acoustic-scale=1.0
--frame-subsampling-factor=3
--endpoint.silence-phones=1
--endpoint.rule2.min-trailing-silence=0.5
--endpoint.rule3.min-trailing-silence=1.0
--endpoint.rule4.min-trailing-silence=1.5
"""
MFCC_CONF = "--use-energy=false\n--sample-frequency=16000\n"

_FST_MAGIC = 2125659606
_INFINITY = math.inf


@dataclass(frozen=True)
class _Entry:
    """An arc that starts a phone: its forward transition id, the word it outputs, its cost."""

    phone: int
    word: int
    cost: float

    @property
    def forward_tid(self) -> int:
        return 2 * self.phone

    @property
    def self_loop_tid(self) -> int:
        return 2 * self.phone - 1


def write_tiny_model(folder: Path, *, word_boundary: bool = True) -> Path:
    """Write a complete model folder at ``folder`` (created) and return it."""
    (folder / "conf").mkdir(parents=True, exist_ok=True)
    (folder / "am").mkdir(exist_ok=True)
    (folder / "graph" / "phones").mkdir(parents=True, exist_ok=True)
    (folder / "conf" / "model.conf").write_text(MODEL_CONF)
    (folder / "conf" / "mfcc.conf").write_text(MFCC_CONF)
    (folder / "am" / "final.mdl").write_text(final_mdl_text())
    (folder / "graph" / "HCLG.fst").write_bytes(hclg_bytes())
    (folder / "graph" / "words.txt").write_text(words_txt())
    if word_boundary:
        (folder / "graph" / "phones" / "word_boundary.int").write_text("1 nonword\n2 singleton\n3 singleton\n")
    return folder


def words_txt() -> str:
    names = ("<eps>", *WORDS, "#0")
    return "".join(f"{name} {index}\n" for index, name in enumerate(names))


def final_mdl_text() -> str:
    return _transition_model() + _nnet3()


def _transition_model() -> str:
    # One-state HMM for phones 1-3; transition 0 is the self-loop, 1 the exit. Phone p uses pdf p-1.
    log_half = f"{math.log(0.5):.6f}"
    return (
        "<TransitionModel> \n<Topology> \n<TopologyEntry> \n<ForPhones> \n1 2 3 \n</ForPhones> \n"
        "<State> 0 <PdfClass> 0 <Transition> 0 0.5 <Transition> 1 0.5 </State> \n<State> 1 </State> \n"
        "</TopologyEntry> \n</Topology> \n"
        "<Triples> 3 \n1 0 0 \n2 0 1 \n3 0 2 \n</Triples> \n"
        f"<LogProbs> \n [ 0 {' '.join([log_half] * 6)} ]\n</LogProbs> \n</TransitionModel> \n"
    )


def _nnet3() -> str:
    # Only C0 (loudness) matters: quiet favours pdf 0 (silence), loud pdf 1 (the word); pdf 2 never wins.
    # Sharply separated scores keep lattice determinization fast.
    weights = ((-0.5,), (0.5,), (0.5,))
    biases = (30.0, -30.0, -50.0)
    rows = "\n".join("  " + " ".join(f"{w}" for w in row + (0.0,) * (MFCC_DIM - 1)) for row in weights)
    return (
        "<Nnet3> \n"  # the trailing space is required
        f"input-node name=input dim={MFCC_DIM}\n"
        "component-node name=affine component=affine input=input\n"
        "output-node name=output input=affine objective=linear\n"
        "\n"
        "<NumComponents> 1 \n"
        "<ComponentName> affine <FixedAffineComponent> <LinearParams>  [\n"
        f"{rows} ]\n"
        f"<BiasParams>  [ {' '.join(str(b) for b in biases)} ]\n"
        "</FixedAffineComponent> \n"
        "</Nnet3> \n"
        "<LeftContext> 0 <RightContext> 0 <Priors>  [ ]\n"
    )


def _entries() -> tuple[_Entry, ...]:
    word_ids = {name: index for index, name in enumerate(WORDS, start=1)}
    return (
        _Entry(SILENCE_PHONE, 0, 0.0),
        _Entry(2, word_ids[WORD_HEARD], WORD_COST),
        _Entry(2, word_ids[WORD_ALTERNATIVE], WORD_COST + 0.5),
        _Entry(3, word_ids[WORD_NEVER], WORD_COST),
    )


def hclg_bytes() -> bytes:
    """State 0 starts; state i+1 is "inside entry i" (its self-loop). Every state may start any entry and
    is final. Forward transitions come before self-loops, as in graphs Kaldi builds."""
    entries = _entries()
    arcs_out = [(entry.forward_tid, entry.word, entry.cost, index + 1) for index, entry in enumerate(entries)]
    states: list[list[tuple[int, int, float, int]]] = [list(arcs_out)]
    for index, entry in enumerate(entries):
        states.append([*arcs_out, (entry.self_loop_tid, 0, 0.0, index + 1)])
    return vector_fst_bytes(states, finals=[0.0] * len(states))


def vector_fst_bytes(states: list[list[tuple[int, int, float, int]]], finals: list[float]) -> bytes:
    """An OpenFst binary "vector" FST over the tropical semiring, start state 0."""
    def text(value: str) -> bytes:
        return struct.pack("<i", len(value)) + value.encode()

    num_arcs = sum(len(arcs) for arcs in states)
    header = (struct.pack("<i", _FST_MAGIC) + text("vector") + text("standard")
              + struct.pack("<iiQqqq", 2, 0, 3, 0, len(states), num_arcs))
    body = bytearray()
    for arcs, final in zip(states, finals, strict=True):
        body += struct.pack("<fq", final, len(arcs))
        for ilabel, olabel, weight, nextstate in arcs:
            body += struct.pack("<iifi", ilabel, olabel, weight, nextstate)
    return header + bytes(body)
