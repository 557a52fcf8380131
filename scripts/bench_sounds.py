#!/usr/bin/env python3
"""Benchmark the detector of selecting sounds (voice_assist/sounds.py) on generated material (tests/sound_material.py).

Prints, for a few values of ``level_db`` (the setting ``sound_level``): detection rate per sound kind and level,
false onsets per hour of TV babble, conversation, the assistant's own voice (echo) and a fan switched on, the
onset delay (ms of audio from the sound's start to the end of the 30 ms frame in which it is reported), how
often talk makes three short sounds in quick succession (a false call for help), and the CPU cost as a
real-time factor (CPU seconds per second of audio: a ratio, but the machine is shared, so it varies).

    .venv/bin/python scripts/bench_sounds.py                  # the held-out material (seeds from 1000 on)
    .venv/bin/python scripts/bench_sounds.py --split tuning   # the material the defaults were chosen on
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import sound_material as material  # noqa: E402
from voice_assist.sounds import DEFAULT_LEVEL_DB, SoundDetector, SoundTuning  # noqa: E402

FRAME_SECONDS = 0.03
"""The microphone's frames."""
SOUND_LEVELS = (10, 15, 20, 25, 30, 40)
"""dB of a sound's loudest 10 ms over the room's noise."""
TALKS = (("babble", 15), ("babble", 20), ("conversation", 20), ("conversation", 25), ("echo", 10),
         ("echo", 20), ("echo", 30))
"""Talk and its level over the room (dB): a TV at room level and loud, a conversation 1-2 m away at a normal
and a raised voice, the assistant's voice in the microphone from a headset-like 10 dB to a speaker beside it."""
ECHO_SOUND_OVER = (5, 10, 15, 20)
"""dB of a hum's loudest 10 ms over the loudest 10 ms of the echo it is made in."""
TRIPLE_RULES = ((0.5, 2.5, 0.0), (0.5, 2.0, 0.0), (0.3, 2.5, 0.0), (1.0, 3.0, 0.0), (0.5, 2.5, 1.0),
                (0.5, 2.5, 1.5), (0.5, 2.5, 2.0))
"""(longest sound L, seconds W from the first onset to the third end, quiet Q): three such sounds, with no
other sound in the Q seconds before the first or after the third, are a call for help."""
CALL_LEVELS = (20, 25, 30)
"""dB over the room of the three sounds of a call for help."""


@dataclass(frozen=True)
class Heard:
    onset: float
    """Seconds into the scene (the block where it started)."""
    reported: float
    """The end of the frame it was reported in."""
    seconds: float
    """How long it lasted (-1 when the scene ended within it)."""
    word: bool = False
    """Short, voiced, with a moving spectrum: a spoken word, never part of a call for help."""


def detect(scene: material.Scene, level_db: float, tuning: SoundTuning | None = None) -> list[Heard]:
    """The sounds heard in the scene, pushed in 30 ms frames."""
    heard: list[Heard] = []
    for one in material.listen(scene, SoundDetector(level_db, tuning), FRAME_SECONDS):
        if one.edge.started:
            heard.append(Heard(one.at, one.reported, -1.0))
        elif heard:
            heard[-1] = Heard(heard[-1].onset, heard[-1].reported, one.edge.seconds, one.edge.word)
    return heard


def triples(heard: list[Heard], longest: float, within: float, quiet: float) -> int:
    """Times three sounds in a row, each at most ``longest`` and none a spoken word, end within ``within`` of the
    first onset, with no other sound in the ``quiet`` seconds before the first and after the third."""
    count, index = 0, 0
    while index + 2 < len(heard):
        three = heard[index:index + 3]
        end = three[2].onset + three[2].seconds
        alone_before = index == 0 or _end(heard[index - 1]) <= three[0].onset - quiet
        alone_after = index + 3 == len(heard) or heard[index + 3].onset >= end + quiet
        if all(0 <= one.seconds <= longest and not one.word for one in three) and end - three[0].onset <= within and \
                alone_before and alone_after:
            count, index = count + 1, index + 3
        else:
            index += 1
    return count


def _end(heard: Heard) -> float:
    return heard.onset + max(heard.seconds, 0.0)


def matched(scene: material.Scene, heard: list[Heard]) -> tuple[list[tuple[material.TrueSound, Heard]], int]:
    """Each true sound with the first onset within it (or 50 ms after), and the count of other onsets."""
    pairs = []
    used: set[int] = set()  # id() of the onsets matched
    for truth in scene.sounds:
        hits = [one for one in heard if truth.start - 0.02 <= one.onset <= truth.end + 0.05 and id(one) not in used]
        if hits:
            pairs.append((truth, hits[0]))
            used.update(id(one) for one in hits)
    return pairs, len(heard) - len(used)


class Detection(NamedTuple):
    """How the selecting sounds were heard at one level_db."""

    rates: dict[tuple[str, str, int], float]
    """The share of sounds caught by (kind, room, sound level)."""
    delays: dict[str, list[float]]
    """Onset delays (ms) by kind."""
    lengths: dict[str, list[tuple[float, float]]]
    """(measured, true) seconds by kind."""
    extra: int
    """Other onsets: a sound heard twice, or room noise."""


def detection(sound_scenes: dict[tuple[str, str, int], list[material.Scene]], level: float,
              timed: Callable[[material.Scene, float], list[Heard]]) -> Detection:
    """The selecting sounds of the scenes through the detector at ``level`` dB (``timed``: detect, timed)."""
    rates, extra = {}, 0
    delays: dict[str, list[float]] = {}
    lengths: dict[str, list[tuple[float, float]]] = {}
    for (kind, room, sound_level), scenes in sound_scenes.items():
        found = total = 0
        for scene in scenes:
            pairs, others = matched(scene, timed(scene, level))
            found, total, extra = found + len(pairs), total + len(scene.sounds), extra + others
            for truth, one in pairs:
                delays.setdefault(kind, []).append(1000 * (one.reported - truth.start))
                lengths.setdefault(kind, []).append((one.seconds, truth.end - truth.start))
        rates[kind, room, sound_level] = found / total
    return Detection(rates, delays, lengths, extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("held-out", "tuning"), default="held-out")
    parser.add_argument("--levels", type=float, nargs="+", default=[10, 15, 20, 25, 30],
                        help="values of level_db to compare (default: 10 15 20 25 30)")
    parser.add_argument("--talk-minutes", type=float, default=5.0, help="minutes of each kind of talk")
    parser.add_argument("--seeds", type=int, default=3, help="scenes (of 4 sounds) per kind, room and level")
    parser.add_argument("--halting", type=int, default=40, help="questions asked a word at a time")
    arguments = parser.parse_args()
    base = material.HELD_OUT_SEEDS if arguments.split == "held-out" else 0
    levels = sorted(set(arguments.levels) | {DEFAULT_LEVEL_DB})
    print(f"Material: {arguments.split} (seeds from {base}); default level_db {DEFAULT_LEVEL_DB:g}")
    cpu, audio = [0.0], [0.0]

    def timed(scene: material.Scene, level: float) -> list[Heard]:
        began = time.process_time()
        heard = detect(scene, level)
        cpu[0] += time.process_time() - began
        audio[0] += scene.seconds
        return heard

    sound_scenes = {(kind, room, level): [material.sound_scene(base + seed, room, kind, level)
                                          for seed in range(arguments.seeds)]
                    for kind in material.SOUND_KINDS for room in material.ROOMS for level in SOUND_LEVELS}
    talk_count = max(1, round(arguments.talk_minutes))
    talk_scenes = {talk: [material.talk_scene(base + 100 + seed, talk[0], talk[1], seconds=60.0)
                          for seed in range(talk_count)] for talk in TALKS}
    fan_scenes = [material.noise_scene(base + 200 + seed, "fan_on") for seed in range(talk_count * 3)]
    halting_scenes = [material.halting_scene(base + 500 + seed) for seed in range(arguments.halting)]
    call_scenes = [material.call_scene(base + 400 + seed, room, kind, level) for seed in range(arguments.seeds)
                   for room in material.ROOMS for kind in material.SOUND_KINDS for level in CALL_LEVELS]
    echo_sound = {over: [material.echo_with_sound(base + 300 + seed, echo, over, kind)
                         for seed in range(arguments.seeds) for echo in (10, 20, 30)
                         for kind in ("hum", "tongue_click", "cough")] for over in ECHO_SOUND_OVER}

    summary = []
    for level in levels:
        rates, delays, lengths, extra = detection(sound_scenes, level, timed)
        false_per_hour = {}
        false_calls: dict[tuple[str, int], list[float]] = {}
        """Per talk: false calls for help an hour, for each rule of TRIPLE_RULES."""
        for talk, scenes in talk_scenes.items():
            heard = [timed(scene, level) for scene in scenes]
            hours = sum(scene.seconds for scene in scenes) / 3600
            false_per_hour[talk] = sum(map(len, heard)) / hours
            false_calls[talk] = [sum(triples(one, *rule) for one in heard) / hours for rule in TRIPLE_RULES]
        fan_on = sum(len(timed(scene, level)) for scene in fan_scenes) / len(fan_scenes)
        over_echo = {over: sum(bool(matched(scene, timed(scene, level))[0]) for scene in scenes) / len(scenes)
                     for over, scenes in echo_sound.items()}
        calls = [timed(scene, level) for scene in call_scenes]
        shares: dict[str, list[float]] = {"calls caught": [sum(triples(one, *rule) > 0 for one in calls) / len(calls)
                                                           for rule in TRIPLE_RULES]}
        halting = [timed(scene, level) for scene in halting_scenes]
        shares["halting asked"] = [sum(triples(one, *rule) > 0 for one in halting) / len(halting)
                                   for rule in TRIPLE_RULES]
        summary.append((level, rates, false_per_hour, false_calls, shares, fan_on, over_echo, delays, extra))
        if level == DEFAULT_LEVEL_DB:
            _print_default(level, rates, delays, lengths, extra)

    _print_tradeoff(summary)
    _print_triples(summary)
    print(f"\nCPU: {cpu[0]:.1f} s for {audio[0] / 60:.0f} min of audio, real-time factor {cpu[0] / audio[0]:.4f} "
          "(CPU seconds per second of audio, one core, while other work shares the machine)")


def _print_default(level: float, rates: dict, delays: dict, lengths: dict, extra: int) -> None:
    print(f"\nDetection rate at level_db {level:g} (share of sounds caught; sound level = loudest 10 ms over the room)")
    print(f"{'kind':<14}{'room':<7}" + "".join(f"{f'+{sound}':>7}" for sound in SOUND_LEVELS))
    for kind in material.SOUND_KINDS:
        for room in material.ROOMS:
            print(f"{kind:<14}{room:<7}" + "".join(f"{rates[kind, room, sound]:>7.0%}" for sound in SOUND_LEVELS))
    print(f"Other onsets in these scenes (a sound heard twice, or room noise): {extra}")
    print("\nOnset delay (ms of audio from the sound's start to the end of the 30 ms frame reporting it) and "
          "length measured / true")
    for kind in material.SOUND_KINDS:
        ms = sorted(delays.get(kind, [0.0]))
        ratio = [measured / true for measured, true in lengths.get(kind, []) if measured >= 0]
        print(f"  {kind:<14} median {statistics.median(ms):5.0f}  90% {_quantile(ms, 0.9):5.0f}  max {ms[-1]:5.0f}"
              f"   length ratio median {statistics.median(ratio or [0]):.2f} "
              f"(10% {_quantile(sorted(ratio or [0]), 0.1):.2f}, 90% {_quantile(sorted(ratio or [0]), 0.9):.2f})")


def _print_tradeoff(summary: Iterable[tuple]) -> None:
    print("\nTrade-off: detection (all kinds, both rooms) by sound level; false onsets per hour; caught over echo")
    head = "".join(f"{f'+{sound}':>6}" for sound in SOUND_LEVELS[1:5])
    talks = "".join(f"{f'{talk[:4]}{level}':>8}" for talk, level in TALKS)
    overs = "".join(f"{f'e+{over}':>6}" for over in ECHO_SOUND_OVER)
    print(f"{'level':>6}{head} |{talks}{'fanon':>7} |{overs}{'delay':>7}")
    for level, rates, false_per_hour, _false_calls, _shares, fan_on, over_echo, delays, _extra in summary:
        by_sound = "".join(f"{_mean(rate for key, rate in rates.items() if key[2] == sound):>6.0%}"
                           for sound in SOUND_LEVELS[1:5])
        per_hour = "".join(f"{false_per_hour[talk]:>8.0f}" for talk in TALKS)
        echo = "".join(f"{over_echo[over]:>6.0%}" for over in ECHO_SOUND_OVER)
        all_delays = sorted(delay for kind in delays.values() for delay in kind)
        print(f"{level:>6g}{by_sound} |{per_hour}{fan_on:>7.2f} |{echo}{statistics.median(all_delays or [0]):>7.0f}")
    print("(fanon: false onsets per fan switched on, 10-30 dB over the hiss, spinning up over 0.5-2 s; "
          "delay: median ms)")


def _print_triples(summary: Iterable[tuple]) -> None:
    print("\nFalse calls for help per hour: three sounds in a row, each <= L s, the third ending <= W s after the "
          "first began, no other sound Q s before or after; and the share of real calls caught (three sounds "
          f"of each kind, <= 0.4 s, 0.15-0.5 s apart, +{'/+'.join(map(str, CALL_LEVELS))} dB)")
    rules = "".join(f"{f'L{longest:g} W{within:g} Q{quiet:g}':>15}" for longest, within, quiet in TRIPLE_RULES)
    print(f"{'level':>6} {'talk':<16}{rules}")
    for level, _rates, _false, false_calls, shares, *_rest in summary:
        for talk in TALKS:
            counts = "".join(f"{count:>15.1f}" for count in false_calls[talk])
            print(f"{level:>6g} {f'{talk[0]} +{talk[1]}':<16}{counts}")
        for label, by_rule in shares.items():
            print(f"{level:>6g} {label:<16}" + "".join(f"{share:>15.0%}" for share in by_rule))
    print("(halting asked: the share of questions asked a word at a time, 0.3-0.8 s after each word, taken for a "
          "call; no sound that is a spoken word counts)")


def _mean(values: Iterable[float]) -> float:
    listed = list(values)
    return sum(listed) / len(listed) if listed else 0.0


def _quantile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


if __name__ == "__main__":
    main()
