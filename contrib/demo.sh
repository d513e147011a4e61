#!/bin/bash
# The README's demo command: installs what is missing, builds, starts a
# throwaway single-node Slurm, submits a simulated Megatron training with
# --autoexp-config as an unprivileged user; the job-side helper sees the
# checkpoint of iteration 20 saved and submits a cooldown run by itself, which
# loads that checkpoint and saves into its own directory. Shows both runs'
# logs, provenance and the difference of their configs, and stops the cluster.
# Idempotent; leaves no daemon running. Needs root (or sudo).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
"$src/contrib/install-deps.sh"
build=${AUTOEXP_BUILD_DIR:-$src/build}
echo "== building in $build"
"$src/contrib/build.sh" "$build" --enable-werror

export top_srcdir=$src top_builddir=$build
. "$src/tests/integration/lib.sh"
echo "== starting a local Slurm (munged, slurmctld, slurmd) with the plugin"
cluster_start demo 10
echo "   cluster directory: $CLUSTER_DIR"

# The experiment: config/examples/megatron_single_cooldown.yaml, 60 simulated
# Megatron iterations with a checkpoint every 10, and the monitoring preset
# megatron_cooldown_single asking for a cooldown from iteration 20.
install -m 0644 "$src/config/examples/megatron_single_cooldown.yaml" "$WORK/exp.yaml"
as_user mkdir -p "$WORK/output"
cat >"$WORK/train.sh" <<JOB
#!/bin/bash
#SBATCH --job-name=autoexp-demo
#SBATCH --autoexp-config=exp.yaml
# autoexp args turns the resolved backend.megatron into Megatron's flags.
set -euo pipefail
mapfile -d '' args < <("$CLUSTER_DIR/bin/autoexp" args -0)
echo "job \$SLURM_JOB_ID (\$SLURM_JOB_NAME) as \$(id -un): megatron_sim \${args[*]}"
exec "$CLUSTER_DIR/bin/megatron_sim" --sim-ms-per-iter 40 "\${args[@]}"
JOB
chmod 0755 "$WORK/train.sh"

echo "== sbatch train.sh (as user $AUTOEXP_TEST_USER; the script asks for --autoexp-config=exp.yaml)"
submit "$WORK/train.sh"
if [ "$SUBMIT_RC" != 0 ]; then
	cat "$WORK/last_sbatch.err"
	exit 1
fi
parent=$JOB_ID
echo "   submitted job $parent"
state=$(wait_job "$parent" 120)
echo "== job $parent ended: $state; the lines of its log that matter:"
grep -E 'saving checkpoint|successfully saved|loading checkpoint|iteration +(1|20|60)/' \
	"$(job_stdout_path "$parent")" | sed 's/^/   | /'
pprov=$WORK/output/single_cooldown/provenance

echo "== the helper saw iteration 20 saved and submitted the cooldown (provenance/cooldowns/):"
sub=
for _ in $(seq 1 600); do
	sub=$(find "$pprov/cooldowns" -name submission.json 2>/dev/null | head -n1)
	[ -n "$sub" ] && grep -q '"status": "submitted"' "$sub" && break
	sleep 0.1
done
[ -n "$sub" ] && sed 's/^/   | /' "$sub"
child=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job_id"] or "")' "$sub" 2>/dev/null || true)
if [ -z "$child" ]; then
	echo "no cooldown was submitted; the helper's log:"
	sed 's/^/   | /' "$pprov/helper.log" 2>/dev/null || true
	exit 1
fi
cstate=$(wait_job "$child" 120)
echo "== cooldown job $child ended: $cstate; the lines of its log that matter:"
grep -E 'loading checkpoint|successfully loaded|saving checkpoint|successfully saved|iteration +(21|30)/' \
	"$(job_stdout_path "$child")" | sed 's/^/   | /'
echo "   (the original run had saved up to iteration $(cat "$WORK/output/single_cooldown/checkpoints/latest_checkpointed_iteration.txt") by then)"
cprov=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["output_dir"])' "$sub")/provenance

for p in "$pprov" "$cprov"; do
	echo "== provenance: $p"
	ls -l "$p" | sed 's/^/   | /'
done
echo "== the cooldown's run_metadata.json names its parent:"
/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["parent"], indent=2))' \
	"$cprov/run_metadata.json" | sed 's/^/   | /'
echo "== what differs between the two resolved configs (autoexp diff ORIGINAL COOLDOWN):"
"$CLUSTER_DIR/bin/autoexp" diff "$pprov/resolved_config.yaml" "$cprov/resolved_config.yaml" |
	sed 's/^/   | /'

echo "== a submission whose config does not exist is refused at sbatch:"
submit --autoexp-config=missing.yaml --wrap true
sed 's/^/   | /' "$WORK/last_sbatch.err"
echo "   sbatch exit status: $SUBMIT_RC"

[ "$state" = COMPLETED ] && [ "$cstate" = COMPLETED ] &&
	grep -q 'loading checkpoint from .* at iteration 20' "$(job_stdout_path "$child")"
