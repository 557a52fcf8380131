"""Speech-out latencies through a private PulseAudio server (virtual speaker): numbers only.

- first audio: from say() to the first sample handed to PortAudio, and to the first sound recorded on
  the speaker's monitor;
- stop to silence: from stop() during a long passage to the last sound recorded.

Times on the recording are measured from file-size marks taken at say()/stop() (parecord writes samples
as they arrive, so both marks carry the same small recorder delay). Usage: .venv/bin/python
scripts/bench_speak.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.virtual_audio import RECORDING_RATE, TEN_MS, VirtualAudio, loud_frames, recorded_bytes, virtual_audio
from voice_assist.devices import refresh_devices
from voice_assist.speak.speaker import Speaker

TEXT = ("ALS is a disease of the nerve cells that control the muscles. Over time it weakens the arms, "
        "the legs, speech, swallowing and breathing. There is no cure yet, but care helps a lot. ") * 3


def _one_run(speaker: Speaker, path: Path) -> tuple[float, float, float]:
    said_position = recorded_bytes(path)
    said_at = time.monotonic()
    speaker.say(TEXT)
    time.sleep(2.0)
    stop_position = recorded_bytes(path)
    speaker.stop()
    time.sleep(1.0)
    first_callback = (speaker.first_sample_time or float("nan")) - said_at
    heard = loud_frames(path, said_position)
    first_heard = heard[0] / 100 if heard.size else float("nan")
    stop_frame = (stop_position - said_position) // 2 / TEN_MS
    silence_after = (heard[-1] + 1 - stop_frame) / 100 if heard.size else float("nan")
    return first_callback, first_heard, silence_after


def _report(name: str, values: list[float]) -> None:
    print(f"{name:<28} median={statistics.median(values):.3f}  max={max(values):.3f}  n={len(values)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with virtual_audio() as pulse:
        return _bench(pulse, args.runs)


def _bench(pulse: VirtualAudio, runs: int) -> int:
    refresh_devices()  # PortAudio started before the private server did
    path = Path(pulse.runtime_dir) / "bench-speaker.raw"
    with Speaker() as speaker, pulse.record_speaker(path):
        while not path.exists() or path.stat().st_size < RECORDING_RATE:
            time.sleep(0.02)
        while speaker.worker_pid is None:
            time.sleep(0.02)
        results = [_one_run(speaker, path) for _ in range(runs)]
    first_callback, first_heard, stop_to_silence = (list(column) for column in zip(*results, strict=True))
    _report("first_sample_to_device_s", first_callback)
    _report("first_sound_on_speaker_s", first_heard)
    _report("stop_to_silence_s", stop_to_silence)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
