#!/usr/bin/env bash
# tests/fuzz/run.sh — build the libFuzzer targets (clang, ASan + UBSan), replay their corpora and the saved crash
# inputs, and fuzz each target for a fixed budget. docs/testing.md describes the tier.
#
#   tests/fuzz/run.sh [--ci] [--seconds N] [--jobs J] [--build-only] [--replay-only] [--coverage] [TARGET...]
#
#   --ci           the CI tier: replay everything, then fuzz every target for FUZZ_SECONDS (default 35) s, J at a
#                  time (default 2); new inputs go to a scratch directory, the committed corpus is not touched
#   --seconds N    fuzz each target for N seconds (default 60 without --ci); FUZZ_SECONDS in the environment too
#   --jobs J       targets fuzzed at the same time (default 2); FUZZ_JOBS too
#   --build-only   build and stop
#   --replay-only  build, replay tests/fuzz/corpus/<t>/ and tests/fuzz/regress/<t>-*, stop
#   --coverage     build a coverage variant (-fprofile-instr-generate -fcoverage-mapping, no sanitizers) into
#                  $FUZZ_BUILD-cov, replay the corpora through it and print llvm-cov report per target
#   TARGET...      only these targets (names without fuzz_, e.g. csv conv)
#
# Without --ci, new inputs found while fuzzing are added to tests/fuzz/corpus/<t>/ (keep it small: campaign.sh
# merges). A crash stops that target; its input is in $FUZZ_BUILD/artifacts/ — minimise it (campaign.sh prints
# how) and save it as tests/fuzz/regress/<target>-<short-name>: it is replayed on every run from then on.
# Exit status: 0 when every replay and every fuzzing run finished without a finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
fz=tests/fuzz
build=${FUZZ_BUILD:-$root/build-fuzz}

ci=0 build_only=0 replay_only=0 coverage=0
seconds=${FUZZ_SECONDS:-} jobs=${FUZZ_JOBS:-2}
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ci) ci=1 ;;
	--seconds) seconds=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	--build-only) build_only=1 ;;
	--replay-only) replay_only=1 ;;
	--coverage) coverage=1 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1") ;;
	esac
	shift
done
[ -n "$seconds" ] || { [ $ci = 1 ] && seconds=35 || seconds=60; }
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$fz"/fuzz_*.c; do t=${f##*/fuzz_}; targets+=("${t%.c}"); done
fi

CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "run.sh: $CC not found (scripts/deps.sh installs clang)" >&2; exit 2; }

# The project sources the parsers live in: everything the targets reach, nothing that needs a server.
lib_srcs=$(ls src/common/*.c src/copy/*.c src/codec/*.c src/format/*.c src/convert/*.c \
	src/source/hjson.c src/source/manifest.c)
# Sources only some targets link (serve's readers: no libevent or libpq needed), compiled like the library's.
extra_srcs() {
	case "$1" in
	serve_proto) echo src/serve/proto.c src/serve/classify.c ;;
	esac
}
libs="-lz -lbz2 -lzstd -lisal -llzo2 -lm -lpthread"
warn="-Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wvla -Wno-format-nonliteral"
defs="-D_GNU_SOURCE -DHD_VERSION=\"fuzz\" -I$root/src -I$root/include -I$root/$fz"

# build DIR "CFLAGS": a Makefile (so rebuilds are incremental, header changes included) that compiles the library
# objects with instrumentation for libFuzzer and links every target.
build_variant() {
	local dir=$1 cflags=$2 ldflags=$3
	mkdir -p "$dir/obj"
	{
		echo "CC := $CC"
		echo "CFLAGS := -std=c17 -g -O1 $warn $defs $cflags"
		echo "LDFLAGS := $ldflags"
		echo "LIBS := $libs"
		printf 'OBJS :='
		for s in $lib_srcs; do o=${s//\//_}; printf ' obj/%s' "${o%.c}.o"; done
		echo
		printf 'all:'
		for t in "${targets[@]}"; do printf ' fuzz_%s' "$t"; done
		echo
		local extra
		extra=$(for t in "${targets[@]}"; do extra_srcs "$t"; done | tr ' ' '\n' | sort -u)
		for s in $lib_srcs $extra; do
			o=${s//\//_}
			printf 'obj/%s: %s\n\t$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@\n' \
				"${o%.c}.o" "$root/$s"
		done
		for t in "${targets[@]}"; do
			local xo=""
			for s in $(extra_srcs "$t"); do o=${s//\//_}; xo="$xo obj/${o%.c}.o"; done
			printf 'fuzz_%s: %s $(OBJS)%s\n\t$(CC) $(CFLAGS) $(LDFLAGS) -MMD -MP -MF obj/fuzz_%s.d %s $(OBJS)%s $(LIBS) -o $@\n' \
				"$t" "$root/$fz/fuzz_$t.c" "$xo" "$t" "$root/$fz/fuzz_$t.c" "$xo"
		done
		echo '-include obj/*.d'
	} > "$dir/Makefile"
	(cd "$root" && make -s -C "$dir" -j"$(nproc)" all) || { echo "run.sh: build failed" >&2; exit 2; }
}

# The sources each target is about (what --coverage reports on).
cov_sources() {
	case "$1" in
	copy) echo src/copy/lex.c src/copy/parse.c src/copy/spec.c ;;
	script) echo src/copy/script.c ;;
	delimited|csv|fixedwidth) echo "src/format/$1.c src/format/reader.c" ;;
	json) echo src/format/json.c ;;
	jsonpaths) echo src/format/json.c src/format/jsonpath.c ;;
	codec) echo src/codec/*.c ;;
	conv) echo src/convert/*.c ;;
	dtfmt) echo src/convert/datetime.c ;;
	hjson) echo src/source/hjson.c ;;
	manifest) echo src/source/manifest.c ;;
	serve_proto) echo src/serve/proto.c src/serve/classify.c ;;
	*) echo src ;;
	esac
}

if [ $coverage = 1 ]; then
	cov=$build-cov
	build_variant "$cov" "-fprofile-instr-generate -fcoverage-mapping" "-fsanitize=fuzzer -fprofile-instr-generate"
	echo "== coverage (replay of tests/fuzz/corpus through an instrumented build)"
	for t in "${targets[@]}"; do
		rm -f "$cov/$t".profraw
		inputs=("$fz/corpus/$t")
		LLVM_PROFILE_FILE="$cov/$t.profraw" "$cov/fuzz_$t" -runs=0 "${inputs[@]}" >/dev/null 2>&1 || true
		llvm-profdata merge -sparse "$cov/$t.profraw" -o "$cov/$t.profdata"
		echo "-- fuzz_$t"
		# shellcheck disable=SC2046
		llvm-cov report "$cov/fuzz_$t" -instr-profile="$cov/$t.profdata" $(cov_sources "$t") |
			sed -n '1,2p;/^TOTAL/p;/\.c /p'
	done
	exit 0
fi

echo "== building fuzz targets in $build ($CC, ASan + UBSan)"
t0=$SECONDS
build_variant "$build" "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	"-fsanitize=fuzzer,address,undefined"
echo "   built ${#targets[@]} targets in $((SECONDS - t0)) s"
[ $build_only = 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/artifacts" "$build/logs"
common_opts=(-rss_limit_mb=2560 -timeout=25 -max_len=16384 -artifact_prefix="$build/artifacts/")
status=0

echo "== replaying corpora and regression inputs"
for t in "${targets[@]}"; do
	n=0
	if [ -d "$fz/corpus/$t" ]; then
		n=$(find "$fz/corpus/$t" -type f | wc -l)
		if ! "$build/fuzz_$t" "${common_opts[@]}" -runs=0 "$fz/corpus/$t" > "$build/logs/$t.replay" 2>&1; then
			echo "   FAIL fuzz_$t: corpus replay (log: $build/logs/$t.replay)"; status=1; continue
		fi
	fi
	reg=()
	for f in "$fz"/regress/"$t"-*; do [ -f "$f" ] && reg+=("$f"); done
	if [ ${#reg[@]} -gt 0 ] &&
	   ! "$build/fuzz_$t" "${common_opts[@]}" "${reg[@]}" >> "$build/logs/$t.replay" 2>&1; then
		echo "   FAIL fuzz_$t: regression input (log: $build/logs/$t.replay)"; status=1; continue
	fi
	printf '   ok   fuzz_%-12s %4d corpus inputs, %d regression inputs\n' "$t" "$n" "${#reg[@]}"
done
[ $replay_only = 1 ] && exit $status

echo "== fuzzing each target for $seconds s, $jobs at a time"
fuzz_one() {
	local t=$1 out dict=()
	[ -f "$fz/dict/$t.dict" ] && dict=(-dict="$fz/dict/$t.dict")
	if [ $ci = 1 ]; then
		out=$build/ci-corpus/$t; rm -rf "$out"
	else
		out=$fz/corpus/$t
	fi
	mkdir -p "$out" "$fz/corpus/$t"
	local dirs=("$out"); [ "$out" != "$fz/corpus/$t" ] && dirs+=("$fz/corpus/$t")
	if "$build/fuzz_$t" "${common_opts[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
		"${dirs[@]}" > "$build/logs/$t.fuzz" 2>&1; then
		res=ok
	else
		res=FAIL
	fi
	local execs cov
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.fuzz" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$build/logs/$t.fuzz" | tail -n 1)
	printf '   %-4s fuzz_%-12s %10s execs  %-10s (log: %s)\n' "$res" "$t" "${execs:-?}" "${cov:-}" \
		"$build/logs/$t.fuzz"
	[ $res = ok ]
}
t0=$SECONDS
failed=0 running=0
for t in "${targets[@]}"; do
	fuzz_one "$t" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
done
while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
echo "   fuzzed ${#targets[@]} targets in $((SECONDS - t0)) s"
if [ $failed = 1 ]; then
	status=1
	echo "run.sh: a target found a crash or broke an invariant; inputs in $build/artifacts/" >&2
fi
exit $status
