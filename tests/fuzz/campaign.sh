#!/usr/bin/env bash
# tests/fuzz/campaign.sh — the long fuzzing campaign: every target (or those named) for HOURS each (default 1),
# JOBS libFuzzer workers per target (default: the number of cores), new inputs kept, the corpus then merged down
# (-merge=1: only inputs that add coverage survive) so the committed corpus stays small (< 2 MB all together).
#
#   tests/fuzz/campaign.sh [--hours H] [--jobs J] [TARGET...]
#
# Crashes and invariant failures land in build-fuzz/artifacts/<target>/. For each:
#   build-fuzz/fuzz_<t> -minimize_crash=1 -runs=100000 -exact_artifact_path=tests/fuzz/regress/<t>-<short-name> CRASH
# then fix the bug; run.sh replays tests/fuzz/regress/<t>-* on every run from then on.
# At the end it prints executions and coverage per target, and the corpus size.
set -euo pipefail
cd "$(dirname "$0")/../.."
fz=$PWD/tests/fuzz   # absolute: the fuzzer runs from $build/campaign
build=${FUZZ_BUILD:-$PWD/build-fuzz}
hours=1 jobs=$(nproc)
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--hours) hours=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) targets+=("$1") ;;
	esac
	shift
done
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$fz"/fuzz_*.c; do t=${f##*/fuzz_}; targets+=("${t%.c}"); done
fi
secs=$(awk -v h="$hours" 'BEGIN { printf "%d", h * 3600 }')

"$fz"/run.sh --replay-only "${targets[@]}"   # builds too; a corpus that already fails stops here

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
found=0
for t in "${targets[@]}"; do
	new=$build/campaign/$t
	art=$build/artifacts/$t
	mkdir -p "$new" "$art" "$fz/corpus/$t"
	dict=()
	[ -f "$fz/dict/$t.dict" ] && dict=(-dict="$fz/dict/$t.dict")
	echo "== fuzz_$t: ${hours} h, $jobs workers (logs: $build/campaign/$t-*.log)"
	# -fork keeps going after a crash (each one is saved), so an hour is not lost to the first finding.
	(cd "$build/campaign" && "$build/fuzz_$t" -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
		-max_total_time="$secs" -rss_limit_mb=2560 -timeout=25 -max_len=16384 -print_final_stats=1 \
		-artifact_prefix="$art/" "${dict[@]}" "$new" "$fz/corpus/$t" > "$build/campaign/$t-fuzz.log" 2>&1) || true
	# Merge: keep the smallest set of inputs with the same coverage, back into the committed corpus.
	merged=$build/campaign/$t-merged
	rm -rf "$merged"; mkdir -p "$merged"
	"$build/fuzz_$t" -merge=1 -rss_limit_mb=2560 -timeout=25 -max_len=16384 "$merged" "$fz/corpus/$t" "$new" \
		> "$build/campaign/$t-merge.log" 2>&1
	rm -rf "${fz:?}/corpus/$t"; mv "$merged" "$fz/corpus/$t"
	# (-fork's lines read "#N: cov: C ft: F corp: K exec/s E"; a log without them must not stop the script)
	execs=$( { grep -Eo 'exec/s:? [0-9]+' "$build/campaign/$t-fuzz.log" || true; } | tail -n 1)
	runs=$( { grep -Eo '^#[0-9]+' "$build/campaign/$t-fuzz.log" || true; } | tail -n 1)
	cov=$( { grep -Eo 'cov: [0-9]+' "$build/campaign/$t-fuzz.log" || true; } | tail -n 1)
	n=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	printf '   fuzz_%-12s %s executions (last worker line), %s, %s; corpus %d inputs; %d findings in %s\n' \
		"$t" "${runs:-?}" "${execs:-?}" "${cov:-?}" "$(find "$fz/corpus/$t" -type f | wc -l)" "$n" "$art"
	[ "$n" -eq 0 ] || found=1
done
echo "corpus: $(du -sb "$fz/corpus" | cut -f1) bytes in $(find "$fz/corpus" -type f | wc -l) files (keep < 2 MB)"
exit $found
