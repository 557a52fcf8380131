#!/usr/bin/env python3
"""What reading the switch costs: one look for the device by name, CPU per input event, and the delay from
an event being written to its callback. Events go through a real FIFO in a device tree built in a temporary
folder (tests/test_switch.py's), as no machine here has a real input device to spare.

    .venv/bin/python scripts/bench_switch.py

Times are wall-clock or CPU on whatever machine runs it (say which when quoting them); the machine the
numbers in voice_assist/switch.py came from had 2 cores shared with other work.
"""

from __future__ import annotations

import os
import queue
import tempfile
import time
from pathlib import Path

from tests.test_switch import ENTER, SPACE, add_device, key_event
from voice_assist.config import Settings
from voice_assist.switch import InputRoots, SwitchChange, find_device, open_switch

LOOKS = 1000
EVENTS = 20_000
SINGLE_EVENTS = 200
OTHER_KEYBOARDS = 10


def main() -> None:
    roots = InputRoots(Path(tempfile.mkdtemp()) / "sys", Path(tempfile.mkdtemp()) / "dev")
    fifo = add_device(roots, 3, "Acme Big Button", {SPACE, ENTER}, by_id="usb-Acme_Big_Button-event-kbd")
    for number in range(10, 10 + OTHER_KEYBOARDS):
        add_device(roots, number, f"Keyboard {number}", set(range(1, 120)))
    start = time.perf_counter()
    for _ in range(LOOKS):
        find_device("big button", "space", roots)
    look = (time.perf_counter() - start) / LOOKS
    print(f"one look for the switch by name among {OTHER_KEYBOARDS + 1} keyboards: {look * 1e3:.2f} ms (wall)")

    changes: queue.Queue[SwitchChange] = queue.Queue()
    writer = os.open(fifo, os.O_RDWR)
    switch = open_switch(Settings(switch_device="big button"), changes.put, print, roots=roots)
    assert switch is not None
    with switch:
        cpu = time.process_time()
        data = memoryview(b"".join(key_event(SPACE, 1 - index % 2) for index in range(EVENTS)))
        while data:
            data = data[os.write(writer, data[:4096]):]
        for _ in range(EVENTS):
            changes.get()
        per_event = (time.process_time() - cpu) / EVENTS
        print(f"{EVENTS} presses and releases: {per_event * 1e6:.1f} us CPU per event (writer and reader)")
        delays = []
        for index in range(SINGLE_EVENTS):
            start = time.perf_counter()
            os.write(writer, key_event(SPACE, 1 - index % 2))
            changes.get()
            delays.append(time.perf_counter() - start)
        delays.sort()
        print(f"written to reported, one event at a time: median {delays[len(delays) // 2] * 1e6:.0f} us, "
              f"slowest {delays[-1] * 1e6:.0f} us (wall)")
    os.close(writer)


if __name__ == "__main__":
    main()
