"""A few simulated minutes of scripts/soak.py: the conversation leaks no threads or file descriptors.

The long run (``scripts/soak.py --hours 8``) prints memory growth per hour; this only checks that what
the loop opens per turn is closed again.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SOAK = Path(__file__).resolve().parents[1] / "scripts" / "soak.py"

pytestmark = pytest.mark.slow  # a real recognizer, in simulated hours


def load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_a_short_soak_leaks_no_threads_or_file_descriptors() -> None:
    soak = load_soak()
    report = soak.run_soak(0.05, seed=7, engine="pocketsphinx", sample_minutes=0.5)
    warm, last = report.samples[1], report.samples[-1]
    assert last.hours >= 0.05
    assert last.replies >= 2, report.events  # it really conversed
    assert last.threads == warm.threads, report.samples
    assert last.fds == warm.fds, report.samples
    assert max(sample.fds for sample in report.samples[1:]) == warm.fds
    assert not report.unasked, report.unasked  # no false call for help, nothing selected outside scanning


OWN_SENTENCES = ("Sorry, I didn't catch that. Please say it again.", "Speaking slower.", "Speaking louder.",
                 "This is as loud as I can speak.", "Treatment. Riluzole slows the disease a little. Do you want more?")
"""Sentences whose echo the recognizer hears as commands: said as words ("didn't catch that" is repeat)
or misheard ("Speaking louder." came back as "i cant the", which is louder)."""


def echo_replies(soak: ModuleType, workdir: Path) -> list[int]:
    """For each of the assistant's sentences, how many replies it gave to hearing only itself (its echo)."""
    run = soak.Soak(1.0, seed=3, engine="pocketsphinx", workdir=workdir, on_sample=lambda sample: None,
                    sample_minutes=600)
    run.room(2.0)
    counts = []
    for sentence in OWN_SENTENCES:
        before = run.speech.replies
        loop = run.conversation  # the core says the sentence (so it knows what it is saying), the loop plays it
        loop._carry_out(loop.conversation._say(sentence))
        for _ in range(120):  # the echo, then a quiet room
            run.room(1.0)
            if not run.speech.speaking:
                break
        run.room(3.0)
        counts.append(run.speech.replies - before - 1)
    return counts


def test_the_assistant_does_not_keep_answering_its_own_voice(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """At most one reply to an echo (a misheard one cannot be told from the user), never a loop."""
    soak = load_soak()
    assert max(echo_replies(soak, tmp_path / "guarded")) <= 1
    from voice_assist.conversation.listening import Listening

    monkeypatch.setattr(Listening, "is_own_echo", lambda self, command, saying: False)
    assert max(echo_replies(soak, tmp_path / "unguarded")) >= 3  # without the guard it talks to itself
