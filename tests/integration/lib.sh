# Shared helpers for integration tests (sourced, bash). Each test file starts
# its own throwaway cluster with cluster.sh, submits jobs as the unprivileged
# test user, polls for their end, and reports in TAP.
#
# Environment: top_srcdir, top_builddir (set by make check),
# AUTOEXP_INTEGRATION=1 to run at all, AUTOEXP_TEST_CLUSTER_DIR to move the
# cluster directories (default: BUILDDIR/test-cluster).

AUTOEXP_TEST_USER=${AUTOEXP_TEST_USER:-autoexp-test}
export AUTOEXP_TEST_USER
tap_n=0
tap_failed=0

tap_plan() { echo "1..$1"; }
tap_skip_all() { echo "1..0 # SKIP $*"; exit 0; }
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# Skip the whole file unless it can run here.
integration_preflight() {
	[ "${AUTOEXP_INTEGRATION:-0}" = 1 ] ||
		tap_skip_all "integration tests run with AUTOEXP_INTEGRATION=1 (contrib/run-tests.sh)"
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root to run slurmd"
	command -v slurmctld >/dev/null && command -v slurmd >/dev/null ||
		tap_skip_all "slurmctld/slurmd not installed"
	[ -f "$top_builddir/spank/.libs/autoexp.so" ] ||
		tap_skip_all "plugin not built (configured --without-slurm?)"
	if grep -q 'fsanitize' "$top_builddir/Makefile" 2>/dev/null &&
		grep -q '^SANITIZER_CFLAGS = -f' "$top_builddir/Makefile"; then
		tap_skip_all "sanitizer build: Slurm cannot load an ASan plugin"
	fi
}

# cluster_start NAME INDEX [plugstack args...]: a cluster in its own
# directory, on its own ports (6900 + 2*INDEX), so test files can run at once.
# With --nodes N first among the args (2..9; 1 is the default): nodes
# node1..nodeN, each in network and UTS namespaces of its own on network
# 10.211.INDEX.0/24 (docs/test-cluster.md), and the file is skipped when
# namespaces cannot be made here. CLUSTER_NODES is the number of nodes.
# The built helper, CLI and simulator are copied to $CLUSTER_DIR/bin and the
# shipped configs to $CLUSTER_DIR/config (the job user may not reach the build
# tree); plugstack gets helper= and presets= pointing there unless the
# caller's args set them.
cluster_start() {
	local name=$1 index=$2 base
	shift 2
	local why
	CLUSTER_NODES=1
	case "${1:-}" in
	--nodes) CLUSTER_NODES=${2:-} ;;
	--nodes=*) CLUSTER_NODES=${1#--nodes=} ;;
	esac
	if [ "$CLUSTER_NODES" != 1 ] &&
		! why=$(bash "$top_srcdir/tests/integration/cluster.sh" check-netns 2>&1); then
		tap_skip_all "a $CLUSTER_NODES-node cluster needs network namespaces: $why"
	fi
	# the nodes' names and addresses (cluster.sh)
	export AUTOEXP_TEST_NET_ID=$index
	bash "$top_srcdir/tests/integration/cluster.sh" ensure-user || exit 1
	base=${AUTOEXP_TEST_CLUSTER_DIR:-$top_builddir/test-cluster}
	mkdir -p "$base"
	# sbatch runs as the test user and reads the cluster's files: a build tree
	# it cannot reach (say, under /root) gets its cluster under /tmp instead.
	if ! runuser -u "$AUTOEXP_TEST_USER" -- test -x "$base"; then
		base=/tmp/autoexp-test-cluster
		mkdir -p "$base"
		chmod 0755 "$base"
	fi
	CLUSTER_DIR=$base/$name
	export AUTOEXP_TEST_CTLD_PORT=$((6900 + 2 * index))
	export AUTOEXP_TEST_SLURMD_PORT=$((6901 + 2 * index))
	trap cluster_stop EXIT
	install_job_side "$CLUSTER_DIR"
	case " $* " in *" helper="*) ;; *) set -- "$@" "helper=$CLUSTER_DIR/bin/autoexp-helper" ;; esac
	case " $* " in *" presets="*) ;; *) set -- "$@" "presets=$CLUSTER_DIR/config" ;; esac
	if ! bash "$top_srcdir/tests/integration/cluster.sh" start "$CLUSTER_DIR" \
		"$top_builddir/spank/.libs/autoexp.so" "$@" >"$CLUSTER_DIR.start.log" 2>&1; then
		echo "Bail out! cluster did not start: $(tail -n 3 "$CLUSTER_DIR.start.log" | tr '\n' ' ')"
		exit 1
	fi
	export SLURM_CONF=$CLUSTER_DIR/etc/slurm.conf
	WORK=$CLUSTER_DIR/work
}

# install_job_side DIR: what jobs and the helper run, where the user reaches it.
install_job_side() {
	local d=$1 f
	mkdir -p "$d/bin" "$d/config"
	for f in helper/autoexp-helper helper/autoexp contrib/megatron_sim; do
		[ -x "$top_builddir/$f" ] && install -m 0755 "$top_builddir/$f" "$d/bin/"
	done
	cp -R "$top_srcdir/config/." "$d/config/"
	chmod -R a+rX "$d/bin" "$d/config"
	chmod a+x "$d"
}

cluster_stop() {
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	bash "$top_srcdir/tests/integration/cluster.sh" stop "$CLUSTER_DIR" >/dev/null 2>&1 || true
}

# on_node NODE CMD...: run CMD (as root) in NODE's network namespace, with
# hostname NODE: node1..nodeN, or localhost on a single-node cluster.
on_node() {
	bash "$top_srcdir/tests/integration/cluster.sh" exec "$CLUSTER_DIR" "$@"
}

# node_uts NODE: the UTS namespace of the node's slurmd, which everything
# the node runs inherits (on_node makes a namespace of its own each time)
node_uts() {
	readlink "/proc/$(cat "$CLUSTER_DIR/run/slurmd.$1.pid")/ns/uts"
}

# sample_autoexp FILE: in the background (its pid in SAMPLER) until killed,
# every 0.2 s, one line per process of the test user named autoexp-helper
# or autoexp on one of the cluster's nodes (node1..node3, told apart by
# their slurmds' UTS namespaces): "TICK NODE PID ROLE JOB" (ROLE:
# supervisor, worker, end-record, cli; JOB: a helper's --job-id, else -).
sample_autoexp() {
	/usr/bin/python3 - "$1" "$(id -u "$AUTOEXP_TEST_USER")" "$CLUSTER_DIR/run" <<'PY' &
import os, sys, time
out = open(sys.argv[1], "a", buffering=1)
uid = int(sys.argv[2])
run = sys.argv[3]
def node_map():
    # each node's UTS namespace is its slurmd's (a restarted slurmd: a new one)
    m = {}
    for k in (1, 2, 3):
        try:
            with open("%s/slurmd.node%d.pid" % (run, k)) as f:
                m[os.readlink("/proc/%s/ns/uts" % f.read().strip())] = "node%d" % k
        except (OSError, ValueError):
            pass
    return m
def read(p, name):
    with open("/proc/%s/%s" % (p, name)) as f:
        return f.read()
tick = 0
while True:
    tick += 1
    nodes = node_map()
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat("/proc/" + p).st_uid != uid:
                continue
            comm = read(p, "comm").strip()
            if comm not in ("autoexp-helper", "autoexp"):
                continue
            node = nodes.get(os.readlink("/proc/%s/ns/uts" % p))
            ppid = read(p, "stat").rsplit(")", 1)[1].split()[1]
            parent = read(ppid, "comm").strip()
            args = read(p, "cmdline").split("\0")
        except OSError:
            continue
        if node is None:
            continue
        role = ("cli" if comm == "autoexp" else
                "end-record" if "--end-record" in args else
                "worker" if parent == "autoexp-helper" else "supervisor")
        job = args[args.index("--job-id") + 1] if "--job-id" in args[:-1] else "-"
        print(tick, node, p, role, job, file=out)
    time.sleep(0.2)
PY
	SAMPLER=$!
}

# cluster_leftovers: what a stopped cluster left behind (namespaces, links,
# daemons, processes, mounts), printed; fails when there is anything.
cluster_leftovers() {
	bash "$top_srcdir/tests/integration/cluster.sh" leftovers "$CLUSTER_DIR"
}

# as_user CMD...: run CMD as the test user in the work directory, with an
# environment that only carries what Slurm's clients need.
as_user() {
	(cd "$WORK" && runuser -u "$AUTOEXP_TEST_USER" -- \
		env -i PATH=/usr/bin:/bin HOME="$WORK" USER="$AUTOEXP_TEST_USER" \
		SLURM_CONF="$SLURM_CONF" "$@")
}

# submit ARGS...: sbatch as the test user. Sets JOB_ID (empty when refused)
# and SUBMIT_RC; sbatch's stderr is kept in $WORK/last_sbatch.err.
submit() {
	local out
	SUBMIT_RC=0
	out=$(as_user sbatch --parsable "$@" 2>"$WORK/last_sbatch.err") || SUBMIT_RC=$?
	JOB_ID=${out%%;*}
	return 0
}

job_field() { # job_field ID FIELD
	scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

job_state() { job_field "$1" JobState; }

# wait_job ID [TIMEOUT_S]: poll (not sbatch --wait, which polls every 2 s)
# until the job ends; prints its final state.
wait_job() {
	local id=$1 limit=${2:-60} i state
	for i in $(seq 1 $((limit * 10))); do
		state=$(job_state "$id")
		case "$state" in
		COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
			echo "$state"
			return 0
			;;
		esac
		sleep 0.1
	done
	echo "TIMEOUT_WAITING($state)"
	return 1
}

job_stdout_path() { job_field "$1" StdOut; }
job_output() { cat "$(job_stdout_path "$1")" 2>/dev/null; }

tap_end() {
	echo "# $((tap_n - tap_failed)) passed, $tap_failed failed"
	[ "$tap_failed" = 0 ]
}
