"""A tiny but real vosk model, written at test time with the standard library (~40 KB, milliseconds).

The "acoustic model" only looks at loudness (MFCC C0): silence decodes as the silence phone, a loud burst
as the word ``help`` (``yelp`` has the same sound and a slightly higher cost, so asking for several
alternatives returns both; ``kelp``'s sound is never the loudest, so it is never heard). Recognition is
meaningless but predictable, which is what the engine tests need. Facts behind each file are in
/work/shared/recipes/tiny-vosk-model.md; several wrong values abort the whole process, not raise.

With ``lookahead=True`` the graph is written as vosk's small models ship it (HCLr.fst as an OpenFst
"olabel_lookahead" FST + Gr.fst), so that vosk accepts a runtime phrase list: then a burst is heard as
whichever of the three words the phrase list allows.
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

Arc = tuple[int, int, float, int]
"""(input label, output label, weight, next state)."""

_FST_MAGIC = 2125659606
_ADD_ON_MAGIC = 446681434
_EXPANDED = 0x1
_MUTABLE = 0x2
_OLABEL_SORTED = 0x40000000
_ILABEL_SORTED = 0x10000000


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


def write_tiny_model(folder: Path, *, word_boundary: bool = True, lookahead: bool = False) -> Path:
    """Write a complete model folder at ``folder`` (created) and return it.

    ``lookahead`` writes the graph as HCLr.fst + Gr.fst (like vosk's small models) instead of HCLG.fst,
    which is what lets vosk apply a runtime phrase list."""
    (folder / "conf").mkdir(parents=True, exist_ok=True)
    (folder / "am").mkdir(exist_ok=True)
    (folder / "graph" / "phones").mkdir(parents=True, exist_ok=True)
    (folder / "conf" / "model.conf").write_text(MODEL_CONF)
    (folder / "conf" / "mfcc.conf").write_text(MFCC_CONF)
    (folder / "am" / "final.mdl").write_text(final_mdl_text())
    if lookahead:
        (folder / "graph" / "HCLr.fst").write_bytes(hclr_bytes())
        (folder / "graph" / "Gr.fst").write_bytes(gr_bytes())
        (folder / "graph" / "disambig_tid.int").write_text("")  # no disambiguation symbols to remove
    else:
        (folder / "graph" / "HCLG.fst").write_bytes(hclg_bytes())
    (folder / "graph" / "words.txt").write_text(words_txt())
    if word_boundary:
        (folder / "graph" / "phones" / "word_boundary.int").write_text("1 nonword\n2 singleton\n3 singleton\n")
    return folder


def words_txt() -> str:
    # [unk] is in the vocabulary but not in the graph: a phrase list may name it, it is never heard.
    names = ("<eps>", *WORDS, "[unk]", "#0")
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
    return vector_fst_bytes(_graph_states(costs=True), finals=[0.0] * len(_entries()) + [0.0])


def vector_fst_bytes(states: list[list[Arc]], finals: list[float], properties: int = 0) -> bytes:
    """An OpenFst binary "vector" FST over the tropical semiring, start state 0."""
    num_arcs = sum(len(arcs) for arcs in states)
    header = _fst_header("vector", version=2, properties=_EXPANDED | _MUTABLE | properties, start=0,
                         num_states=len(states), num_arcs=num_arcs)
    body = bytearray()
    for arcs, final in zip(states, finals, strict=True):
        body += struct.pack("<fq", final, len(arcs))
        for arc in arcs:
            body += struct.pack("<iifi", *arc)
    return header + bytes(body)

def _graph_states(costs: bool) -> list[list[Arc]]:
    """State 0 starts; state i+1 is "inside entry i" (its self-loop). Every state may start any entry and
    is final. Forward transitions come before self-loops, as in graphs Kaldi builds."""
    entries = _entries()
    arcs_out = [(entry.forward_tid, entry.word, entry.cost if costs else 0.0, index + 1)
                for index, entry in enumerate(entries)]
    states: list[list[Arc]] = [list(arcs_out)]
    for index, entry in enumerate(entries):
        states.append([*arcs_out, (entry.self_loop_tid, 0, 0.0, index + 1)])
    return states


def hclr_bytes() -> bytes:
    """The HCL part as an OpenFst "olabel_lookahead" FST: a const FST, olabel-sorted, plus the data that
    says which output labels each state can reach next.

    Real lookahead graphs renumber the words so that reachable sets are intervals; here every state can
    reach every word and the end, so the numbering is kept (identity) and one interval set serves all."""
    states = [sorted(arcs, key=lambda arc: arc[1]) for arcs in _graph_states(costs=False)]
    inner = const_fst_bytes(states, finals=[0.0] * len(states), properties=_EXPANDED | _OLABEL_SORTED)
    final_label = len(WORDS) + 3  # past every word id, [unk] and #0
    label2index = {word: word for word in range(1, len(WORDS) + 1)} | {-1: final_label}
    intervals = ((1, len(WORDS) + 1), (final_label, final_label + 1))
    reachable = (struct.pack("<??", False, True)  # reach_input, keep_relabel_data
                 + _int32_map(label2index) + struct.pack("<i", final_label)
                 + struct.pack("<q", len(states)) + _interval_set(intervals) * len(states))
    header = _fst_header("olabel_lookahead", version=1, properties=_EXPANDED | _OLABEL_SORTED,
                         start=-1, num_states=0, num_arcs=0)
    add_on_pair = struct.pack("<??", False, True) + reachable  # no input-side data, output-side data
    return header + struct.pack("<i", _ADD_ON_MAGIC) + inner + struct.pack("<?", True) + add_on_pair


def gr_bytes() -> bytes:
    """The default grammar: a loop over the words with the same costs as HCLG.fst."""
    loop = sorted((entry.word, entry.word, entry.cost, 0) for entry in _entries() if entry.word)
    return vector_fst_bytes([loop], finals=[0.0], properties=_ILABEL_SORTED)  # composition needs it sorted


def _int32_map(mapping: dict[int, int]) -> bytes:
    return struct.pack("<q", len(mapping)) + b"".join(struct.pack("<ii", k, v) for k, v in mapping.items())


def _interval_set(intervals: tuple[tuple[int, int], ...]) -> bytes:
    count = sum(end - begin for begin, end in intervals)
    return (struct.pack("<q", len(intervals)) + b"".join(struct.pack("<ii", *pair) for pair in intervals)
            + struct.pack("<i", count))


def _fst_header(fst_type: str, *, version: int, properties: int, start: int, num_states: int,
                num_arcs: int) -> bytes:
    def text(value: str) -> bytes:
        return struct.pack("<i", len(value)) + value.encode()

    return (struct.pack("<i", _FST_MAGIC) + text(fst_type) + text("standard")
            + struct.pack("<iiQqqq", version, 0, properties, start, num_states, num_arcs))


def const_fst_bytes(states: list[list[Arc]], finals: list[float], properties: int) -> bytes:
    """An OpenFst binary "const" FST (unaligned): all states, then all arcs."""
    num_arcs = sum(len(arcs) for arcs in states)
    header = _fst_header("const", version=2, properties=properties, start=0, num_states=len(states),
                         num_arcs=num_arcs)
    table, arcs_blob, position = bytearray(), bytearray(), 0
    for arcs, final in zip(states, finals, strict=True):
        input_eps = sum(1 for arc in arcs if arc[0] == 0)
        output_eps = sum(1 for arc in arcs if arc[1] == 0)
        table += struct.pack("<fIIII", final, position, len(arcs), input_eps, output_eps)
        for arc in arcs:
            arcs_blob += struct.pack("<iifi", *arc)
        position += len(arcs)
    return header + bytes(table) + bytes(arcs_blob)
