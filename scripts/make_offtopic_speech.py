#!/usr/bin/env python3
"""Make the off-topic speech set: sounds the assistant hears that are not meant for it (issue #14).

English sentences and single words about ordinary life (weather, food, family, TV, things at home), many
of them sounding like a factsheet word or a command ("baths", "booth", "pencil", "bachelor"); sentences in
other languages; and sounds that are not speech (coughs, throat clearing, breathing, laughter, a TV in the
room, music, a door, knocking, clapping, a phone, a kettle). The texts are in tests/data/offtopic_speech.csv;
none asks about the factsheet or is a command. Voices: flite's (recorded from people) and espeak-ng's
with varied pitch and speed, slow, halting, "slurred" (muffled, slowed and shaky), in a reverberant room,
and with other people talking or hiss behind them.

Everything follows from one seed: the same seed gives the same manifest and the same audio. A fixed 40 %
is marked ``held_out`` (for speech by text, so held-out clips have wording the tuning clips never have);
tune on the rest. The audio is not kept in the repository: make it again with this script.

    .venv/bin/python scripts/make_offtopic_speech.py                # into ~/.cache/voice-assist/offtopic-speech-14
    .venv/bin/python scripts/make_offtopic_speech.py /tmp/offtopic --limit 20

Writes FOLDER/manifest.csv (one row a clip: id, file, kind, language, voice, condition, text, seed, split
and how it was made) and FOLDER/clips/ID.wav (16 kHz mono). Then run scripts/bench_offtopic.py FOLDER.
"""

from __future__ import annotations

import argparse
import csv
import functools
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from itertools import zip_longest
from pathlib import Path
from typing import TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import spoken  # noqa: E402
from voice_assist.audio_format import SAMPLE_RATE  # noqa: E402
from voice_assist.config import cache_dir  # noqa: E402

SEED = 14
T = TypeVar("T")
HELD_OUT_SHARE = 0.4
TEXTS = ROOT / "tests" / "data" / "offtopic_speech.csv"

CLIPS_PER_KIND = {"sentence": 220, "word": 170, "foreign": 110, "nonspeech": 110}
"""610 clips: English sentences, English single words, other languages, sounds that are not speech."""

ENGLISH_VOICES = (*spoken.FLITE_VOICES, "flite:kal", *spoken.VOICES, "en-gb-scotland+m2", "en-029+f4", "en-us-nyc+m5",
                  "en-gb-x-rp+f2")
"""flite's voices from recordings, and espeak-ng's English voices with men's and women's variants."""

ACCENTED_VOICES = ("de", "nl", "pl", "fr-fr", "it+m3", "flite:awb", "flite:rms", "flite:slt")
"""Voices for "slurred" English: other languages' espeak-ng voices reading English deviate the same way
every time, like a speaker the recognizer was not trained on; flite's, muffled, are the closest to people."""

VOICE_VARIANTS = ("", "+m1", "+m3", "+m5", "+f2", "+f3", "+f4")

SPEECH_CONDITIONS = {"clean": 4, "slow": 1, "halting": 1, "slurred": 2, "reverb": 1, "babble": 1, "hiss": 1}
"""How speech is degraded, with how often; single words are never "halting"."""
BABBLE_SNR_DB = (20, 15, 10)
HISS_SNR_DB = (25, 20, 15)

SOUNDS = ("cough", "throat clearing", "breathing", "laughter", "tv", "music", "door slam", "knock", "clap",
          "phone ring", "kettle")
"""Sounds that are not speech, made with numpy (the TV from several synthesized voices mixed)."""


@dataclass(frozen=True)
class Clip:
    """One clip of the set: a manifest row, and everything needed to make its audio again."""

    id: str
    kind: str
    """"sentence", "word" (English), "foreign" (another language) or "nonspeech"."""
    language: str
    voice: str
    """An espeak-ng voice, "flite:" and a flite voice, several joined by " | " for the TV, or "" for a sound."""
    condition: str
    """For speech: clean, slow, halting, slurred, reverb, babble or hiss; for other sounds, which sound."""
    text: str
    """What is said (the TV's sentences joined by " | "); "" for other sounds."""
    seed: int
    """The seed of this clip's random choices and noise."""
    split: str
    """"tuning" or "held_out"."""
    speed: int = 150
    """Words per minute."""
    pitch: int = 50
    word_gap_ms: int = 0
    effects: str = ""
    """sox effects applied after synthesis, e.g. "lowpass 1800 tempo 0.8 tremolo 6 30"."""
    noise: str = ""
    """"", "babble" or "white"."""
    snr_db: float = 0.0

    @property
    def file(self) -> str:
        return f"clips/{self.id}.wav"


# ---- the plan: which clips, from the seed alone ----

def plan(seed: int = SEED) -> list[Clip]:
    """Every clip of the set, in manifest order (by kind)."""
    texts = _texts()
    clips: list[Clip] = []
    for kind_index, (kind, count) in enumerate(CLIPS_PER_KIND.items()):
        base = seed * 100_000 + kind_index * 10_000
        if kind == "nonspeech":
            clips += _plan_sounds(count, base)
        else:
            clips += _plan_speech(kind, texts[kind], count, base)
    return clips


def sample(items: Sequence[T], limit: int | None, kind_of: Callable[[T], str]) -> list[T]:
    """The first ``limit`` items taken in turn from each kind, so that a small sample has every kind."""
    if limit is None:
        return list(items)
    by_kind: dict[str, list[T]] = {}
    for item in items:
        by_kind.setdefault(kind_of(item), []).append(item)
    interleaved = [item for group in zip_longest(*by_kind.values()) for item in group if item is not None]
    return interleaved[:limit]


@functools.cache
def _texts() -> dict[str, list[tuple[str, str]]]:
    """(language, text) by kind, from tests/data/offtopic_speech.csv."""
    texts: dict[str, list[tuple[str, str]]] = {}
    with TEXTS.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            texts.setdefault(row["kind"], []).append((row["language"], row["text"]))
    return texts


def _plan_speech(kind: str, texts: list[tuple[str, str]], count: int, base: int) -> list[Clip]:
    """``count`` clips cycling through the texts in a seeded order; the first 40 % of texts are held out."""
    rng = np.random.default_rng(base)
    order = [texts[i] for i in rng.permutation(len(texts))]
    held_out = {texts[i][1] for i in rng.choice(len(texts), round(HELD_OUT_SHARE * len(texts)), replace=False)}
    clips = []
    for index in range(count):
        language, text = order[index % len(order)]
        seed = base + index + 1
        how = _speech_options(kind, language, np.random.default_rng(seed))
        clips.append(Clip(f"{kind}-{index:03d}", kind, language, text=text, seed=seed,
                          split="held_out" if text in held_out else "tuning", **how))
    return clips


def _speech_options(kind: str, language: str, rng: np.random.Generator) -> dict:
    """Voice, condition, speed, pitch, pauses, sox effects and noise for one spoken clip."""
    conditions = {name: weight for name, weight in SPEECH_CONDITIONS.items()
                  if not (name == "halting" and kind == "word") and not (name == "reverb" and kind == "foreign")}
    names = list(conditions)
    weights = np.array(list(conditions.values()), dtype=float)
    condition = str(rng.choice(names, p=weights / weights.sum()))
    if language != "en":
        voice = language + str(rng.choice(VOICE_VARIANTS))
    elif condition == "slurred":
        voice = str(rng.choice(ACCENTED_VOICES))
    else:
        voice = str(rng.choice(ENGLISH_VOICES))
    how: dict[str, object] = {"voice": voice, "condition": condition, "speed": int(rng.integers(125, 176)),
                              "pitch": int(rng.integers(25, 76))}
    if condition in ("slow", "halting", "slurred"):
        how["speed"] = int(rng.integers(95, 121))
    if condition == "halting":
        how["word_gap_ms"] = int(rng.integers(15, 31)) * 10  # espeak-ng stretches its gaps when slow
    if condition == "slurred":
        how["effects"] = (f"lowpass {rng.integers(15, 23) * 100} tempo {rng.integers(75, 91) / 100:.2f} "
                          f"tremolo {rng.integers(4, 8)} {rng.integers(20, 41)}")
    if condition == "reverb":
        how["effects"] = f"reverb {rng.integers(40, 81)} 50 {rng.integers(50, 101)}"
    if condition in ("babble", "hiss"):
        how["noise"] = "babble" if condition == "babble" else "white"
        how["snr_db"] = float(rng.choice(BABBLE_SNR_DB if condition == "babble" else HISS_SNR_DB))
    return how


def _plan_sounds(count: int, base: int) -> list[Clip]:
    held_out = set(np.random.default_rng(base).permutation(count)[:round(HELD_OUT_SHARE * count)].tolist())
    clips = []
    for index in range(count):
        seed = base + index + 1
        sound = SOUNDS[index % len(SOUNDS)]
        voice, text = _tv_voices_and_texts(np.random.default_rng(seed)) if sound == "tv" else ("", "")
        clips.append(Clip(f"nonspeech-{index:03d}", "nonspeech", "", voice, sound, text, seed,
                          "held_out" if index in held_out else "tuning"))
    return clips


def _tv_voices_and_texts(rng: np.random.Generator) -> tuple[str, str]:
    """Three to five voices, each saying an English or foreign sentence: a TV or radio across the room."""
    texts = [*_texts()["sentence"], *_texts()["foreign"]]
    chosen = [texts[i] for i in rng.choice(len(texts), size=int(rng.integers(3, 6)), replace=False)]
    voices = [str(rng.choice(ENGLISH_VOICES)) if language == "en" else language for language, _ in chosen]
    return " | ".join(voices), " | ".join(text for _, text in chosen)


# ---- the audio: a pure function of the clip ----

def render(clip: Clip) -> bytes:
    """The clip's audio as 16 kHz mono s16le PCM (the same bytes every time)."""
    rng = np.random.default_rng(clip.seed)
    if clip.kind == "nonspeech":
        return _to_pcm(_with_room(SOUND_MAKERS[clip.condition](rng, clip), rng))
    pcm = spoken.synthesize(clip.text, voice=clip.voice, speed=clip.speed, pitch=clip.pitch,
                            word_gap_ms=clip.word_gap_ms)
    if clip.effects:
        pcm = spoken.sox_effects(pcm, *clip.effects.split())
    if clip.noise:
        pcm = spoken.mix_noise(pcm, _noise(clip.noise, rng, len(pcm) // 2), clip.snr_db)
    return pcm


def _noise(kind: str, rng: np.random.Generator, samples: int) -> bytes:
    """Hiss, or the babble of other voices from a seeded starting point."""
    if kind == "white":
        return (rng.standard_normal(samples) * 3000).astype(np.int16).tobytes()
    talk = np.frombuffer(spoken.babble(), dtype=np.int16)
    return np.roll(talk, int(rng.integers(talk.size))).tobytes()


def _to_pcm(signal: np.ndarray) -> bytes:
    return (np.clip(signal, -1, 1) * 32767).astype(np.int16).tobytes()


def _with_room(sound: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The sound at a random loudness, with 0.3 s of quiet room (faint hiss) before and after."""
    peak = float(np.max(np.abs(sound))) or 1.0
    pad = np.zeros(int(0.3 * SAMPLE_RATE))
    padded = np.concatenate([pad, sound * rng.uniform(0.2, 0.8) / peak, pad])
    return padded + rng.standard_normal(padded.size) * 10 ** (-rng.uniform(55, 70) / 20)


def _seconds(duration: float) -> np.ndarray:
    return np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE


def _band(signal: np.ndarray, low: float, high: float) -> np.ndarray:
    """Only the frequencies between ``low`` and ``high`` Hz."""
    spectrum = np.fft.rfft(signal)
    frequencies = np.fft.rfftfreq(signal.size, 1 / SAMPLE_RATE)
    spectrum[(frequencies < low) | (frequencies > high)] = 0
    return np.fft.irfft(spectrum, signal.size)


def _band_noise(rng: np.random.Generator, duration: float, low: float, high: float) -> np.ndarray:
    return _band(rng.standard_normal(int(duration * SAMPLE_RATE)), low, high)


def _decay(duration: float, attack: float, tau: float) -> np.ndarray:
    """An envelope rising in ``attack`` seconds and dying away with time constant ``tau``."""
    t = _seconds(duration)
    return np.minimum(t / attack, 1.0) * np.exp(-np.maximum(t - attack, 0) / tau)


def _voiced(f0: np.ndarray | float, duration: float, harmonics: int = 12) -> np.ndarray:
    """A buzzing vowel-like tone: harmonics of ``f0`` (Hz, constant or one value a sample), weaker as they rise."""
    t = _seconds(duration)
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(f0, t.shape)) / SAMPLE_RATE
    return np.sum([np.sin(k * phase) / k for k in range(1, harmonics + 1)], axis=0)


def _in_sequence(parts: Iterable[np.ndarray], gaps: Iterable[float]) -> np.ndarray:
    """The parts one after another, each followed by its gap of silence (seconds)."""
    pieces = []
    for part, gap in zip(parts, gaps, strict=True):
        pieces += [part, np.zeros(int(gap * SAMPLE_RATE))]
    return np.concatenate(pieces)


def _cough(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """One to three coughs: a burst of breathy noise with a little voice, dying away."""
    count = int(rng.integers(1, 4))
    coughs = []
    for _ in range(count):
        length = rng.uniform(0.25, 0.45)
        burst = _band_noise(rng, length, 300, 3500) + 0.3 * _voiced(rng.uniform(120, 260), length)
        coughs.append(burst * _decay(length, 0.01, rng.uniform(0.06, 0.15)))
    return _in_sequence(coughs, rng.uniform(0.12, 0.35, count))


def _throat_clearing(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """Low noise rattling at 25-40 Hz, rising and falling, once or twice."""
    parts = []
    for _ in range(int(rng.integers(1, 3))):
        length = rng.uniform(0.4, 0.9)
        rattle = 1 + 0.8 * np.sin(2 * np.pi * rng.uniform(25, 40) * _seconds(length))
        parts.append(_band_noise(rng, length, 100, 1200) * rattle * np.hanning(rattle.size))
    return _in_sequence(parts, rng.uniform(0.1, 0.3, len(parts)))


def _breathing(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """One to three breaths in and out: soft, rising and falling noise."""
    parts = []
    for _ in range(int(rng.integers(1, 4))):
        breath_in, breath_out = rng.uniform(0.7, 1.2), rng.uniform(0.9, 1.5)
        parts.append(_band_noise(rng, breath_in, 500, 4000) * np.hanning(int(breath_in * SAMPLE_RATE)))
        parts.append(0.8 * _band_noise(rng, breath_out, 300, 2500) * np.hanning(int(breath_out * SAMPLE_RATE)))
    return _in_sequence(parts, rng.uniform(0.05, 0.4, len(parts)))


def _laughter(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """Four to eight "ha"s, four to six a second, in a falling voice, each starting breathy."""
    count = int(rng.integers(4, 9))
    start_f0 = rng.uniform(200, 320)
    syllables = []
    for index in range(count):
        length = rng.uniform(0.1, 0.18)
        f0 = start_f0 * (1 - 0.04 * index) * np.linspace(1.05, 0.95, int(length * SAMPLE_RATE))
        voice = _band(_voiced(f0, length, 20), 300, 3000)
        breath = _band_noise(rng, length, 800, 5000) * _decay(length, 0.005, 0.03)
        syllables.append((voice / np.max(np.abs(voice)) + 0.5 * breath) * np.hanning(voice.size))
    return _in_sequence(syllables, rng.uniform(0.04, 0.1, count))


def _tv(rng: np.random.Generator, clip: Clip) -> np.ndarray:
    """The clip's sentences said at once in its voices, offset in time, through a small loudspeaker."""
    tracks = [np.frombuffer(spoken.synthesize(text, voice=voice, lead_silence_s=0.0), dtype=np.int16) / 32768
              for text, voice in zip(clip.text.split(" | "), clip.voice.split(" | "), strict=True)]
    length = max(track.size for track in tracks)
    mixed = np.zeros(length + SAMPLE_RATE)
    for track in tracks:
        start = int(rng.integers(0, SAMPLE_RATE))
        mixed[start:start + track.size] += track
    return _band(mixed, 200, 4000)


def _music(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """A tune of six to twelve notes from a pentatonic scale over a held bass note, as from a radio."""
    scale = 261.6 * 2 ** (np.array([0, 2, 4, 7, 9, 12, 14]) / 12)
    lengths = rng.uniform(0.2, 0.4, int(rng.integers(6, 13)))
    tune = np.concatenate([_voiced(float(rng.choice(scale)), length, 6) * _decay(length, 0.01, 0.15)
                           for length in lengths])
    return tune + 0.5 * _voiced(scale[0] / 2, tune.size / SAMPLE_RATE, 4)


def _door_slam(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """A low thud with a crack of noise, ringing on in the room."""
    length = 1.2
    thud = np.sin(2 * np.pi * rng.uniform(50, 90) * _seconds(length)) * _decay(length, 0.003, rng.uniform(0.1, 0.2))
    crack = _band_noise(rng, length, 100, 2000) * _decay(length, 0.001, rng.uniform(0.02, 0.06))
    slam = _to_pcm(0.5 * (thud + crack))
    ringing = spoken.sox_effects(slam, "reverb", str(int(rng.integers(40, 90))))
    return np.frombuffer(ringing, dtype=np.int16) / 32768


def _knock(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """Two to five knocks on a door: short wooden resonances with a click."""
    count = int(rng.integers(2, 6))
    pitch = rng.uniform(200, 500)
    knocks = [np.sin(2 * np.pi * pitch * _seconds(0.12)) * _decay(0.12, 0.001, rng.uniform(0.02, 0.04))
              + 0.5 * _band_noise(rng, 0.12, 1000, 5000) * _decay(0.12, 0.0005, 0.005) for _ in range(count)]
    return _in_sequence(knocks, rng.uniform(0.1, 0.25, count))


def _clap(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """One to eight hand claps: very short bright bursts."""
    count = int(rng.integers(1, 9))
    claps = [_band_noise(rng, 0.08, 800, 6000) * _decay(0.08, 0.001, rng.uniform(0.008, 0.02)) for _ in range(count)]
    return _in_sequence(claps, rng.uniform(0.2, 0.5, count))


def _phone_ring(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """A telephone ringing twice (two tones, 440 and 480 Hz, or a trilling 1 kHz bell)."""
    length = rng.uniform(0.8, 1.4)
    t = _seconds(length)
    if rng.random() < 0.5:
        ring = np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)
    else:
        ring = np.sin(2 * np.pi * rng.uniform(900, 1300) * t) * (np.sin(2 * np.pi * 20 * t) > 0)
    return _in_sequence([ring, ring], [rng.uniform(0.3, 0.6), 0.0])


def _kettle(rng: np.random.Generator, _clip: Clip) -> np.ndarray:
    """A kettle coming to the boil: rising rumble, then a whistle."""
    length = rng.uniform(1.5, 3.0)
    t = _seconds(length)
    rumble = _band_noise(rng, length, 200, 2000) * np.linspace(0.1, 1.0, t.size)
    whistle = np.sin(2 * np.pi * rng.uniform(1800, 3000) * t) * np.clip((t - length / 2) * 2, 0, 1)
    return rumble + whistle


SOUND_MAKERS: dict[str, Callable[[np.random.Generator, Clip], np.ndarray]] = {
    "cough": _cough, "throat clearing": _throat_clearing, "breathing": _breathing, "laughter": _laughter,
    "tv": _tv, "music": _music, "door slam": _door_slam, "knock": _knock, "clap": _clap,
    "phone ring": _phone_ring, "kettle": _kettle,
}


# ---- writing the set ----

def write_set(folder: Path, clips: Sequence[Clip], workers: int = 2) -> None:
    """Every clip's WAV file under FOLDER/clips, and FOLDER/manifest.csv."""
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for clip, pcm in zip(clips, pool.map(render, clips, chunksize=8), strict=True):
            spoken.write_wav(pcm, folder / clip.file)
    write_manifest(folder / "manifest.csv", clips)


def write_manifest(path: Path, clips: Sequence[Clip]) -> None:
    names = [field.name for field in fields(Clip)]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=[*names[:1], "file", *names[1:]])
        writer.writeheader()
        writer.writerows({**asdict(clip), "file": clip.file} for clip in clips)


def default_folder(seed: int = SEED) -> Path:
    return cache_dir() / f"offtopic-speech-{seed}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", help="where to write (default: "
                        f"{default_folder()} for the default seed)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    parser.add_argument("--limit", type=int, help="only this many clips, taken in turn from each kind")
    parser.add_argument("--workers", type=int, default=2, help="processes making audio (default 2)")
    args = parser.parse_args()
    folder = args.folder or default_folder(args.seed)
    clips = sample(plan(args.seed), args.limit, lambda clip: clip.kind)
    started = time.perf_counter()
    write_set(folder, clips, args.workers)
    kinds = {kind: sum(clip.kind == kind for clip in clips) for kind in CLIPS_PER_KIND}
    held_out = sum(clip.split == "held_out" for clip in clips)
    print(f"{len(clips)} clips ({', '.join(f'{n} {kind}' for kind, n in kinds.items())}; {held_out} held out) "
          f"written to {folder} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
