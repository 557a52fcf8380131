"""The spoken commands and the ways people say them.

These are the program's own vocabulary (the factsheets' vocabulary lives in content/). Phrases are
matched against the whole utterance, so "tell me more about breathing" stays a question.
"""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    REPEAT = "repeat"
    STOP = "stop"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    NORMAL_VOICE = "normal voice"
    """Back to the rate and volume of the settings file, undoing slower, faster, louder and quieter."""
    TOPICS = "topics"
    MORE = "more"
    YES = "yes"
    NO = "no"
    FROM_START = "from the start"
    FORGET_HISTORY = "forget history"
    """Delete the history of what was asked and keep none from now on (history.py)."""
    SCAN = "scan"
    """Read the topics one at a time: any sound or the switch picks the one being read (scanning.py)."""
    HELP_ME = "help me"
    """Call for help: the alarm sounds until a caregiver says "I'm here" (alarm.py)."""
    IM_HERE = "i'm here"
    """A caregiver has come: the alarm stops."""
    SCAN_SLOWER = "scan slower"
    SCAN_FASTER = "scan faster"
    MORE_SENSITIVE = "more sensitive"
    """Quieter sounds select while scanning."""
    LESS_SENSITIVE = "less sensitive"


ALWAYS_TAKEN = frozenset({Command.STOP, Command.HELP_ME, Command.IM_HERE})
"""Taken however unsure: stop costs at most a silence; a call for help missed costs far more than a false
one, and "I'm here" only ends an alarm."""

READS_ON = frozenset({Command.MORE, Command.YES, Command.FROM_START})
"""Commands that can read factsheet text not yet heard: "more" goes on reading, "yes" takes a section offered
with "Do you mean ...?", "from the start" reads the section. Only the recognizer's first guess can be one (see
``MatcherTuning.command_rank_max``)."""

OFFERED_WHEN_UNSURE = frozenset(Command) - ALWAYS_TAKEN - {Command.YES, Command.NO}
"""Commands asked about ("Did you say slower?") when the recognizer was not sure of them, so that one "yes" does
them instead of saying them again: not those always taken (stop, the call for help and its end: an alarm is never
asked about), nor yes and no (a question back about them would go round in circles)."""


# Not "slowly" alone: sound not meant for the assistant was heard as it and slowed the voice in 4 of the 371 clips
# of the off-topic speech set's tuning split (scripts/bench_offtopic.py); no command was lost on the question sets.
# Not "what else" for more: it is how pocketsphinx heard "what is ALS" in 2 spoken questions of the tuning set and
# 4 of the held-out set, which then read on from the last answer ("carry on, what else" is still more).
_SAYINGS = {
    Command.REPEAT: "repeat | repeat that | say that again | say it again | again | what did you say | pardon "
                    "| do that again | that again "
                    "| come again | one more time | once more | repeat please | i didnt catch that",
    Command.STOP: "stop | stop talking | stop it | be quiet | quiet | shut up | enough | thats enough | cancel "
                  "| hush | silence | stop reading | hang on | hold on",
    Command.SLOWER: "slower | slow down | speak slower | talk slower | too fast | more slowly "
                    "| slower please | not so fast | speak more slowly | talking too fast "
                    "| talk more slowly | too quick",
    Command.FASTER: "faster | speed up | speak faster | talk faster | too slow | hurry up | quicker | go faster",
    Command.LOUDER: "louder | speak up | volume up | turn it up | turn up the volume | i cant hear you "
                    "| too quiet | more volume | talk louder | cant hear | speak louder | louder please",
    Command.QUIETER: "quieter | softer | volume down | turn it down | turn down the volume | too loud "
                     "| lower the volume | not so loud | less loud | talk quieter | speak softer "
                     "| more quietly | quieter please",
    Command.NORMAL_VOICE: "normal voice | your normal voice | normal speed | normal speed and volume "
                          "| reset the voice | reset your voice | usual voice | default voice",
    Command.TOPICS: "topics | help | what can i ask | what can you do | what can i ask you | list topics "
                    "| list the topics | what do you know | what topics | what can you tell me "
                    "| what do you know about | which topics",
    Command.MORE: "more | tell me more | go on | continue | keep going | next | and then | carry on "
                  "| more please | keep reading | read more",
    Command.YES: "yes | yeah | yep | yes please | sure | correct | right | thats right | that one | ok yes | yup",
    Command.NO: "no | nope | no thanks | not that | wrong | neither | no thank you | nah",
    Command.FROM_START: "from the start | from the beginning | start again | start from the beginning "
                        "| read it from the start | read it all | read the whole section | the whole section "
                        "| start over | back to the start | from the top | all of it",
    Command.FORGET_HISTORY: "forget history | forget my history | forget the history | delete my history "
                            "| delete history | delete the history | erase my history",
    Command.SCAN: "scan | menu | options | start scanning | scan the topics | read them one by one "
                  "| one at a time | read the options",
    Command.HELP_ME: "help me | call someone | call for help | i need help | get help | somebody help "
                     "| call my carer | call the nurse | please help me",
    Command.IM_HERE: "im here | i am here | alarm off | stop the alarm | turn off the alarm | its ok im here",
    Command.SCAN_SLOWER: "scan slower | slower scanning | wait longer | scan more slowly",
    Command.SCAN_FASTER: "scan faster | faster scanning | dont wait so long | scan more quickly",
    Command.MORE_SENSITIVE: "more sensitive | listen for quieter sounds",
    Command.LESS_SENSITIVE: "less sensitive | only loud sounds",
}

COMMAND_PHRASES: dict[str, Command] = {
    phrase.strip(): command for command, sayings in _SAYINGS.items() for phrase in sayings.split("|")
}
"""Every way of saying a command (lower case, no punctuation) → the command."""
