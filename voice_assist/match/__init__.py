"""Question → section or command, with a score and the reasons; never the nearest section when nothing fits.

Matching knowledge comes from the content: each section's title, its "Ask:" phrases and its own text.
A question is scored against a section by how much of the question the section's words explain
(coverage, weighted by how specific each word is) and by how completely one of the section's phrases
appears in the question. Words close in spelling or in sound count, so recognizer errors still match.

The stages, one module each, for every recognizer guess: ``normalize`` (words as the content writes them),
``command`` (spot a command), ``other_illness`` (a question about an illness no factsheet covers), ``score``
(each section's score), ``decide`` (answer, ask which, or not in the factsheet); then ``guesses`` (choose
among the recognizer's guesses). ``index`` holds what they know of the content, ``tuning`` every number
they use, ``trace`` why they decided what they did.
"""

from voice_assist.match.matcher import Matcher
from voice_assist.match.result import Candidate, Match, MatchKind
from voice_assist.match.trace import MatchTrace, Stage, trace_record
from voice_assist.match.tuning import MatcherTuning

__all__ = ["Candidate", "Match", "MatchKind", "MatchTrace", "Matcher", "MatcherTuning", "Stage", "trace_record"]
