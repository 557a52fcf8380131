#!/usr/bin/env bash
# Set up voice-assist on Debian: system packages, a virtual environment in .venv, the Python package.
#
#   scripts/setup.sh          what ./run.sh needs
#   scripts/setup.sh --dev    also the test tools (what ./test.sh needs)
#   scripts/setup.sh --check  change nothing: say what is missing, exit 1 if anything is
#
# Safe to run again: it installs only what is missing, and reinstalls the Python package only when
# pyproject.toml changed since the last install, so a second run takes about a second.
# All messages go to stderr: stdout belongs to the assistant (answers, JSON).
#
# Environment: VOICE_ASSIST_PYTHON  the Python interpreter to build .venv with (default: newest python3.x found)
#              VOICE_ASSIST_VENV    where the virtual environment lives (default: .venv in the checkout)
set -euo pipefail

DEBIAN_PACKAGES=(python3 python3-venv espeak-ng libespeak-ng1 libportaudio2 pulseaudio pulseaudio-utils
                 libasound2-plugins alsa-utils sox)
DEV_PACKAGES=(flite)  # a second speech synthesizer, built from recordings of people, for spoken test questions
MIN_PYTHON=(3 11)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VOICE_ASSIST_VENV:-$ROOT/.venv}"
EXTRA=""
CHECK=""
for argument in "$@"; do
    case "$argument" in
        --dev) EXTRA="dev"; DEBIAN_PACKAGES+=("${DEV_PACKAGES[@]}") ;;
        --check) CHECK=1 ;;
        *) echo "usage: scripts/setup.sh [--dev] [--check]" >&2; exit 64 ;;
    esac
done

# A desktop running PipeWire already serves PulseAudio programs; a pulseaudio daemon next to it can fight
# over the sound socket at the next login. Only the tests' private sound server needs the daemon.
if [[ -z "$EXTRA" ]] && command -v dpkg-query >/dev/null \
        && [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' pipewire-pulse 2>/dev/null)" == ii* ]]; then
    kept=()
    for package in "${DEBIAN_PACKAGES[@]}"; do [[ "$package" == pulseaudio ]] || kept+=("$package"); done
    DEBIAN_PACKAGES=("${kept[@]}")
fi

say() { echo "setup: $*" >&2; }
die() { echo "setup: $*" >&2; exit 1; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        # Without a terminal nobody can type a password: fail at once instead of hanging.
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "need root to install system packages: run this as root, or install sudo."
    fi
}

missing_debian_packages() {
    # One dpkg-query call for all packages keeps the no-op run fast; "ii" means installed.
    comm -23 <(printf '%s\n' "${DEBIAN_PACKAGES[@]}" | sort) \
             <({ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${DEBIAN_PACKAGES[@]}" 2>/dev/null || true; } \
               | awk '$2 == "ii" { print $1 }' | sort)
}

install_debian_packages() {
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        say "not a Debian system: make sure these (or your system's equivalents) are installed:"
        say "  ${DEBIAN_PACKAGES[*]}"
        return
    fi
    local missing
    mapfile -t missing < <(missing_debian_packages)
    [[ ${#missing[@]} -eq 0 ]] && return
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq >&2 || die "apt-get update failed: check the network connection and /etc/apt/sources.list."
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || die "could not install ${missing[*]}: see the apt-get messages above."
}

python_version() {  # prints "major minor", or nothing if $1 is not a working Python
    "$1" -c 'import sys; print(*sys.version_info[:2])' 2>/dev/null || true
}

new_enough() {  # $1 = "major minor"
    local major minor
    read -r major minor <<< "$1"
    [[ -n "$major" ]] && (( major > MIN_PYTHON[0] || (major == MIN_PYTHON[0] && minor >= MIN_PYTHON[1]) ))
}

choose_python() {
    local candidates=("${VOICE_ASSIST_PYTHON:-}")
    [[ -z "${VOICE_ASSIST_PYTHON:-}" ]] && candidates=(python3.13 python3.12 python3.11 python3)
    local candidate found=""
    for candidate in "${candidates[@]}"; do
        if ! command -v "$candidate" >/dev/null; then
            [[ -n "${VOICE_ASSIST_PYTHON:-}" ]] && found+=" $candidate (no such program)"
            continue
        fi
        local version
        version="$(python_version "$candidate")"
        if new_enough "$version"; then echo "$candidate"; return; fi
        found+=" $candidate (${version/ /.})"
    done
    die "voice-assist needs Python ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} or newer; found:${found:- none}.
setup: Debian 12 has it: 'apt-get install python3 python3-venv'. On an older system install python3.11
setup: (or newer) and run again with VOICE_ASSIST_PYTHON=/path/to/python3.11 $0."
}

make_venv() {
    venv_ready && return
    local python
    python="$(choose_python)"
    if [[ -e "$VENV" ]]; then
        say "replacing the broken or outdated environment in $VENV"
        rm -rf "$VENV"
    fi
    say "creating the Python environment in $VENV ($("$python" --version 2>&1))"
    "$python" -m venv "$VENV" >&2 \
        || die "could not create $VENV: on Debian install python3-venv ('apt-get install python3-venv')."
}

stamp_of() {  # what an install depends on: the project file, the extra, the Python, where the checkout is
    { cat "$ROOT/pyproject.toml"; echo "$1"; "$VENV/bin/python" -V; echo "$ROOT"; } | sha256sum | cut -d' ' -f1
}

install_package() {
    package_installed && return
    say "installing voice-assist${EXTRA:+ with its $EXTRA tools} into $VENV (this takes a minute the first time)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --editable "$ROOT${EXTRA:+[$EXTRA]}" >&2 \
        || die "pip could not install voice-assist: see the messages above (is PyPI reachable?)."
    stamp_of "$EXTRA" > "$VENV/.voice-assist-installed${EXTRA:+-$EXTRA}"
    # A dev install also satisfies a plain one: ./run.sh after ./test.sh installs nothing.
    if [[ -n "$EXTRA" ]]; then stamp_of "" > "$VENV/.voice-assist-installed"; fi
    say "ready."
}

venv_ready() {
    [[ -x "$VENV/bin/python" ]] && new_enough "$(python_version "$VENV/bin/python")"
}

package_installed() {
    local stamp_file="$VENV/.voice-assist-installed${EXTRA:+-$EXTRA}"
    [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$(stamp_of "$EXTRA")" && -x "$VENV/bin/voice-assist" ]]
}

check() {
    local problems=0 missing=()
    if command -v dpkg-query >/dev/null; then
        mapfile -t missing < <(missing_debian_packages)
        if [[ ${#missing[@]} -gt 0 ]]; then say "missing system packages: ${missing[*]}"; problems=1; fi
    fi
    if ! venv_ready; then
        say "no usable Python environment in $VENV"; problems=1
    elif ! package_installed; then
        say "voice-assist${EXTRA:+ with its $EXTRA tools} is not installed in $VENV, or pyproject.toml changed since"
        problems=1
    fi
    return "$problems"
}

if [[ -n "$CHECK" ]]; then
    check
    exit
fi
install_debian_packages
make_venv
install_package
