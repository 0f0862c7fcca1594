#!/usr/bin/env bash
# The long crash campaign: SIGKILL hdcopy at random moments of 1/2/4-slice loads, recover, check all or none.
# CI runs 10 trials per case; this runs 200 (or $1) per case. Needs a built hdcopy (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export HDCOPY_CRASH_TRIALS=${1:-200}
HDCOPY_BIN=${HDCOPY_BIN:-$PWD/build/hdcopy} exec python3 -m pytest -q -p no:cacheprovider \
	tests/integration/test_atomic.py -k kill_9
