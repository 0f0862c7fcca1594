#!/usr/bin/env bash
# scripts/valgrind.sh — the integration suite with every hdcopy run under valgrind memcheck (no sanitizers:
# build-valgrind/, RelWithDebInfo). A memory error, or a definite/indirect leak on any path, success or failure,
# makes that hdcopy exit 97, so the test fails; every report is also kept in $HDCOPY_VALGRIND_LOGS/vg.<pid>.log
# (default build-valgrind/logs/, emptied first) and summarised at the end. docs/testing.md "Sanitizers".
#
#   scripts/valgrind.sh [--quick] [PYTEST ARGS...]
#
#   --quick   the CI subset (scripts/test.sh): every format's success and failure paths on PostgreSQL and SQLite,
#             rejected rows and MAXERROR, compressed input, parallel slices — a few minutes
#   default   the whole of tests/integration/ (about an hour on 2 cores)
# Suppressions: tests/valgrind.supp (third-party code only).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed (apt-get install valgrind)" >&2; exit 2; }
build=${VALGRIND_BUILD:-build-valgrind}
scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_SANITIZE=OFF -DHD_COVERAGE=OFF -DHD_TESTS=OFF
logs=${HDCOPY_VALGRIND_LOGS:-$PWD/$build/logs}
rm -rf "$logs"; mkdir -p "$logs"
quick=()
if [ "${1:-}" = --quick ]; then
	shift
	t=tests/integration
	quick=("$t/test_errors.py" "$t/test_csv.py"
		"$t/test_json.py::test_auto_category_example" "$t/test_json.py::test_jsonpaths_category_example"
		"$t/test_json.py::test_malformed_record_is_an_error_row"
		"$t/test_fixedwidth.py::test_venue_example" "$t/test_fixedwidth.py::test_gzip_fixedwidth"
		"$t/test_fixedwidth.py::test_long_record_is_rejected"
		"$t/test_delimited.py::test_escape" "$t/test_delimited.py::test_no_file_matches_is_load_file_not_found"
		"$t/test_parallel.py::test_maxerror_counts_across_slices"
		"$t/test_parallel.py::test_compressed_parts_across_slices_with_rejects")
else
	# every test file; the slow ones (big files, SIGKILL loops, a JVM, network namespaces) last
	slow=" test_atomic.py test_parallel.py test_matrix.py test_hdfs.py test_ssh.py test_emr_ssh.py "
	for f in tests/integration/test_*.py; do [[ $slow == *" ${f##*/} "* ]] || quick+=("$f"); done
	for f in $slow; do [ -f "tests/integration/$f" ] && quick+=("tests/integration/$f"); done
fi
start=$(date +%s)
rc=0
HDCOPY_VALGRIND=1 HDCOPY_VALGRIND_LOGS="$logs" HDCOPY_BIN="$PWD/$build/hdcopy" \
	python3 -m pytest -q -p no:cacheprovider "${quick[@]}" "$@" || rc=$?
runs=$(find "$logs" -name 'vg.*.log' | wc -l)
bad=$(find "$logs" -name 'vg.*.log' -size +0 | sort)
echo "== valgrind: $runs hdcopy runs in $(( $(date +%s) - start )) s; $(echo "$bad" | grep -c . || true) with reports"
for f in $bad; do
	echo "--- $f"
	head -n 60 "$f"
done
[ -z "$bad" ] || rc=1
exit $rc
