#!/bin/bash
# The README's demo command: installs what is missing, builds, starts a
# throwaway single-node Slurm, submits a job with --autoexp-config as an
# unprivileged user, shows what the job printed, and stops the cluster.
# Idempotent; leaves no daemon running. Needs root (or sudo).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
"$src/contrib/install-deps.sh"
build=$src/build
echo "== building in $build"
"$src/contrib/build.sh" "$build" --enable-werror

export top_srcdir=$src top_builddir=$build
. "$src/tests/integration/lib.sh"
echo "== starting a local Slurm (munged, slurmctld, slurmd) with the plugin"
cluster_start demo 10
echo "   cluster directory: $CLUSTER_DIR"

install -m 0644 "$src/config/examples/demo.yaml" "$WORK/demo.yaml"
cat >"$WORK/demo.sh" <<'JOB'
#!/bin/bash
#SBATCH --job-name=autoexp-demo
#SBATCH --autoexp-config=demo.yaml
echo "job $SLURM_JOB_ID on $(hostname) as $(id -un)"
echo "AUTOEXP_OUTPUT_DIR=${AUTOEXP_OUTPUT_DIR:-<not set: plugin not loaded>}"
echo "AUTOEXP_CONFIG=$AUTOEXP_CONFIG"
JOB

echo "== sbatch demo.sh (as user $AUTOEXP_TEST_USER; the script asks for --autoexp-config=demo.yaml)"
submit "$WORK/demo.sh"
if [ "$SUBMIT_RC" != 0 ]; then
	cat "$WORK/last_sbatch.err"
	exit 1
fi
echo "   submitted job $JOB_ID"
state=$(wait_job "$JOB_ID" 60)
echo "== job $JOB_ID ended: $state; its output:"
job_output "$JOB_ID" | sed 's/^/   | /'

echo "== a submission whose config does not exist is refused at sbatch:"
submit --autoexp-config=missing.yaml --wrap true
sed 's/^/   | /' "$WORK/last_sbatch.err"
echo "   sbatch exit status: $SUBMIT_RC"

prov=$(job_output "$JOB_ID" | sed -n 's/^AUTOEXP_CONFIG=//p' | xargs -r dirname)
if [ -n "$prov" ]; then
	echo "== provenance written at job start in $prov:"
	ls -l "$prov" | sed 's/^/   | /'
	echo "== resolved_config.yaml:"
	sed 's/^/   | /' "$prov/resolved_config.yaml"
fi
[ "$state" = COMPLETED ] && [ -n "$prov" ] && [ -f "$prov/run_metadata.json" ]
