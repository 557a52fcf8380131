"""The conversation core: every decision the assistant makes, as a pure function of events.

Events come in (an utterance started, paused or was heard, a typed question, silence, speech output
failed, the microphone went away...); actions go out (say this, change the voice, end the utterance,
finish the recognizer and show me what it heard...); both are the small types of ``events.py``. No audio,
no threads, no clock of its own (events carry the time): the voice loop
(``loop.py``), ``voice-assist ask`` (typed and ``--wav``) and the keyboard mode all drive this one core,
so they answer by one policy, and it is tested with text alone.

Everything spoken is either the factsheet's own words or one of the short fixed sentences here.

By mode, each module with its own state and rules:

- ``core.py``: ``Conversation``, the dispatch of events and what crosses modes (the screen, faults, the history,
  the alarm, what one mode's event ends in another).
- ``listening.py``: the current utterance: when it is over, what is taken over the assistant's voice, half a
  question held for its rest.
- ``answering.py``: answers and reading on ("Do you want more?"), questions back ("Do you mean A, or B?"),
  yes-or-no questions ("Shall I delete ...?"), refusals, the commands that steer reading or change the voice.
- ``scanner.py``: scanning: options read one at a time, picked by a sound or the switch.
- ``help.py``: a call for help without words (short sounds, switch presses, a long press).
- ``learning.py``: learning the user's voice, and forgetting it.
- ``adjustments.py``: the voice and scanning settings that commands move a step at a time.
- ``stage.py``: what the modes share with the core: the moment of the event, and how to say and show.

This package names every constant that other modules use, and ``Conversation``.
"""

from voice_assist.conversation.adjustments import (
    RATE_MAX,
    RATE_MIN,
    RATE_STEP,
    SCAN_MAX,
    SCAN_MIN,
    SCAN_STEP,
    SOUND_LEVEL_MAX,
    SOUND_LEVEL_MIN,
    SOUND_LEVEL_STEP,
    VOLUME_MAX,
    VOLUME_MIN,
    VOLUME_STEP,
)
from voice_assist.conversation.answering import (
    FORGET_QUESTION,
    MISUNDERSTOOD_BEFORE_TOPICS,
    NOT_CAUGHT,
    NOT_IN_FACTSHEET,
    NOTHING_TO_CONTINUE,
    OFFER_MORE,
    SAY_YES_AGAIN,
    SCAN_OFFER,
)
from voice_assist.conversation.core import (
    PROBLEMS_NAMED_ALOUD,
    UNDO_SAME_SOUND_SECONDS,
    Conversation,
)
from voice_assist.conversation.faults import (
    FAULT_NOTICE_SECONDS,
    MICROPHONE_BACK,
)
from voice_assist.conversation.help import (
    ALARM_OFF,
    HELP_QUIET_BEFORE_SECONDS,
    HELP_SIGNAL_WINDOW,
    HELP_SIGNALS,
    HELP_SOUND_MAX_SECONDS,
    LONG_PRESS_SECONDS,
    TALK_HOLDS_OFF_HELP_SECONDS,
)
from voice_assist.conversation.listening import (
    AFRESH_MAX_SECONDS,
    BARGE_IN_SILENCE,
    BARGE_IN_WORDS,
    FRAGMENT_WAIT_SECONDS,
    QUICK_END_COMMAND_SCORE,
    QUICK_END_MAX_SECONDS,
    QUICK_END_SCORE,
    RECHECK_SECONDS,
    SAME_PAUSE_SECONDS,
    UNFINISHED_ENDINGS,
)
from voice_assist.conversation.scanner import (
    CHOSEN_BY_SCANNING,
)
from voice_assist.conversation.stage import (
    OFFER_SECONDS,
)

__all__ = [
    "AFRESH_MAX_SECONDS",
    "ALARM_OFF",
    "BARGE_IN_SILENCE",
    "BARGE_IN_WORDS",
    "CHOSEN_BY_SCANNING",
    "FAULT_NOTICE_SECONDS",
    "FORGET_QUESTION",
    "FRAGMENT_WAIT_SECONDS",
    "HELP_QUIET_BEFORE_SECONDS",
    "HELP_SIGNALS",
    "HELP_SIGNAL_WINDOW",
    "HELP_SOUND_MAX_SECONDS",
    "LONG_PRESS_SECONDS",
    "MICROPHONE_BACK",
    "MISUNDERSTOOD_BEFORE_TOPICS",
    "NOTHING_TO_CONTINUE",
    "NOT_CAUGHT",
    "NOT_IN_FACTSHEET",
    "OFFER_MORE",
    "OFFER_SECONDS",
    "PROBLEMS_NAMED_ALOUD",
    "QUICK_END_COMMAND_SCORE",
    "QUICK_END_MAX_SECONDS",
    "QUICK_END_SCORE",
    "RATE_MAX",
    "RATE_MIN",
    "RATE_STEP",
    "RECHECK_SECONDS",
    "SAME_PAUSE_SECONDS",
    "SAY_YES_AGAIN",
    "SCAN_MAX",
    "SCAN_MIN",
    "SCAN_OFFER",
    "SCAN_STEP",
    "SOUND_LEVEL_MAX",
    "SOUND_LEVEL_MIN",
    "SOUND_LEVEL_STEP",
    "TALK_HOLDS_OFF_HELP_SECONDS",
    "UNDO_SAME_SOUND_SECONDS",
    "UNFINISHED_ENDINGS",
    "VOLUME_MAX",
    "VOLUME_MIN",
    "VOLUME_STEP",
    "Conversation",
]
