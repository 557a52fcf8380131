"""Test material for the detector of selecting sounds (voice_assist/sounds.py): sounds, rooms and scenes.

Everything follows from a seed, so the same seed gives the same audio. Sounds a user with ALS may still make
(a tongue click, a finger tap, a hum, a breath blown into the microphone, a cough) are made by formula;
rooms are hiss, a fan (also one switched on), a TV or radio (several espeak-ng voices at once, reverberant
and muffled: across the room), a caregiver talking (one voice at a time, with pauses) and the assistant's own
voice coming back through the microphone while it speaks (echo).

Levels are in dB relative to the room: a sound's level is its loudest 10 ms (RMS) over the room noise's RMS;
a talker's is the RMS of its speech (pauses left out) over the room noise's RMS.

Seeds below ``HELD_OUT_SEEDS`` tune; seeds from it on are held out for scripts/bench_sounds.py.

    scene = sound_scene(seed=3, room="fan", kind="hum", level_db=25)   # sounds at known places over a fan
    scene = talk_scene(seed=3, talk="babble", level_db=15, seconds=60)  # a TV in the room, no sound
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from tests import spoken
from voice_assist.audio_format import SAMPLE_RATE, bytes_for
from voice_assist.sounds import SoundDetector, SoundEdge

HELD_OUT_SEEDS = 1000
"""Seeds from here on are held out: the benchmark reports on them, nothing is tuned on them."""
ROOM_RMS_DBFS = -66.0
"""A quiet room's hiss through a USB microphone; fans and talkers are set relative to it."""
FAN_OVER_HISS_DB = 16.0
"""A fan or air purifier in the room, over the hiss."""
SOUND_KINDS = ("tongue_click", "finger_tap", "hum", "breath", "cough")
ROOMS = ("quiet", "fan")
TALKS = ("babble", "conversation", "echo")

_SENTENCES = (
    "the weather was nice yesterday and we went to the market",
    "could you pass me the salt please",
    "my brother is coming over on sunday afternoon",
    "they finished the painting before the holidays",
    "the train leaves at half past seven in the morning",
    "tonight on channel four a documentary about the arctic",
    "and the score at half time is two goals to one",
    "heavy rain is expected in the north later this week",
    "do you want some tea or would you rather have coffee",
    "I put your glasses on the table next to the bed",
    "the doctor said we should come back in three weeks",
    "shall I open the window a little, it is warm in here",
    "the nurse is coming at ten tomorrow",
    "we are out of milk, I will get some later",
    "prices rose again last month according to the report",
    "here is the news at six o'clock",
    "did you sleep well last night",
    "your daughter called, she will visit on saturday",
    "the film starts in five minutes",
    "let me help you sit up a bit",
)
_ASSISTANT_SENTENCES = (
    "yes", "no", "something else", "repeat", "help", "pain", "thirsty", "turn me over", "I am cold",
    "I am hot", "call the nurse", "the bed", "the television", "tired", "scratch my nose", "the toilet",
    "riluzole is a medicine that can slow the illness a little",
    "say a sound when you hear the option you want",
    "breathing problems are common later in the illness",
    "a feeding tube can help when swallowing becomes hard",
)
_HALTING_QUESTIONS = (
    "what is A L S", "what is ALS", "who gets ALS", "is it genetic", "how is it treated", "can I get it",
    "what does ALS mean", "what are the symptoms", "is there a cure", "will it get worse", "what causes it",
    "how long do people live", "what time is it", "is the nurse coming", "what is riluzole", "how is it found",
)
_TALKER_VOICES = ("en-us", "en", "en-us+f3", "en-gb+m3", "en-us+f2", "en-gb-x-rp+f2", "en-us+m5", "en-029+f4")


@dataclass(frozen=True)
class TrueSound:
    kind: str
    start: float
    """Seconds into the scene."""
    end: float


@dataclass(frozen=True)
class Scene:
    """Audio as the microphone gives it (16 kHz mono s16le), with what is in it."""

    pcm: bytes
    sounds: tuple[TrueSound, ...] = ()
    speaking: tuple[tuple[float, float], ...] = ()
    """Seconds (from, to) in which the assistant's voice plays (``speaking=True`` for the detector)."""

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE

    def speaking_at(self, second: float) -> bool:
        return any(start <= second < end for start, end in self.speaking)


@dataclass(frozen=True)
class Heard:
    """An edge the detector reported."""

    at: float
    """Seconds into the scene where it happened."""
    reported: float
    """Seconds into the scene where the frame that reported it ends."""
    edge: SoundEdge


def listen(scene: Scene, detector: SoundDetector, frame_seconds: float = 0.03) -> list[Heard]:
    """Push the scene through the detector in frames of ``frame_seconds``, ``speaking`` as the scene says."""
    size = bytes_for(frame_seconds)
    heard = []
    for begin in range(0, len(scene.pcm), size):
        frame = scene.pcm[begin:begin + size]
        start = begin / 2 / SAMPLE_RATE
        edge = detector.push(frame, scene.speaking_at(start))
        if edge is not None:
            heard.append(Heard(start + edge.offset, start + len(frame) / 2 / SAMPLE_RATE, edge))
    return heard


def sound(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One sound of ``kind``, scaled so its loudest 10 ms has an RMS of 1."""
    makers = {"tongue_click": _tongue_click, "finger_tap": _finger_tap, "hum": _hum, "breath": _breath,
              "cough": _cough}
    samples = makers[kind](rng)
    return samples / _loudest_block_rms(samples)


def room_noise(room: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """The room's own noise: ``quiet`` (hiss), ``fan`` (hiss and a fan) or ``fan_on`` (a fan switched on
    halfway through, spinning up over 0.5-2 s, 10-30 dB over the hiss), in samples at 16 bit scale."""
    count = int(seconds * SAMPLE_RATE)
    hiss = _band_noise(rng, count, 80, 7000) * _scale(ROOM_RMS_DBFS)
    if room == "quiet":
        return hiss
    if room == "fan":
        return hiss + _fan(rng, count) * _scale(ROOM_RMS_DBFS + FAN_OVER_HISS_DB)
    if room == "fan_on":
        switch = count // 2
        spin_up = int(rng.uniform(0.5, 2.0) * SAMPLE_RATE)
        envelope = np.clip((np.arange(count) - switch) / spin_up, 0.0, 1.0) ** 2
        return hiss + _fan(rng, count) * envelope * _scale(ROOM_RMS_DBFS + rng.uniform(10, 30))
    raise ValueError(f"unknown room {room!r}")


def sound_scene(seed: int, room: str, kind: str, level_db: float, count: int = 4) -> Scene:
    """``count`` sounds of ``kind``, ``level_db`` over the room's noise, 1.5-3 s apart after 1.5 s of room."""
    rng = np.random.default_rng(seed)
    sounds = [sound(kind, rng) for _ in range(count)]
    starts, position = [], 1.5
    for samples in sounds:
        starts.append(position)
        position += len(samples) / SAMPLE_RATE + rng.uniform(1.5, 3.0)
    background = room_noise(room, position + 0.5, rng)
    room_rms = _rms(background)
    mixed = background.copy()
    truths = []
    for start, samples in zip(starts, sounds, strict=True):
        first = int(start * SAMPLE_RATE)
        mixed[first:first + len(samples)] += samples * room_rms * 10 ** (level_db / 20)
        truths.append(TrueSound(kind, start, start + len(samples) / SAMPLE_RATE))
    return Scene(_pcm(mixed), tuple(truths))


def call_scene(seed: int, room: str, kind: str, level_db: float, longest: float = 0.4) -> Scene:
    """A call for help: three sounds of ``kind`` (cut to ``longest`` seconds) 0.15-0.5 s apart, ``level_db``
    over the room, 3 s into 8 s of the room."""
    rng = np.random.default_rng(seed)
    background = room_noise(room, 8.0, rng)
    gain = _rms(background) * 10 ** (level_db / 20)
    truths, position = [], 3.0
    for _ in range(3):
        samples = sound(kind, rng)[:int(longest * SAMPLE_RATE)]
        samples = samples * _ramps(len(samples), 0.0, min(0.03, len(samples) / SAMPLE_RATE / 2))
        first = int(position * SAMPLE_RATE)
        background[first:first + len(samples)] += samples * gain
        truths.append(TrueSound(kind, position, position + len(samples) / SAMPLE_RATE))
        position = truths[-1].end + rng.uniform(0.15, 0.5)
    return Scene(_pcm(background), tuple(truths))


def noise_scene(seed: int, room: str, seconds: float = 20.0) -> Scene:
    """``seconds`` of the room alone (``fan_on``: a fan switched on halfway through)."""
    return Scene(_pcm(room_noise(room, seconds, np.random.default_rng(seed))))


def talk_scene(seed: int, talk: str, level_db: float, seconds: float = 60.0, room: str = "quiet") -> Scene:
    """``seconds`` of talk in the room and no selecting sound: ``babble`` (a TV: 3-4 voices at once, across
    the room), ``conversation`` (a caregiver and a visitor taking turns, 1-2 m away) or ``echo`` (the
    assistant's sentences coming back through the microphone, with ``speaking`` set while they play)."""
    rng = np.random.default_rng(seed)
    background = room_noise(room, seconds, rng)
    room_rms = _rms(background)
    speaking: tuple[tuple[float, float], ...]
    if talk == "babble":
        voice, speaking = _babble(rng, len(background)), ()
    elif talk == "conversation":
        voice, speaking = _conversation(rng, len(background)), ()
    elif talk == "echo":
        voice, speaking = _echo(rng, len(background))
    else:
        raise ValueError(f"unknown talk {talk!r}")
    voiced = np.abs(voice) > 0.05 * np.max(np.abs(voice))
    gain = room_rms * 10 ** (level_db / 20) / _rms(voice[voiced])
    return Scene(_pcm(background + voice * gain), speaking=speaking)


def halting_scene(seed: int, room: str = "quiet", level_db: float = 30.0) -> Scene:
    """A short question asked a word at a time (a pause of 0.3-0.8 s after each word, as a tired or dysarthric
    speaker does), ``level_db`` over the room: each word is a short sound of its own, and none must call for
    help."""
    rng = np.random.default_rng(seed)
    text = _HALTING_QUESTIONS[int(rng.integers(len(_HALTING_QUESTIONS)))]
    voice = _TALKER_VOICES[int(rng.integers(len(_TALKER_VOICES)))]
    pcm = spoken.synthesize(text, voice, int(rng.integers(100, 170)), int(rng.integers(30, 70)),
                            word_gap_ms=int(rng.integers(300, 800)), lead_silence_s=2.0)
    speech = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    background = room_noise(room, speech.size / SAMPLE_RATE + 0.1, rng)[:speech.size]
    voiced = np.abs(speech) > 0.05 * np.max(np.abs(speech))
    return Scene(_pcm(background + speech * _rms(background) * 10 ** (level_db / 20) / _rms(speech[voiced])))


def echo_with_sound(seed: int, echo_db: float, sound_over_echo_db: float, kind: str = "hum") -> Scene:
    """The assistant speaking with its voice ``echo_db`` over the room in the microphone, and a sound
    ``sound_over_echo_db`` over the echo's loudest 10 ms, made while it speaks."""
    scene = talk_scene(seed, "echo", echo_db, seconds=20.0)
    samples = np.frombuffer(scene.pcm, dtype="<i2").astype(np.float64)
    rng = np.random.default_rng(seed + 7)
    start, end = scene.speaking[len(scene.speaking) // 2]
    first = int((start + 0.35 * (end - start)) * SAMPLE_RATE)
    echo_top = _loudest_block_rms(samples[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)])
    made = sound(kind, rng) * echo_top * 10 ** (sound_over_echo_db / 20)
    samples[first:first + len(made)] += made
    truth = TrueSound(kind, first / SAMPLE_RATE, (first + len(made)) / SAMPLE_RATE)
    return Scene(_pcm(samples), (truth,), scene.speaking)


def _tongue_click(rng: np.random.Generator) -> np.ndarray:
    """A tongue click: a 2-6 ms burst ringing at 1-3 kHz, about 10 ms in all."""
    length = int(0.012 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    ring = np.sin(2 * np.pi * rng.uniform(1000, 3000) * t + rng.uniform(0, np.pi))
    burst = 0.6 * ring + 0.4 * _band_noise(rng, length, 800, 6000)
    return burst * np.exp(-t / rng.uniform(0.002, 0.006))


def _finger_tap(rng: np.random.Generator) -> np.ndarray:
    """A finger tapping near the microphone: a thud at 150-400 Hz with a sharp attack, 20-40 ms."""
    length = int(0.04 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    thud = np.sin(2 * np.pi * rng.uniform(150, 400) * t) * np.exp(-t / rng.uniform(0.006, 0.015))
    attack = _band_noise(rng, length, 500, 5000) * np.exp(-t / 0.002)
    return thud + rng.uniform(0.3, 0.8) * attack


def _hum(rng: np.random.Generator) -> np.ndarray:
    """A hum: voiced at 100-250 Hz with harmonics and a little drift, 0.3-1.5 s, ramps of 30-100 ms."""
    seconds = rng.uniform(0.3, 1.5)
    length = int(seconds * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    pitch = rng.uniform(100, 250) * (1 + 0.03 * np.sin(2 * np.pi * rng.uniform(2, 5) * t))
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k ** 1.5 for k in range(1, 12))
    return voiced * _ramps(length, rng.uniform(0.03, 0.1), rng.uniform(0.05, 0.15))


def _breath(rng: np.random.Generator) -> np.ndarray:
    """A breath blown at the microphone: wind noise, strongest below 500 Hz, 0.2-0.7 s, swelling and fading."""
    length = int(rng.uniform(0.2, 0.7) * SAMPLE_RATE)
    wind = _band_noise(rng, length, 20, 500) + 0.3 * _band_noise(rng, length, 500, 4000)
    return wind * _ramps(length, rng.uniform(0.03, 0.1), rng.uniform(0.1, 0.25))


def _cough(rng: np.random.Generator) -> np.ndarray:
    """A cough in two parts: a burst (60-120 ms), a short dip, then a weaker, longer part (80-200 ms)."""
    parts = []
    for seconds, gain in ((rng.uniform(0.06, 0.12), 1.0), (rng.uniform(0.08, 0.2), rng.uniform(0.3, 0.6))):
        length = int(seconds * SAMPLE_RATE)
        t = np.arange(length) / SAMPLE_RATE
        voicing = np.sin(2 * np.pi * rng.uniform(120, 300) * t)
        noisy = _band_noise(rng, length, 300, 3500) + 0.4 * voicing
        parts.append(gain * noisy * _ramps(length, 0.008, seconds / 2))
    gap = 0.03 * _band_noise(rng, int(rng.uniform(0.03, 0.1) * SAMPLE_RATE), 300, 3500)
    return np.concatenate([parts[0], gap, parts[1]])


def _fan(rng: np.random.Generator, count: int) -> np.ndarray:
    """A fan: broadband rumble falling with frequency, with the blade tone at 40-120 Hz, RMS 1."""
    rumble = _band_noise(rng, count, 20, 400) + 0.5 * _band_noise(rng, count, 400, 3000)
    t = np.arange(count) / SAMPLE_RATE
    blade = 0.3 * np.sin(2 * np.pi * rng.uniform(40, 120) * t)
    fan = rumble + blade
    return fan / _rms(fan)


def _babble(rng: np.random.Generator, count: int) -> np.ndarray:
    """A TV across the room: 3-4 talkers at once, sentence after sentence, reverberant and muffled."""
    mix = np.zeros(count)
    for _ in range(int(rng.integers(3, 5))):
        mix += _talker(rng, count, pause=(0.1, 0.6)) * rng.uniform(0.6, 1.0)
    return _far(mix)


def _conversation(rng: np.random.Generator, count: int) -> np.ndarray:
    """Two people 1-2 m away taking turns: a sentence, a pause of 0.3-2.5 s, the other's sentence."""
    voices = rng.choice(_TALKER_VOICES, size=2, replace=False)
    out, position, turn = np.zeros(count), int(rng.uniform(0.3, 1.0) * SAMPLE_RATE), 0
    while position < count:
        said = _say(str(rng.choice(_SENTENCES)), str(voices[turn % 2]), rng)
        said = said[:count - position] * (1.0 if turn % 2 else 0.7)
        out[position:position + len(said)] += said
        position += len(said) + int(rng.uniform(0.3, 2.5) * SAMPLE_RATE)
        turn += 1
    return _far(out, reverb="30")


def _echo(rng: np.random.Generator, count: int) -> tuple[np.ndarray, tuple[tuple[float, float], ...]]:
    """The assistant reading options and answers with pauses of 1-3 s; its voice reaches the microphone
    50-250 ms after it starts playing (output latency), through a small speaker in the room."""
    out, spans = np.zeros(count), []
    position = int(rng.uniform(1.0, 2.0) * SAMPLE_RATE)
    latency = int(rng.uniform(0.05, 0.25) * SAMPLE_RATE)
    while position + latency < count:
        said = _say(str(rng.choice(_ASSISTANT_SENTENCES)), "en-us", rng, speed=150)
        said = said[:count - position - latency]
        out[position + latency:position + latency + len(said)] += said
        spans.append((position / SAMPLE_RATE, (position + len(said)) / SAMPLE_RATE))
        position += len(said) + int(rng.uniform(1.0, 3.0) * SAMPLE_RATE)
    return _far(out, reverb="20", lowest=250), tuple(spans)


def _talker(rng: np.random.Generator, count: int, pause: tuple[float, float]) -> np.ndarray:
    """One voice on a TV, already talking when the scene begins (it starts within its first sentence)."""
    voice = str(rng.choice(_TALKER_VOICES))
    out, position = np.zeros(count), -int(rng.uniform(0, 1.0) * SAMPLE_RATE)
    while position < count:
        if position < 0:
            said = _say(str(rng.choice(_SENTENCES)), voice, rng)[-position:count - 0]
            out[:len(said)] += said[:count]
            position = len(said) + int(rng.uniform(*pause) * SAMPLE_RATE)
            continue
        said = _say(str(rng.choice(_SENTENCES)), voice, rng)[:count - position]
        out[position:position + len(said)] += said
        position += len(said) + int(rng.uniform(*pause) * SAMPLE_RATE)
    return out


def _say(text: str, voice: str, rng: np.random.Generator, speed: int | None = None) -> np.ndarray:
    speed = speed or int(rng.integers(130, 190))
    pitch = int(rng.integers(30, 70))
    return _spoken(text, voice, speed, pitch)


@functools.lru_cache(maxsize=2048)
def _spoken(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    pcm = spoken.synthesize(text, voice=voice, speed=speed, pitch=pitch, lead_silence_s=0.0)
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def _far(samples: np.ndarray, reverb: str = "50", lowest: int = 100) -> np.ndarray:
    """As heard from across a room: reverberant, without the lowest and highest frequencies."""
    peak = np.max(np.abs(samples)) or 1.0
    pcm = (samples / peak * 8000).astype("<i2").tobytes()
    far = spoken.sox_effects(pcm, "highpass", str(lowest), "lowpass", "4000", "reverb", reverb)
    return np.frombuffer(far, dtype="<i2").astype(np.float64)[:len(samples)]


def _band_noise(rng: np.random.Generator, count: int, low: float, high: float) -> np.ndarray:
    """White noise kept between ``low`` and ``high`` Hz, RMS 1."""
    spectrum = np.fft.rfft(rng.standard_normal(count))
    frequencies = np.fft.rfftfreq(count, 1 / SAMPLE_RATE)
    spectrum[(frequencies < low) | (frequencies > high)] = 0
    noise = np.fft.irfft(spectrum, count)
    return noise / (_rms(noise) or 1.0)


def _ramps(length: int, rise: float, fall: float) -> np.ndarray:
    envelope = np.ones(length)
    rise_n, fall_n = min(int(rise * SAMPLE_RATE), length // 2), min(int(fall * SAMPLE_RATE), length // 2)
    envelope[:rise_n] = np.linspace(0, 1, rise_n)
    envelope[length - fall_n:] = np.linspace(1, 0, fall_n)
    return envelope


def _loudest_block_rms(samples: np.ndarray, block: int = SAMPLE_RATE // 100) -> float:
    whole = samples[:len(samples) // block * block].reshape(-1, block) if len(samples) >= block else samples[None]
    return float(np.sqrt(np.max(np.mean(whole ** 2, axis=1))))


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples ** 2))) if samples.size else 0.0


def _scale(dbfs: float) -> float:
    return 32768.0 * 10 ** (dbfs / 20)


def _pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def breathing(seed: int) -> bytes:
    """Two breaths in and out through the mouth: noise of 300-3500 Hz, each swelling and fading over 0.6-1 s."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(4):
        count = int(rng.uniform(0.6, 1.0) * SAMPLE_RATE)
        noise = _band_noise(rng, count, 300, 3500)
        parts.append(noise * np.sin(np.linspace(0, np.pi, count)) * rng.uniform(1000, 2500))
        parts.append(np.zeros(int(0.2 * SAMPLE_RATE)))
    samples = np.concatenate(parts)
    return _pcm(samples + rng.standard_normal(samples.size) * 30)
