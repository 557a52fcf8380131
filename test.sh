#!/usr/bin/env bash
# Set everything up including the test tools, then run the linter, the type checker and the tests.
# Arguments go to pytest, e.g. ./test.sh -k audio_in -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh --dev
lint=0
.venv/bin/ruff check . || lint=$?
types=0
.venv/bin/mypy || types=$?  # checks the package, scripts/ and tests/ (files in pyproject.toml's [tool.mypy])
# The tests run even when lint or type checks fail, so one run reports all; the worse result is the exit code.
tests=0
.venv/bin/pytest "$@" || tests=$?
if [[ $tests -ne 0 ]]; then exit "$tests"; fi
if [[ $lint -ne 0 ]]; then echo "test.sh: the tests passed but 'ruff check' found problems (above)." >&2; fi
if [[ $types -ne 0 ]]; then echo "test.sh: the tests passed but 'mypy' found problems (above)." >&2; fi
exit $(( lint > types ? lint : types ))
