#!/usr/bin/env bash
# Set everything up including the test tools, then run the linter and the tests.
# Arguments go to pytest, e.g. ./test.sh -k audio_in -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh --dev
lint=0
.venv/bin/ruff check . || lint=$?
# The tests run even when lint fails, so one run reports both; the worse result is the exit code.
tests=0
.venv/bin/pytest "$@" || tests=$?
if [[ $tests -ne 0 ]]; then exit "$tests"; fi
if [[ $lint -ne 0 ]]; then echo "test.sh: the tests passed but 'ruff check' found problems (above)." >&2; fi
exit "$lint"
