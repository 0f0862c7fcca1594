#!/usr/bin/env bash
# scripts/coverage.sh — line, function and branch coverage of src/ by every test tier together: clang source-based
# coverage (-fprofile-instr-generate -fcoverage-mapping, no sanitizers) in build-cov/, then
#   1. the unit tests (ctest),
#   2. the fuzz corpora and regression inputs replayed (tests/fuzz/run.sh --coverage, into build-cov/fuzz-cov/),
#   3. the integration suite with that hdcopy (HDCOPY_BIN; every process writes its own profile: %p),
# merged with llvm-profdata-14 and reported with llvm-cov-14: per file (build-cov/report.txt), per directory
# (build-cov/summary.txt, the table in docs/testing.md) and as HTML (build-cov/html/index.html).
#
#   scripts/coverage.sh [--no-integration] [--no-fuzz] [PYTEST ARGS...]   (pytest args: default tests/integration)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${COV_BUILD:-$root/build-cov}
PROFDATA=${LLVM_PROFDATA:-llvm-profdata-14}
COV=${LLVM_COV:-llvm-cov-14}
integration=1 fuzz=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-integration) integration=0 ;;
	--no-fuzz) fuzz=0 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) break ;;
	esac
	shift
done
command -v "$PROFDATA" >/dev/null || { echo "coverage.sh: $PROFDATA not found (apt-get install llvm-14)" >&2; exit 2; }

CC=${COV_CC:-clang-14} cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHD_COVERAGE=ON \
	-DHD_SANITIZE=OFF >/dev/null
ninja -C "$build" >/dev/null
prof=$build/profiles
rm -rf "$prof" "$build"/fuzz-cov/*.profraw; mkdir -p "$prof"
t0=$SECONDS

echo "== unit tests"
LLVM_PROFILE_FILE="$prof/unit-%p.profraw" ctest --test-dir "$build" 2>&1 | tail -n 3 || true
if [ $fuzz = 1 ]; then
	echo "== fuzz corpora replay"
	FUZZ_BUILD=$build/fuzz FUZZ_CC=clang-14 tests/fuzz/run.sh --coverage > "$build/fuzz-coverage.txt" 2>&1 || true
	cp "$build"/fuzz-cov/*.profraw "$prof"/ 2>/dev/null || true
fi
if [ $integration = 1 ]; then
	echo "== integration tests"
	[ $# -gt 0 ] || set -- tests/integration
	# Merge as we go would need %m; %p keeps one file per process, merged below (a few hundred MB at most).
	LLVM_PROFILE_FILE="$prof/it-%p.profraw" HDCOPY_BIN="$build/hdcopy" \
		python3 -m pytest -q -p no:cacheprovider "$@" 2>&1 | tail -n 5 || true
fi

echo "== merging $(find "$prof" -name '*.profraw' | wc -l) profiles"
find "$prof" -name '*.profraw' > "$build/profiles.list"
"$PROFDATA" merge -sparse -f "$build/profiles.list" -o "$build/all.profdata"
objs=(-object "$build/hdcopy")
for b in "$build"/test_*; do [ -x "$b" ] && objs+=(-object "$b"); done
for b in "$build"/fuzz-cov/fuzz_*; do [ -x "$b" ] && objs+=(-object "$b"); done
# llvm-cov wants the first object positional
first=${objs[1]}
rest=("${objs[@]:2}")
"$COV" report "$first" "${rest[@]}" -instr-profile="$build/all.profdata" "$root/src" > "$build/report.txt" 2>/dev/null
"$COV" show "$first" "${rest[@]}" -instr-profile="$build/all.profdata" -format=html -output-dir="$build/html" \
	"$root/src" >/dev/null 2>&1 || true
"$COV" export "$first" "${rest[@]}" -instr-profile="$build/all.profdata" -summary-only "$root/src" \
	2>/dev/null > "$build/summary.json"
python3 - "$build/summary.json" "$root/src/" > "$build/summary.txt" <<'EOF'
import json, sys
from collections import defaultdict
data = json.load(open(sys.argv[1]))["data"][0]
prefix = sys.argv[2]
agg = defaultdict(lambda: defaultdict(int))
for f in data["files"]:
    name = f["filename"]
    if not name.startswith(prefix):
        continue
    d = name[len(prefix):].split("/")[0] if "/" in name[len(prefix):] else "."
    for kind in ("lines", "functions", "branches", "regions"):
        agg[d][kind + "_c"] += f["summary"][kind]["covered"]
        agg[d][kind + "_n"] += f["summary"][kind]["count"]
pct = lambda c, n: f"{100.0 * c / n:5.1f} %" if n else "   -   "
print("| module | lines | lines % | functions | functions % | branches | branches % |")
print("|---|---|---|---|---|---|---|")
tot = defaultdict(int)
for d in sorted(agg):
    a = agg[d]
    for k, v in a.items():
        tot[k] += v
    print(f"| src/{d} | {a['lines_n']} | {pct(a['lines_c'], a['lines_n'])} | {a['functions_n']} | "
          f"{pct(a['functions_c'], a['functions_n'])} | {a['branches_n']} | {pct(a['branches_c'], a['branches_n'])} |")
print(f"| **total** | {tot['lines_n']} | {pct(tot['lines_c'], tot['lines_n'])} | {tot['functions_n']} | "
      f"{pct(tot['functions_c'], tot['functions_n'])} | {tot['branches_n']} | {pct(tot['branches_c'], tot['branches_n'])} |")
EOF
cat "$build/summary.txt"
echo "(per file: $build/report.txt; HTML: $build/html/index.html; $((SECONDS - t0)) s)"
