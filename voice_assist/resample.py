"""Sample-rate conversion for mono audio: windowed-sinc interpolation, usable on a stream.

Each output sample is a Kaiser-windowed sinc sum over nearby input samples. When the rate goes down, the
sinc is widened (its cut-off lowered to the output's Nyquist frequency) so that what cannot be represented
at the lower rate is filtered out instead of folding back as aliasing noise, which recognizers hear as hiss.
"""

from __future__ import annotations

import numpy as np

ZERO_CROSSINGS = 16
"""Half-width of the kernel in zero crossings of the sinc: enough for a sharp (~5 %) transition band."""
KAISER_BETA = 8.6
"""Kaiser window shape: about 80 dB stop-band attenuation, far below what a microphone picks up."""
ROLL_OFF = 0.94
"""Cut-off as a fraction of the lower Nyquist frequency, leaving room for the transition band."""
_MAX_PHASES = 4096
"""Above this many distinct sub-sample positions (odd rate pairs) weights are computed per sample instead."""
_CHUNK = 4096
"""Output samples computed per vectorized step, bounding the size of the temporary tap matrix."""


class Resampler:
    """Converts float samples from ``from_rate`` to ``to_rate`` (Hertz), chunk by chunk.

    Feed chunks with ``process``; call ``flush`` once at the end to get the last samples (the input is
    padded with silence). A fresh Resampler is needed per stream.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {from_rate} and {to_rate}")
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._cutoff = min(1.0, to_rate / from_rate) * ROLL_OFF
        """Cut-off relative to the input Nyquist frequency."""
        self._half_width = int(np.ceil(ZERO_CROSSINGS / self._cutoff))
        """Kernel half-width in input samples."""
        self._pending_start = -self._half_width
        """Absolute input index of ``_pending[0]``; starting with virtual silence before the stream."""
        self._pending = np.zeros(self._half_width, dtype=np.float64)
        self._next_output = 0
        """Absolute index of the next output sample."""
        self._offsets = np.arange(-self._half_width + 1, self._half_width + 1, dtype=np.int64)
        self._bank = self._filter_bank()

    def _filter_bank(self) -> np.ndarray | None:
        """Weights for every sub-sample position: with rational rates these repeat, so compute them once."""
        phases = self.to_rate // np.gcd(self.from_rate, self.to_rate)
        if phases > _MAX_PHASES:
            return None
        fraction = np.arange(phases) / phases
        return _kernel(fraction[:, None] - self._offsets[None, :], self._cutoff, self._half_width)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Resample a chunk; returns as many output samples as the input so far allows (float64)."""
        samples = np.asarray(samples, dtype=np.float64).reshape(-1)
        if self.from_rate == self.to_rate:
            return samples.copy()
        self._pending = np.concatenate([self._pending, samples])
        return self._drain()

    def flush(self) -> np.ndarray:
        """The remaining output, as if the stream were followed by silence."""
        if self.from_rate == self.to_rate:
            return np.zeros(0, dtype=np.float64)
        received = self._pending_start + len(self._pending)
        total_outputs = -(-received * self.to_rate // self.from_rate)  # ceiling: covers every input sample
        self._pending = np.concatenate([self._pending, np.zeros(self._half_width + 1)])
        return self._drain(limit=total_outputs)

    def _drain(self, limit: int | None = None) -> np.ndarray:
        available_end = self._pending_start + len(self._pending)
        # Output n sits at input position n * from / to; it needs inputs up to floor(position) + half-width.
        last = (available_end - self._half_width - 1) * self.to_rate // self.from_rate
        end = last + 1 if limit is None else min(last + 1, limit)
        outputs = [self._compute(start, min(start + _CHUNK, end)) for start in range(self._next_output, end, _CHUNK)]
        self._next_output = max(self._next_output, end)
        self._discard_consumed()
        return np.concatenate(outputs) if outputs else np.zeros(0, dtype=np.float64)

    def _compute(self, first: int, stop: int) -> np.ndarray:
        indices = np.arange(first, stop, dtype=np.int64)
        base = indices * self.from_rate // self.to_rate
        remainder = indices * self.from_rate % self.to_rate
        taps = base[:, None] + self._offsets[None, :]
        if self._bank is not None:
            weights = self._bank[remainder * len(self._bank) // self.to_rate]
        else:
            weights = _kernel((remainder / self.to_rate)[:, None] - self._offsets[None, :], self._cutoff,
                              self._half_width)
        values = self._pending[taps - self._pending_start]
        return np.einsum("ij,ij->i", values, weights)

    def _discard_consumed(self) -> None:
        needed_from = self._next_output * self.from_rate // self.to_rate - self._half_width + 1
        drop = max(0, needed_from - self._pending_start)
        if drop:
            self._pending = self._pending[drop:]
            self._pending_start += drop


def _kernel(distance: np.ndarray, cutoff: float, half_width: int) -> np.ndarray:
    """Low-pass interpolation weights for input samples ``distance`` input samples away."""
    ratio = np.clip(distance / half_width, -1.0, 1.0)
    window = np.i0(KAISER_BETA * np.sqrt(1.0 - ratio * ratio)) / np.i0(KAISER_BETA)
    return cutoff * np.sinc(cutoff * distance) * window


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a whole mono signal (float); the output has ``ceil(len * to / from)`` samples."""
    resampler = Resampler(from_rate, to_rate)
    return np.concatenate([resampler.process(samples), resampler.flush()])
