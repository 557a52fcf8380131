"""Prints what audio input costs on this machine: CPU per second of audio for each stage.

    .venv/bin/python scripts/bench_audio_in.py

The microphone path runs these for every 30 ms frame, so the sum must stay far below 1000 ms per second
on a 2-core mini-PC, leaving the CPU to the recognizer.
"""

from __future__ import annotations

import time

import numpy as np

from voice_assist.audio_in import to_pcm16
from voice_assist.resample import Resampler, resample
from voice_assist.vad import UtteranceDetector

SECONDS = 60
RATE = 16_000


def per_second(seconds_spent: float) -> str:
    return f"{seconds_spent / SECONDS * 1000:6.1f} ms per second of audio"


def bench_detector() -> None:
    noise = np.random.default_rng(0).normal(0, 1000, RATE * SECONDS)
    pcm = to_pcm16(noise / 32768)
    detector = UtteranceDetector()
    start = time.perf_counter()
    for offset in range(0, len(pcm), 960):
        detector.push(pcm[offset:offset + 960])
    print(f"end-of-question detection, 30 ms frames:        {per_second(time.perf_counter() - start)}")


def bench_resampler(rate: int) -> None:
    signal = np.random.default_rng(1).normal(0, 0.1, rate * SECONDS)
    chunk = rate * 30 // 1000
    resampler = Resampler(rate, RATE)
    start = time.perf_counter()
    for offset in range(0, len(signal), chunk):
        resampler.process(signal[offset:offset + chunk])
    streaming = time.perf_counter() - start
    start = time.perf_counter()
    resample(signal, rate, RATE)
    whole = time.perf_counter() - start
    print(f"resampling {rate:>5} Hz -> 16 kHz, 30 ms chunks:  {per_second(streaming)}"
          f"   (whole file: {per_second(whole)})")


def main() -> None:
    bench_detector()
    for rate in (8000, 22050, 44100, 48000):
        bench_resampler(rate)


if __name__ == "__main__":
    main()
