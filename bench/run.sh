#!/bin/bash
# Run the benchmarks against a build directory and print each result with the
# ratio to its baseline measured in the same invocation. Not a test: nothing
# here fails on a number; budgets (from the issues) are printed next to them.
#   bench/run.sh [BUILDDIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
make -C "$build" -s bench/bench_config bench/bench_jobstart >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== config engine: compose + resolve, 2000 keys, 500 interpolations (budget 5 ms)"
/usr/bin/python3 "$src/bench/gen_config.py" 2000 500 >"$tmp/big.yaml"
ours=$("$build/bench/bench_config" "$tmp/big.yaml" 200)
theirs=$(/usr/bin/python3 "$src/bench/omegaconf_config.py" "$tmp/big.yaml" 20)
ratio=$(/usr/bin/python3 -c "print('%.1f' % ($theirs / $ours))")
echo "autoexp: $ours ms   OmegaConf 2.2 (same file, same run): $theirs ms   OmegaConf/autoexp: ${ratio}x"

echo "== plugin work per job for the shipped configs (budgets: submit 20 ms, job start 5 ms)"
mapfile -t configs < <(find "$src/config" -name '*.yaml' -path '*examples*' | sort)
"$build/bench/bench_jobstart" 50 "${configs[@]}"

# The job-side helper: throughput, memory, latency, idle wakeups (issue #5).
bash "$src/bench/bench_helper.sh" "$build"

# A three-node job: job start on the batch host, nothing on the others (#13).
bash "$src/bench/bench_multinode.sh" "$build"
