#!/usr/bin/env bash
# Set everything up (first run: system packages and Python environment), then start the assistant.
# Arguments go to voice-assist, e.g. ./run.sh ask "what is ALS"   or   ./run.sh devices
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
exec .venv/bin/voice-assist "$@"
