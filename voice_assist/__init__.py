"""voice-assist: an offline, voice-first assistant that reads answers from a trusted factsheet."""

__version__ = "0.1.0"
