"""Matching an utterance against the user's own recordings of each phrase (query by example).

ALS slurs speech and keeps changing it, and general recognizers fail on speech the family understands; a
small vocabulary of commands and topic names said by the user, about three takes each, can still be told
apart by comparing the sound itself (Lea et al., "Latent Phrase Matching for Dysarthric Speech", 2023;
Rhasspy's Raven does it for wake words). Each take becomes a sequence of MFCC frames of its voiced part;
an utterance is compared with every take by dynamic time warping (DTW), which lets one be slower than the
other in places; the phrase of the closest take wins if it is close enough and clearly closer than any other
phrase. Anything else (other words, another speaker, noise) matches nothing.

Measured on a slurred, accented test voice (scripts/bench_examples.py, held-out part; 17 phrases x 3 takes):
87 % of new takes matched to their phrase (pocketsphinx with the project's matcher: 12 %), 1 of 50 off-topic
utterances in the same voice and none of 32 similar words in other voices answered; one match costs about
20 ms with 100 phrases x 3 takes enrolled, which hold about 4 MB.

Features are computed with numpy alone (``mfcc``, about 30 lines): python_speech_features computes the same
in the same time (8 ms for 2.6 s of audio, both measured with ``bench_examples.py --features-only``) but needs
scipy (113 MB installed, 0.3 s to import); librosa brings scipy, scikit-learn, numba, llvmlite and a dozen
more packages.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from voice_assist.audio_format import SAMPLE_RATE
from voice_assist.vad import frame_level

FRAME_SECONDS = 0.025
HOP_SECONDS = 0.010
"""A feature frame every 10 ms over 25 ms of audio: the usual speech analysis, fine enough for short words."""
MEL_BANDS = 26
CEPSTRA = 13
"""MFCCs kept, c0 (loudness) excluded: loudness differs between takes more than between words."""
LOWEST_HZ, HIGHEST_HZ = 100.0, 7000.0
"""The mel bands cover this: below is hum, above is little voice in slurred speech and much hiss."""

VOICED_MARGIN_DB = 10.0
"""A frame is voiced this far above the utterance's noise floor (its quietest tenth of frames)."""
QUIETEST_VOICE_DB = -55.0
"""Nothing quieter is voice, however quiet the recording (as in ``vad.VadTuning.min_level``)."""
MIN_VOICED_FRAMES = 8
"""Frames in a run of voice for the run to count (80 ms): a click or a knock is not a phrase."""
VOICE_PAD_FRAMES = 5
"""Frames kept either side of the voiced part, so weak first and last consonants are not cut off."""

BAND = 0.35
"""Sakoe-Chiba band: the warping path stays within this share of the take's length of the diagonal, and may
start anywhere in the take's first 35 % (a first syllable swallowed or trimmed). On the tuning part 0.35 matched
as many test takes rightly as 0.25 and answered one off-topic utterance fewer; 0.15 lost 2 right."""
PREFILTER_PHRASES = 8
"""Phrases whose takes are compared by full DTW, the closest by a cheap distance (between the means of a few
stretches of the utterance and of a take): with 100 phrases x 3 takes enrolled this keeps the cost of a match
to 24 warpings (measured 10 to 20 ms, against 120 ms for all 300). The right phrase was among them for 98 of
the tuning part's 102 test takes; 12 or 16 phrases kept one more, and matched no more of them rightly."""
PREFILTER_SEGMENTS = 4
TAKES_COUNTED = 2
"""A phrase's distance is the mean of its closest this many takes: one odd take does not decide alone (the
closest take alone matched 1 % fewer of the tuning part's test takes rightly and answered 2 % more off-topic)."""
COHORT = 5
"""The phrases after the best whose mean distance the best is compared with (``MAX_RELATIVE_DISTANCE``); 3 lost
4 % of the right matches on the tuning part, 8 answered 10 % of off-topic speech."""

REJECT_DISTANCE = 3.2
"""Mean frame distance (in standard deviations of each coefficient) above which nothing matches. On the tuning
part of scripts/bench_examples.py every test take that matched its own phrase did so below it (the furthest at
3.0, 90 % below 2.6); the margin rule does most of the refusing. It alone guards a single enrolled phrase."""
MAX_RELATIVE_DISTANCE = 0.8
"""The margin rule: the best phrase's distance must be at most this share of the mean distance of the next
``COHORT`` phrases. Other words in the user's own voice are about as far from every phrase, so they fail it
(in first trials, distance and a plain margin to the next phrase kept off-topic answers to 2 % only by
refusing 30 % of the right matches);
tuned with ``REJECT_DISTANCE`` so that at most 2 % of the tuning part's off-topic speech and other voices'
neighbours was answered. An utterance that only one phrase can be compared with (no other is of a length
that can be warped to it) fails it too; with a single phrase enrolled only ``REJECT_DISTANCE`` applies."""


@dataclass(frozen=True)
class ExampleMatch:
    """The enrolled phrase an utterance matched."""

    phrase: str
    distance: float
    """Mean distance between matched frames along the best warping paths to the phrase's closest takes
    (0 = the same sound; in standard deviations of each coefficient)."""
    margin: float
    """How much further the next-best different phrase is (infinity when no other phrase could be compared)."""
    relative: float
    """``distance`` as a share of the mean distance of the next ``COHORT`` phrases (0 when only one phrase is
    enrolled; infinity when no other could be compared, e.g. a sentence as long as only one phrase)."""
    confidence: float
    """0 to 1: how far inside both rules the match is (0 at a threshold, 1 for the same sound, far from others)."""


@dataclass(frozen=True)
class _Take:
    phrase: str
    frames: np.ndarray
    """Features of the voiced part, (frames, CEPSTRA - 1)."""
    summary: np.ndarray
    """Means of ``PREFILTER_SEGMENTS`` equal stretches, flattened: the prefilter's cheap description."""


class ExampleMatcher:
    """The user's recordings of each phrase, and the matching of an utterance against them."""

    def __init__(self, reject_distance: float = REJECT_DISTANCE,
                 max_relative_distance: float = MAX_RELATIVE_DISTANCE) -> None:
        self.reject_distance = reject_distance
        self.max_relative_distance = max_relative_distance
        self._takes: list[_Take] = []

    @property
    def phrases(self) -> tuple[str, ...]:
        """Enrolled phrases, in the order first added."""
        return tuple(dict.fromkeys(take.phrase for take in self._takes))

    def takes(self, phrase: str) -> int:
        """How many takes of ``phrase`` are enrolled."""
        return sum(take.phrase == phrase for take in self._takes)

    def add(self, phrase: str, pcm: bytes) -> bool:
        """Enrol one take of ``phrase`` (16 kHz mono s16le); False (nothing enrolled) when it holds no voice."""
        frames = voiced_features(pcm)
        if frames is None:
            return False
        self._takes.append(_Take(phrase, frames, _summary(frames)))
        return True

    def remove(self, phrase: str) -> None:
        """Forget every take of ``phrase`` (to record it again, or to drop it)."""
        self._takes = [take for take in self._takes if take.phrase != phrase]

    def match(self, pcm: bytes) -> ExampleMatch | None:
        """The enrolled phrase said in ``pcm``, or None: no voice, no phrase close enough, or none clearly best."""
        frames = voiced_features(pcm)
        ranked = self._ranked(frames) if frames is not None else []
        if not ranked:
            return None
        (phrase, distance), others = ranked[0], [other for _, other in ranked[1:]]
        margin = others[0] - distance if others else np.inf
        relative = self._relative(distance, others)
        if distance > self.reject_distance or relative > self.max_relative_distance:
            return None
        confidence = min(1.0 - distance / self.reject_distance, 1.0 - relative / self.max_relative_distance)
        return ExampleMatch(phrase, distance, float(margin), relative, max(0.0, confidence))

    def _relative(self, distance: float, others: list[float]) -> float:
        """The margin rule's measure (see ``ExampleMatch.relative``)."""
        if others:
            return distance / float(np.mean(others[:COHORT]))
        return 0.0 if len(self.phrases) == 1 else float(np.inf)  # one phrase enrolled, or only one this long

    def _ranked(self, frames: np.ndarray) -> list[tuple[str, float]]:
        """Each phrase that could be compared, with its distance, closest first."""
        takes = self._candidates(frames)
        by_phrase: dict[str, list[float]] = {}
        for take, distance in zip(takes, dtw_distances(frames, [take.frames for take in takes]), strict=True):
            if np.isfinite(distance):
                by_phrase.setdefault(take.phrase, []).append(float(distance))
        scores = {phrase: float(np.mean(sorted(found)[:TAKES_COUNTED])) for phrase, found in by_phrase.items()}
        return sorted(scores.items(), key=lambda item: item[1])

    def _candidates(self, frames: np.ndarray) -> list[_Take]:
        """The takes of the ``PREFILTER_PHRASES`` phrases closest by the cheap distance.

        Takes of very different length stay in: they cannot be warped (see ``dtw_distances``), but a phrase
        that can be belongs to the cohort that an utterance in the user's voice is judged against."""
        summary = _summary(frames)
        cheapest: dict[str, float] = {}
        for take in self._takes:
            cheap = float(np.sum((take.summary - summary) ** 2))
            cheapest[take.phrase] = min(cheap, cheapest.get(take.phrase, np.inf))
        kept = set(sorted(cheapest, key=cheapest.__getitem__)[:PREFILTER_PHRASES])
        return [take for take in self._takes if take.phrase in kept]


def voiced_features(pcm: bytes) -> np.ndarray | None:
    """MFCC frames of the voiced part of ``pcm``, each coefficient normalised to mean 0 and standard deviation 1
    over the utterance (which takes out the microphone, the room and much of the voice); None when there is no
    voice."""
    voiced = voiced_span(pcm)
    if voiced is None:
        return None
    first, last = voiced
    frames = mfcc(pcm[first * _HOP_BYTES:last * _HOP_BYTES + _FRAME_BYTES])
    return (frames - frames.mean(axis=0)) / (frames.std(axis=0) + 1e-8)


def voiced_span(pcm: bytes) -> tuple[int, int] | None:
    """First and last 10 ms frame of the voice in ``pcm`` (padded), or None when none lasts long enough."""
    levels = np.array([frame_level(pcm[start:start + _HOP_BYTES]) for start in range(0, len(pcm), _HOP_BYTES)])
    if levels.size < MIN_VOICED_FRAMES:
        return None
    floor = float(np.percentile(levels, 10))
    voiced = levels >= max(floor + VOICED_MARGIN_DB, QUIETEST_VOICE_DB)
    runs = np.convolve(voiced, np.ones(MIN_VOICED_FRAMES), mode="valid") >= MIN_VOICED_FRAMES
    starts = np.flatnonzero(runs)
    if starts.size == 0:
        return None
    first = max(0, int(starts[0]) - VOICE_PAD_FRAMES)
    last = min(levels.size - 1, int(starts[-1]) + MIN_VOICED_FRAMES - 1 + VOICE_PAD_FRAMES)
    return first, last


def mfcc(pcm: bytes) -> np.ndarray:
    """Mel-frequency cepstral coefficients c1..c12 of s16le audio: (frames, CEPSTRA - 1)."""
    samples = np.frombuffer(pcm[:len(pcm) // 2 * 2], dtype="<i2").astype(np.float64) / 32768.0
    if samples.size < _FRAME_SAMPLES:
        samples = np.pad(samples, (0, _FRAME_SAMPLES - samples.size))
    emphasised = np.append(samples[0], samples[1:] - 0.97 * samples[:-1])
    count = 1 + (emphasised.size - _FRAME_SAMPLES) // _HOP_SAMPLES
    index = np.arange(_FRAME_SAMPLES)[None, :] + _HOP_SAMPLES * np.arange(count)[:, None]
    power = np.abs(np.fft.rfft(emphasised[index] * np.hamming(_FRAME_SAMPLES), _FFT_SIZE)) ** 2
    bands, cosines = _mel_and_dct()
    return np.log(power @ bands.T + 1e-10) @ cosines.T


def dtw_distances(query: np.ndarray, templates: list[np.ndarray]) -> np.ndarray:
    """Mean frame distance along the best warping path from ``query`` to each template (inf if none fits).

    All templates at once, one query frame at a time: each step moves one query frame on and the template
    0, 1 or 2 frames, so a template may be up to twice as fast or any slower (bounded by the band); the path
    starts and ends within ``BAND`` of the templates' ends, which tolerates a syllable trimmed differently.
    """
    if not templates:
        return np.zeros(0)
    longest = max(len(template) for template in templates)
    stacked = np.zeros((len(templates), longest, query.shape[1]))
    lengths = np.array([len(template) for template in templates])
    for row, template in enumerate(templates):
        stacked[row, :len(template)] = template
    squared = (np.sum(query**2, axis=1)[None, :, None] + np.sum(stacked**2, axis=2)[:, None, :]
               - 2 * np.matmul(query, stacked.transpose(0, 2, 1)))
    cost = np.sqrt(np.maximum(squared, 0.0))
    position = np.arange(longest)[None, None, :] / lengths[:, None, None]
    progress = np.arange(len(query))[None, :, None] / len(query)
    cost[(np.abs(position - progress) > BAND) | (position >= 1.0)] = np.inf
    totals = np.full((len(templates), longest + 2), np.inf)  # two columns of inf: nothing comes from before frame 0
    totals[:, 2:] = cost[:, 0, :]
    for step in range(1, len(query)):
        came_from = np.minimum(np.minimum(totals[:, 2:], totals[:, 1:-1]), totals[:, :-2])
        totals[:, 2:] = cost[:, step, :] + came_from
    return totals[np.arange(len(templates)), lengths + 1] / len(query)


def _summary(frames: np.ndarray) -> np.ndarray:
    return np.concatenate([part.mean(axis=0) for part in np.array_split(frames, PREFILTER_SEGMENTS)])


_FRAME_SAMPLES = round(FRAME_SECONDS * SAMPLE_RATE)
_HOP_SAMPLES = round(HOP_SECONDS * SAMPLE_RATE)
_FRAME_BYTES, _HOP_BYTES = 2 * _FRAME_SAMPLES, 2 * _HOP_SAMPLES
_FFT_SIZE = 512


@functools.cache
def _mel_and_dct() -> tuple[np.ndarray, np.ndarray]:
    """Triangular mel filters over the FFT bins, and the DCT-II rows for c1..c12."""
    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    edges_mel = np.linspace(mel(np.array(LOWEST_HZ)), mel(np.array(HIGHEST_HZ)), MEL_BANDS + 2)
    edges = 700.0 * (10 ** (edges_mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(_FFT_SIZE, 1 / SAMPLE_RATE)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    bands = np.maximum(0.0, np.minimum((bins - lower) / (centre - lower), (upper - bins) / (upper - centre)))
    order = np.arange(1, CEPSTRA)[:, None]
    cosines = np.cos(np.pi * order * (np.arange(MEL_BANDS) + 0.5)[None, :] / MEL_BANDS)
    return bands, cosines
