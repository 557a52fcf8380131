"""The audio side of learning the user's voice, for the loop: measuring takes, keeping them, saving them to the
voice folder, forgetting them, and matching an utterance against them.

The conversation core decides (``enrolment.py``); this only does what its actions say, and reports back in
events. Takes of the phrase under way stay in memory until the phrase has all of them (``SaveTakes``), so
stopping half way leaves the phrase's old recordings as they were.
"""

from __future__ import annotations

import logging

from voice_assist.events import TakeMeasured, TakesSaved, VoiceForgotten
from voice_assist.example_store import ExampleStore, load_matcher
from voice_assist.examples import HOP_SECONDS, ExampleMatch, ExampleMatcher, dtw_distances, voiced_features

log = logging.getLogger(__name__)


class VoiceTakes:
    """The user's recordings (``store``) and the matcher that knows them, kept in step."""

    def __init__(self, store: ExampleStore, matcher: ExampleMatcher) -> None:
        self.store = store
        self.matcher = matcher
        self._measured: tuple[str, bytes] | None = None
        """The utterance measured last, and the phrase it was measured as."""
        self._kept: dict[str, list[bytes]] = {}
        """Takes of this session not saved yet, by phrase."""

    @classmethod
    def load(cls, store: ExampleStore) -> VoiceTakes:
        """Everything ``store`` holds, enrolled in a new matcher (unusable files are skipped and logged)."""
        matcher, _problems = load_matcher(store)
        if matcher.phrases:
            log.info("Matching by %d phrases of the user's own voice (%s)", len(matcher.phrases), store.folder)
        return cls(store, matcher)

    def match(self, pcm: bytes) -> ExampleMatch | None:
        """The enrolled phrase said in ``pcm`` (with some silence around it), or None; nothing is computed while
        nothing is enrolled."""
        return self.matcher.match(pcm) if self.matcher.phrases and pcm else None

    def measure(self, phrase: str, pcm: bytes) -> TakeMeasured:
        """How long the voice in ``pcm`` lasts, and how far it is from the takes of ``phrase`` kept so far."""
        self._measured = (phrase, pcm)
        frames = voiced_features(pcm)
        if frames is None:
            return TakeMeasured(phrase, 0.0, None)
        others = [found for kept in self._kept.get(phrase, []) if (found := voiced_features(kept)) is not None]
        distance = float(min(dtw_distances(frames, others))) if others else None
        return TakeMeasured(phrase, len(frames) * HOP_SECONDS, distance)

    def keep(self, phrase: str) -> None:
        """Keep the take measured last (if it was measured as ``phrase``)."""
        if self._measured is not None and self._measured[0] == phrase:
            self._kept.setdefault(phrase, []).append(self._measured[1])
        self._measured = None

    def save(self, phrase: str) -> TakesSaved:
        """Replace the recordings of ``phrase`` with the takes kept, on disk and in the matcher."""
        takes = self._kept.pop(phrase, [])
        try:
            self.store.replace(phrase, takes)
        except (OSError, ValueError) as error:
            log.error("Could not save the recordings of %r in %s: %s", phrase, self.store.folder, error)
            return TakesSaved(phrase, 0, f"{error}. Check that {self.store.folder} can be written.")
        self.matcher.remove(phrase)
        enrolled = sum(self.matcher.add(phrase, pcm) for pcm in takes)
        log.info("Learned %r from %d takes (in %s)", phrase, enrolled, self.store.folder)
        return TakesSaved(phrase, enrolled)

    def drop(self) -> None:
        """Forget the takes not saved."""
        self._kept.clear()
        self._measured = None

    def forget(self) -> VoiceForgotten:
        """Delete every recording and unlearn every phrase."""
        self.drop()
        for phrase in self.matcher.phrases:
            self.matcher.remove(phrase)
        try:
            takes = self.store.forget()
        except OSError as error:
            log.error("Could not delete the recordings in %s: %s", self.store.folder, error)
            return VoiceForgotten(0, f"{error}. Delete {self.store.folder} by hand.")
        log.info("Deleted %d recordings of the user's voice from %s", takes, self.store.folder)
        return VoiceForgotten(takes)
