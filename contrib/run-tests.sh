#!/bin/bash
# The README's test command: installs what is missing, builds, and runs every
# test: unit tests (also under ASan/UBSan), the data-driven config suites, the
# integration tests on a throwaway local Slurm started here, distcheck, each
# fuzz target for FUZZ_SECONDS (default 60), and the static analyzers
# (docs/testing.md). Ends with one line "N passed, N failed, N skipped".
# Idempotent; leaves no daemon running. Needs root (or sudo) for the packages
# and for slurmd.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
"$src/contrib/install-deps.sh" || { echo "run-tests: installing packages failed"; exit 1; }

passed=0 failed=0 skipped=0
# count BUILDDIR: add the results of the last make check in BUILDDIR.
count() {
	local trs p f s
	for trs in $(find "$1" -name '*.trs' 2>/dev/null); do
		p=$(grep -c '^:test-result: PASS' "$trs")
		f=$(grep -Ec '^:test-result: (FAIL|ERROR|XPASS)' "$trs")
		s=$(grep -c '^:test-result: SKIP' "$trs")
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
}
step_failed() { echo "run-tests: $1 failed"; failed=$((failed + 1)); }

# 1. Normal build: unit tests, config suites and integration tests.
build=$src/build
if "$src/contrib/build.sh" "$build" --enable-werror; then
	find "$build" -name '*.trs' -delete
	make -C "$build" -j2 check AUTOEXP_INTEGRATION=1 >/dev/null 2>&1
	sed -n '/^# TOTAL/,/^# ERROR/p' "$build/test-suite.log" | sed 's/^/build: /'
	grep -E -A30 '^(FAIL|ERROR): ' "$build/test-suite.log" | head -n 200
	count "$build"
	# Nothing of the test clusters is left on the machine: daemons, job
	# processes, namespaces, interfaces, addresses, mounts, job cgroups.
	left=$(for d in "$build"/test-cluster/*/ /tmp/autoexp-test-cluster/*/; do
		[ -f "$d/etc/slurm.conf" ] || continue
		# (nothing else may run meanwhile with the cluster's path in its
		# arguments: it would be listed as the cluster's process)
		out=$(bash "$src/tests/integration/cluster.sh" leftovers "$d" 2>&1) ||
			printf '%s: %s\n' "${d%/}" "$out"
	done
	ip netns list 2>/dev/null | grep '^aex' | sed 's/^/namespace: /'
	ip -o link show 2>/dev/null | grep -o ' aex[0-9a-z]*' | sed 's/^/interface:/')
	if [ -z "$left" ]; then
		echo "leftovers: none (daemons, processes, namespaces, interfaces, mounts, cgroups)"
		passed=$((passed + 1))
	else
		printf '%s\n' "$left" | head -n 40
		step_failed "the test clusters' clean-up"
	fi
else
	step_failed "build"
fi

# 2. Sanitizer build (no plugin: Slurm cannot load an ASan module).
asan=$src/build-asan
if "$src/contrib/build.sh" "$asan" --enable-werror --enable-sanitizers --without-slurm; then
	find "$asan" -name '*.trs' -delete
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		make -C "$asan" -j2 check >/dev/null 2>&1
	sed -n '/^# TOTAL/,/^# ERROR/p' "$asan/test-suite.log" | sed 's/^/asan: /'
	grep -E -A30 '^(FAIL|ERROR): ' "$asan/test-suite.log" | head -n 200
	count "$asan"
else
	step_failed "sanitizer build"
fi

# 3. The release tarball builds and passes its own checks.
if make -C "$build" distcheck >"$build/distcheck.log" 2>&1; then
	passed=$((passed + 1))
	echo "distcheck: ok"
else
	tail -n 30 "$build/distcheck.log"
	step_failed "distcheck"
fi

# 4. Each fuzz target for a while (clang, libFuzzer): one result a target.
fuzzlog=$build/fuzz.log
if "$src/contrib/fuzz.sh" "${FUZZ_SECONDS:-60}" >"$fuzzlog" 2>&1; then
	:
elif ! grep -q '^fuzz_' "$fuzzlog"; then
	tail -n 30 "$fuzzlog"
	step_failed "fuzz build"
fi
sed -n '/^target /,$p' "$fuzzlog" | sed 's/^/fuzz: /'
p=$(grep -c '^fuzz_.* ok$' "$fuzzlog")
f=$(grep -c '^fuzz_.* FAILED' "$fuzzlog")
passed=$((passed + p)) failed=$((failed + f))

# 5. Static analysis: gcc -fanalyzer and scan-build, against the known
# false positives (contrib/analyzer.supp).
for tool in gcc scan-build; do
	if python3 "$src/contrib/analyze.py" --tool "$tool" "$build" >"$build/analyze-$tool.log" 2>&1; then
		passed=$((passed + 1))
		tail -n 1 "$build/analyze-$tool.log" | sed "s/^/$tool: /"
	else
		tail -n 40 "$build/analyze-$tool.log"
		step_failed "$tool analyzer"
	fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
