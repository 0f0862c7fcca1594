#!/usr/bin/env bash
# Build hdcopy into build/ (or the directory given), Release-with-debug-info; extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
ninja -C "$dir" >/dev/null
echo "built $dir/hdcopy" >&2
