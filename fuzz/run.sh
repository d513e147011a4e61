#!/bin/bash
# The fuzz targets (fuzz/fuzz_*.c, docs/testing.md), two ways:
#
#   run.sh                 (make check) each target once on each of its
#                          seeds (fuzz/seeds.py), its hand-made seeds
#                          (fuzz/corpus/TARGET) and the inputs of fixed
#                          crashes (fuzz/regress/TARGET): none may fail
#   run.sh fuzz SECONDS [TARGET...]
#                          (make fuzz, a libFuzzer build) each target, or
#                          the ones named (yaml, rules...), for SECONDS, one
#                          after the other; one line per target (executions,
#                          coverage, corpus, peak memory); exit 1 when any
#                          found a crash, leak, timeout (10 s) or
#                          out-of-memory (2 GiB)
#
# The fuzzing corpus grows in $top_builddir/fuzz-out/corpus/TARGET from run
# to run; what a run found is in fuzz-out/artifacts (libFuzzer's crash-*,
# leak-*, timeout-*, oom-* files) and its log in fuzz-out/logs/TARGET.log.
# To keep a found crash as a test: fix it, then copy the input to
# fuzz/regress/TARGET/ (and add it to a unit test when it shows a bug of
# its own). FUZZ_FLAGS adds libFuzzer flags (e.g. -jobs=2, -seed=1).
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
build=${top_builddir:-.}
src=$(cd "$src" && pwd)
build=$(cd "$build" && pwd)
all_targets="yaml override interp template rules engine capture journal"
export FUZZ_SRCDIR=$src
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# The largest input a target is given: what a real input of its kind is
# (a config, a capture, a journal: 64 KiB; a value or a template: less).
max_len() {
	case "$1" in
	override | template) echo 4096 ;;
	interp | rules) echo 8192 ;;
	*) echo 65536 ;;
	esac
}

dict_of() {
	case "$1" in
	engine) echo rules ;;
	*) echo "$1" ;;
	esac
}

make_seeds() {
	if command -v python3 >/dev/null 2>&1; then
		python3 "$src/fuzz/seeds.py" "$src" "$build" "$1"
	else
		echo "run.sh: no python3: hand-made seeds only"
	fi
}

# The input files of a target for a replay (libFuzzer would fuzz a
# directory, so files are named one by one).
inputs_of() {
	local d
	for d in "$seeds/$1" "$src/fuzz/corpus/$1" "$src/fuzz/regress/$1"; do
		[ -d "$d" ] && find "$d" -type f ! -name '.*' ! -name README
	done
}

# A directory for the targets' files (fuzz_tmpdir() in fuzz/fuzz.h), on
# /dev/shm when it can be: removed here, since libFuzzer exits without
# running the targets' atexit handlers.
make_work() {
	local base=/dev/shm
	[ -w "$base" ] || base=${TMPDIR:-/tmp}
	FUZZ_TMPDIR=$(mktemp -d "$base/autoexp-fuzz.XXXXXX") || exit 1
	export FUZZ_TMPDIR
}

replay() {
	local t n failed=0 log
	tmp=$(mktemp -d)
	make_work
	trap 'rm -rf "$tmp" "$FUZZ_TMPDIR"' EXIT
	seeds=$tmp/seeds
	make_seeds "$seeds" || { echo "run.sh: making the seeds failed"; exit 1; }
	for t in $all_targets; do
		log=$tmp/$t.log
		mapfile -t files < <(inputs_of "$t")
		n=${#files[@]}
		if "$build/fuzz/fuzz_$t" "${files[@]}" >"$log" 2>&1; then
			echo "ok: fuzz_$t: $n inputs"
		else
			echo "FAIL: fuzz_$t: $n inputs"
			grep -E -B2 -A30 'ERROR|runtime error|property failed|Running: ' "$log" | tail -n 60
			failed=1
		fi
	done
	exit $failed
}

# The value of libFuzzer's final "stat::NAME: value" line in a log.
stat_of() {
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

fuzz() {
	local secs=$1 t failed=0 out=$build/fuzz-out log rc dirs d dict
	local cov ft corp execs rss found stamp
	shift
	local targets=${*:-$all_targets}
	for t in $targets; do
		case " $all_targets " in
		*" $t "*) ;;
		*) echo "run.sh: unknown target '$t' (known: $all_targets)"; exit 2 ;;
		esac
	done
	mkdir -p "$out/artifacts" "$out/logs"
	make_work
	trap 'rm -rf "$FUZZ_TMPDIR"' EXIT
	seeds=$out/seeds
	rm -rf "$seeds"
	make_seeds "$seeds" || { echo "run.sh: making the seeds failed"; exit 1; }
	printf '%-14s %11s %6s %6s %7s %8s  %s\n' target execs cov ft corpus rss result
	for t in $targets; do
		mkdir -p "$out/corpus/$t"
		dirs=("$out/corpus/$t")
		for d in "$seeds/$t" "$src/fuzz/corpus/$t" "$src/fuzz/regress/$t"; do
			[ -d "$d" ] && dirs+=("$d")
		done
		dict=()
		[ -f "$src/fuzz/dict/$(dict_of "$t").dict" ] &&
			dict=(-dict="$src/fuzz/dict/$(dict_of "$t").dict")
		log=$out/logs/$t.log
		stamp=$out/logs/$t.start
		touch "$stamp"
		# shellcheck disable=SC2086
		(cd "$out" && "$build/fuzz/fuzz_$t" -max_total_time="$secs" \
			-timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
			-print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
			"${dict[@]}" ${FUZZ_FLAGS:-} "${dirs[@]}") >"$log" 2>&1
		rc=$?
		rm -rf "${FUZZ_TMPDIR:?}"/*
		execs=$(stat_of "$log" number_of_executed_units)
		# fork mode (FUZZ_FLAGS=-fork=N) prints no stats: its last #N
		[ -n "$execs" ] || execs=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed 's/^#\([0-9]*\).*/\1/')
		rss=$(stat_of "$log" peak_rss_mb)
		cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		corp=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
		found=$(find "$out/artifacts" -name "$t-*" -newer "$stamp" | sort)
		if [ "$rc" = 0 ] && [ -z "$found" ]; then
			result=ok
		else
			result="FAILED (exit $rc)"
			failed=1
		fi
		printf '%-14s %11s %6s %6s %7s %6sMB  %s\n' "fuzz_$t" "${execs:-?}" \
			"${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$result"
		if [ "$result" != ok ]; then
			for f in $found; do echo "  input: $f"; done
			grep -E -A25 '^==[0-9]+==ERROR|runtime error|property failed|ERROR: libFuzzer' "$log" |
				head -n 40 | sed 's/^/  /'
			echo "  log: $log"
		fi
	done
	exit $failed
}

case "${1:-replay}" in
replay) replay ;;
fuzz)
	[ $# -ge 2 ] || { echo "usage: run.sh fuzz SECONDS [TARGET...]"; exit 2; }
	shift
	fuzz "$@"
	;;
*) echo "usage: run.sh [replay | fuzz SECONDS [TARGET...]]"; exit 2 ;;
esac
