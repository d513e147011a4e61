#!/bin/bash
# The plugin's work in a three-node job (issue 13), on the test cluster
# (tests/integration/cluster.sh, three slurmds in network namespaces):
#   - batch host: the job start (resolve, provenance, the helper's launch),
#     as the plugin measures it ("job start X ms, of which the helper's
#     launch Y ms" in node1's slurmd log),
#     median of N jobs; next to it, for scale, what Slurm itself takes to
#     launch a step on the three nodes;
#   - the other nodes: `srun -N3 true` steps inside an autoexp job (the
#     plugin loaded everywhere, doing nothing off the batch step) against
#     the same steps on the same cluster with no plugin at all (plugstack.conf
#     empty): the ratio of the medians, 1.0 when the other nodes pay
#     nothing.
# Not a test: nothing fails on a number. Needs root and network namespaces;
# prints why and exits 0 otherwise.
#   bench/bench_multinode.sh [BUILDDIR] [N]
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
n=${2:-20}
cluster=$src/tests/integration/cluster.sh
so=$build/spank/.libs/autoexp.so
user=${AUTOEXP_TEST_USER:-autoexp-test}

echo "== three-node job: the plugin on the batch host and on the other nodes (budget: job start 5 ms, other nodes ~0)"
if [ "$(id -u)" != 0 ] || ! why=$(bash "$cluster" check-netns 2>&1); then
	echo "skipped: needs root and network namespaces (${why:-not root})"
	exit 0
fi
if [ ! -f "$so" ]; then
	echo "skipped: $so not built"
	exit 0
fi
export AUTOEXP_TEST_NET_ID=40 AUTOEXP_TEST_CTLD_PORT=6980 AUTOEXP_TEST_SLURMD_PORT=6981
bash "$cluster" ensure-user
d=$(mktemp -d /tmp/autoexp-bench.XXXXXX)
chmod 0755 "$d"
trap 'bash "$cluster" stop "$d" >/dev/null 2>&1; rm -rf "$d"' EXIT
mkdir -p "$d/bin" "$d/config"
install -m 0755 "$build/helper/autoexp-helper" "$d/bin/"
cp -R "$src/config/." "$d/config/"
chmod -R a+rX "$d/bin" "$d/config"
plugin_args=("helper=$d/bin/autoexp-helper" "presets=$d/config")
if ! bash "$cluster" start "$d" "$so" --nodes 3 "${plugin_args[@]}" >"$d.start.log" 2>&1; then
	echo "skipped: the cluster did not start ($(tail -n 2 "$d.start.log" | tr '\n' ' '))"
	exit 0
fi
export SLURM_CONF=$d/etc/slurm.conf
w=$d/work

as_user() {
	(cd "$w" && runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$w" SLURM_CONF="$SLURM_CONF" "$@")
}

wait_done() { # wait_done JOBID...: until none is pending or running
	local i
	for i in $(seq 1 600); do
		[ -z "$(squeue -h -j "$(IFS=,; echo "$*")" 2>/dev/null)" ] && return 0
		sleep 0.2
	done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "n/a" }'; }

# each job its own run (output directory by job id), monitored: the helper starts
cat >"$w/bench.yaml" <<EOS
defaults:
  - monitoring: megatron_basic
  - _self_
project:
  name: bench
  base_output_dir: $w/out/\${oc.env:SLURM_JOB_ID}
EOS
chmod 0644 "$w/bench.yaml"

# steps.sh: N `srun -N3 true` steps, the milliseconds of each on stdout
cat >"$w/steps.sh" <<EOS
#!/bin/bash
for i in \$(seq 1 $n); do
	t0=\$(date +%s%N)
	srun -N3 --ntasks-per-node=1 true
	echo \$(( (\$(date +%s%N) - t0) / 1000 ))
done
EOS
chmod 0755 "$w/steps.sh"

# batch host: N autoexp jobs on the three nodes
ids=()
for i in $(seq 1 "$n"); do
	ids+=("$(as_user sbatch --parsable -N3 --autoexp-config=bench.yaml --wrap true)")
done
wait_done "${ids[@]}"
lines=$(grep -ho 'autoexp: provenance in .*(job start [0-9.]* ms, of which the helper.s launch [0-9.]* ms)' \
	"$d/log/slurmd.node1.log")
start_ms=$(sed 's/.*(job start \([0-9.]*\) ms.*/\1/' <<<"$lines" | median)
helper_ms=$(sed 's/.*launch \([0-9.]*\) ms)/\1/' <<<"$lines" | median)
others=$(cat "$d/log/slurmd.node2.log" "$d/log/slurmd.node3.log" | grep -c 'autoexp: ')

# other nodes: steps in an autoexp job, then with no plugin loaded
id=$(as_user sbatch --parsable -N3 --autoexp-config=bench.yaml -o "$w/with.out" "$w/steps.sh")
wait_done "$id"
with_us=$(median <"$w/with.out")
: >"$d/etc/plugstack.conf"
id=$(as_user sbatch --parsable -N3 -o "$w/without.out" "$w/steps.sh")
wait_done "$id"
without_us=$(median <"$w/without.out")

/usr/bin/python3 - "$start_ms" "$with_us" "$without_us" "$others" "$n" "$helper_ms" <<'PY'
import sys
start, with_us, without_us, others, n, helper = sys.argv[1:]
try:
    step = float(without_us) / 1000
    ratio = float(with_us) / float(without_us)
    print("batch host: job start %s ms (median of %s jobs; the helper's launch %s ms of it)   "
          "Slurm's launch of a 3-node step, no plugin: %.1f ms   job start/step launch: %.2fx"
          % (start, n, helper, step, float(start) / step))
    print("other nodes: 3-node step in an autoexp job %.1f ms   no plugin at all: %.1f ms   "
          "with/without: %.2fx   the plugin's lines in node2/node3 logs: %s"
          % (float(with_us) / 1000, step, ratio, others))
except (ValueError, ZeroDivisionError):
    print("no result: job start %s ms, steps %s/%s us" % (start, with_us, without_us))
PY
