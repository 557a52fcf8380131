"""The call for help's latencies through a private PulseAudio server: numbers only.

- start to first chime: from Alarm.start() to the first sound recorded on the virtual speaker's monitor
  (alarm_output unset: a PortAudio stream) and on a second null sink "bedroom" (alarm_output = "bedroom":
  paplay, with the main speaker sounding softly beside it);
- stop to silence: from Alarm.stop() to the last sound recorded;
- the CPU the alarm takes while sounding on the main speaker (this process; the sound server not counted).

Times on the recordings are measured from file-size marks taken at start()/stop(); parecord's own delay
(about 20 ms) is in both, so these are upper bounds. Wall-clock times on a shared 2-core machine: compare
them with the target (first chime within 1 s of the help signal), not with each other to the millisecond.
Usage: .venv/bin/python scripts/bench_alarm.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.virtual_audio import TEN_MS, VirtualAudio, loud_frames, recorded_bytes, virtual_audio
from voice_assist.alarm import Alarm
from voice_assist.devices import refresh_devices

SOUNDING = 1.5
"""Seconds each alarm sounds before stop(): inside the first chime, so stop() cuts a tone."""
SETTLE = 0.7
"""Seconds after stop() before the next start: the recording catches any tail."""
CPU_SECONDS = 10.0


def _one_run(alarm: Alarm, paths: list[Path]) -> list[tuple[float, float]]:
    """(start to first sound, stop to silence) on each recording."""
    started = [recorded_bytes(path) for path in paths]
    alarm.start()
    time.sleep(SOUNDING)
    stopped = [recorded_bytes(path) for path in paths]
    alarm.stop()
    time.sleep(SETTLE)
    results = []
    for path, start, stop in zip(paths, started, stopped, strict=True):
        loud = loud_frames(path, start)
        stop_frame = (stop - start) // 2 / TEN_MS
        first = loud[0] / 100 if loud.size else float("nan")
        last = max(0.0, (loud[-1] + 1 - stop_frame) / 100) if loud.size else float("nan")
        results.append((first, last))
    return results


def _report(name: str, values: list[float]) -> None:
    heard = [value for value in values if not np.isnan(value)]
    missed = f"  NOT HEARD in {len(values) - len(heard)} runs" if len(heard) < len(values) else ""
    print(f"{name:<46} p50={statistics.median(heard):.3f}  max={max(heard):.3f}  n={len(heard)}{missed}")


def _scenario(pulse: VirtualAudio, output: str | None, sinks: list[str], runs: int) -> None:
    paths = [Path(pulse.runtime_dir) / f"bench-{output}-{sink}.raw" for sink in sinks]  # fresh files
    with ExitStack() as stack:
        for path, sink in zip(paths, sinks, strict=True):
            stack.enter_context(pulse.record_speaker(path, sink=sink))
        alarm = stack.enter_context(Alarm(output, on_problem=lambda problem: print(f"  problem: {problem}")))
        runs_results = [_one_run(alarm, paths) for _ in range(runs)]
    label = f"alarm_output={output!r}"
    for number, sink in enumerate(sinks):
        _report(f"{label} start->chime on {sink} (s)", [run[number][0] for run in runs_results])
        _report(f"{label} stop->silence on {sink} (s)", [run[number][1] for run in runs_results])


def _cpu_share(runs_seconds: float) -> float:
    with Alarm(None) as alarm:
        alarm.start()
        time.sleep(0.5)
        cpu, wall = time.process_time(), time.monotonic()
        time.sleep(runs_seconds)
        share = (time.process_time() - cpu) / (time.monotonic() - wall)
        alarm.stop()
    return share


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with virtual_audio() as pulse:
        refresh_devices()  # PortAudio started before the private server did
        pulse.pactl("load-module", "module-null-sink", "sink_name=bedroom",
                    "sink_properties=device.description=Bedroom")
        _scenario(pulse, None, ["speaker"], args.runs)
        _scenario(pulse, "bedroom", ["bedroom", "speaker"], args.runs)
        print(f"{'CPU share while sounding (this process)':<46} {_cpu_share(CPU_SECONDS):.2%} of one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
