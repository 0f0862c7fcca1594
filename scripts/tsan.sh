#!/usr/bin/env bash
# scripts/tsan.sh — the parallel paths under ThreadSanitizer: hdcopy and the unit tests built with -fsanitize=thread
# (build-tsan/, -DHD_SANITIZE=thread), then
#   - tests/unit/test_threads (the prefetch thread's ring, the row queue: producers, writer, abort),
#   - the integration tests that run threads: multi-slice loads over byte-range splits (two-phase commit, the
#     one-writer queue on PostgreSQL without prepared transactions and on SQLite), MAXERROR across slices, the
#     progress line (main thread reading the slices' counters),
#     compressed parts decoded on prefetch threads across 4 slices, a slice's backend killed mid-load, and
#     (without --quick) the SIGKILL/recovery loops and every format × codec of the matrix.
# Any report fails the run (halt_on_error=1, exit code 66); reports are kept in build-tsan/tsan-logs/.
# Suppressions: tests/tsan.supp (third-party code only; empty today).
#
#   scripts/tsan.sh [--quick] [PYTEST ARGS...]      --quick: the CI subset (scripts/test.sh), ~2 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD:-build-tsan}
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
scripts/build.sh "$build" -DHD_SANITIZE=thread -DHD_COVERAGE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C "$build" test_threads >/dev/null
logs=$PWD/$build/tsan-logs
rm -rf "$logs"; mkdir -p "$logs"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp log_path=$logs/tsan ${TSAN_OPTIONS:-}"
rc=0
echo "== unit tests under TSan: test_threads"
(cd tests/unit && "../../$build/test_threads") || rc=1

t=tests/integration
if [ $quick = 1 ]; then
	sel=("$t/test_parallel.py" "$t/test_atomic.py::test_multi_slice_uses_two_phase_commit"
		"$t/test_atomic.py::test_killing_a_slice_backend_fails_the_copy_cleanly")
else
	sel=("$t/test_parallel.py" "$t/test_atomic.py" "$t/test_errors.py" "$t/test_matrix.py")
fi
echo "== integration tests with the TSan hdcopy"
HDCOPY_BIN="$PWD/$build/hdcopy" python3 -m pytest -q -p no:cacheprovider "${sel[@]}" "$@" || rc=1
reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
	echo "== ThreadSanitizer reports:"
	for f in $reports; do echo "--- $f"; head -n 80 "$f"; done
	rc=1
else
	echo "== no ThreadSanitizer reports"
fi
exit $rc
