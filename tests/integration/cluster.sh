#!/bin/bash
# A throwaway Slurm (munged + slurmctld + slurmd) for tests and the demo.
# Everything it uses lives under one directory; it never touches /etc/slurm,
# /etc/munge, /etc/hosts or a system daemon. Daemons are started and stopped
# by PID.
#
# By default one node, "localhost", every daemon on loopback. With --nodes N
# (2..9) the nodes are node1..nodeN: each slurmd runs in a network and UTS
# namespace of its own (hostname nodeK, address NET.K on a bridge this script
# creates and removes), slurmctld stays in the root namespace on NET.254.
# Only the network and the host name are private: all share the file system.
# See docs/test-cluster.md.
#
#   cluster.sh start DIR PLUGIN.so [--nodes N] [plugstack args...]
#   cluster.sh stop DIR       # stops all that start made (also namespaces, links); idempotent
#   cluster.sh leftovers DIR  # prints what is left of the cluster; exit 1 if anything
#   cluster.sh exec DIR NODE CMD...       # CMD in NODE's namespaces (hostname NODE)
#   cluster.sh node-stop|node-start DIR NODE  # one node's slurmd, say to fail a node
#   cluster.sh check-netns    # exit 1 with the reason when namespaces cannot be made here
#   cluster.sh install-plugin DIR PLUGIN.so [args...]  # swap plugin/arguments of a running cluster
#   cluster.sh ensure-user    # create the unprivileged test user
#   cluster.sh env DIR        # prints export lines for clients (SLURM_CONF)
#
# Needs root (slurmd runs jobs as their users). The unprivileged test user
# (AUTOEXP_TEST_USER, default autoexp-test) is created when missing.
# Ports: AUTOEXP_TEST_CTLD_PORT, AUTOEXP_TEST_SLURMD_PORT. Multi-node names
# and addresses come from AUTOEXP_TEST_NET_ID (0..255, default 250): network
# AUTOEXP_TEST_NET_PREFIX.ID.0/24 (prefix default 10.211), bridge aexIDbr,
# namespaces and host ends of the veth pairs aexIDnK. Two clusters running at
# once need different ports and ids.
# Process tracking as sites run it: AUTOEXP_TEST_PROCTRACK (cgroup, the
# default: cgroup v1 with a cgroup.conf of its own, or linuxproc) and
# AUTOEXP_TEST_TASKPLUGIN (task/cgroup, the default, or task/none). Slurm's
# cgroup v1 tree is slurm_<node name>/uid_<uid>/job_<id>, the same directory
# for two clusters whose nodes have the same names (every one-node cluster
# is "localhost", every three-node one node1..node3): each cluster numbers
# its jobs from its own FirstJobId (the controller's port times 1000), so
# that clusters running at once never share a job's cgroup.
set -euo pipefail

AUTOEXP_TEST_USER=${AUTOEXP_TEST_USER:-autoexp-test}
CTLD_PORT=${AUTOEXP_TEST_CTLD_PORT:-6917}
SLURMD_PORT=${AUTOEXP_TEST_SLURMD_PORT:-6918}
PROCTRACK=${AUTOEXP_TEST_PROCTRACK:-cgroup}
TASKPLUGIN=${AUTOEXP_TEST_TASKPLUGIN:-task/cgroup}
NET_ID_WANTED=${AUTOEXP_TEST_NET_ID:-250}
NET_PREFIX=${AUTOEXP_TEST_NET_PREFIX:-10.211}
MAX_NODES=9

die() { echo "cluster.sh: $*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their users)"
}

ensure_user() {
	if ! id "$AUTOEXP_TEST_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /bin/sh "$AUTOEXP_TEST_USER"
	fi
}

# The test user runs sbatch, which reads slurm.conf, plugstack.conf and the
# plugin: each directory above DIR must be searchable by that user.
check_reachable() {
	local dir=$1
	if ! runuser -u "$AUTOEXP_TEST_USER" -- test -x "$dir"; then
		die "$dir is not reachable by user $AUTOEXP_TEST_USER; set AUTOEXP_TEST_CLUSTER_DIR to a directory it can reach"
	fi
}

# A zombie is not alive: a killed daemon whose parent (cluster.sh, gone)
# left it to an init that reaps late still answers kill -0.
pid_alive() {
	[ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in
	Z* | '') return 1 ;;
	esac
}

stop_pidfile() { stop_pidfiles "$1"; }

# stop_pidfiles FILE...: SIGTERM to all at once (the nodes of a cluster stop
# in parallel), SIGKILL to what still runs after 10 s.
stop_pidfiles() {
	local file pid i pids='' alive
	for file in "$@"; do
		[ -f "$file" ] || continue
		pid=$(cat "$file" 2>/dev/null || true)
		if pid_alive "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
			pids="$pids $pid"
		fi
	done
	for i in $(seq 1 100); do
		alive=''
		for pid in $pids; do
			! pid_alive "$pid" || alive="$alive $pid"
		done
		pids=$alive
		[ -n "$pids" ] || break
		sleep 0.1
	done
	for pid in $pids; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -f "$@"
}

write_conf() {
	local d=$1 cpus mem k ctld spool pidf logf
	cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n1)
	mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n1)
	[ -n "$cpus" ] || cpus=1
	# Stay below what slurmd detects, or the node drains (INVAL). Each node
	# of a multi-node cluster sees the whole machine: they share its cores.
	mem=$(( mem > 4000 ? 2000 : mem / 2 ))
	if [ "$PROCTRACK" = cgroup ]; then
		# cgroup v1 (the machines mount its controllers); nothing is
		# constrained: the nodes of a cluster share the machine's cores
		printf 'CgroupPlugin=cgroup/v1\nCgroupMountpoint=/sys/fs/cgroup\nConstrainCores=no\nConstrainRAMSpace=no\nConstrainDevices=no\n' >"$d/etc/cgroup.conf"
	else
		rm -f "$d/etc/cgroup.conf"
	fi
	if [ "$NODES" = 1 ]; then
		ctld=localhost spool=$d/spool
		pidf=$d/run/slurmd.pid logf=$d/log/slurmd.log
	else
		# slurmctld listens in the root namespace; the nodes reach it on
		# the bridge. %n: each slurmd its own spool, pid file and log.
		ctld="localhost($NET.254)" spool=$d/spool/%n
		pidf=$d/run/slurmd.%n.pid logf=$d/log/slurmd.%n.log
	fi
	cat >"$d/etc/slurm.conf" <<CONF
ClusterName=autoexp
SlurmctldHost=$ctld
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
FirstJobId=$((CTLD_PORT * 1000))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.sock,cred_expire=10
StateSaveLocation=$d/state
SlurmdSpoolDir=$spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$pidf
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$logf
SlurmdDebug=debug
PlugStackConfig=$d/etc/plugstack.conf
ProctrackType=proctrack/$PROCTRACK
TaskPlugin=$TASKPLUGIN
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
KillWait=5
MinJobAge=300
GresTypes=gpu
CONF
	# Two GPUs per node (gres.conf, no AutoDetect). gres/gpu drops a GPU
	# without File= ("Removing file-less GPU"), so they name two stand-ins
	# in DIR/dev, never opened; CUDA_VISIBLE_DEVICES gets their numbers.
	if [ "$NODES" = 1 ]; then
		cat >>"$d/etc/slurm.conf" <<CONF
NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
		echo "NodeName=localhost Name=gpu File=$d/dev/gpu[0-1]" >"$d/etc/gres.conf"
	else
		for k in $(seq 1 "$NODES"); do
			echo "NodeName=node$k NodeHostname=node$k NodeAddr=$NET.$k CPUs=$cpus RealMemory=$mem Gres=gpu:2 State=UNKNOWN"
		done >>"$d/etc/slurm.conf"
		echo "PartitionName=debug Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP" >>"$d/etc/slurm.conf"
		echo "NodeName=node[1-$NODES] Name=gpu File=$d/dev/gpu[0-1]" >"$d/etc/gres.conf"
	fi
}

# What start set up, kept in DIR/run/cluster.env so that stop, leftovers and
# exec find the same names later. Sets NODES, NET_ID, NET, BRIDGE.
load_record() {
	local d=$1
	NODES=1 NET_ID='' NET='' BRIDGE=''
	if [ -f "$d/run/cluster.env" ]; then
		# shellcheck disable=SC1091
		. "$d/run/cluster.env"
	fi
}

write_record() {
	local d=$1
	printf 'NODES=%s\nNET_ID=%s\nNET=%s\nBRIDGE=%s\n' \
		"$NODES" "$NET_ID" "$NET" "$BRIDGE" >"$d/run/cluster.env"
}

# node K's namespace, and the host end of its veth pair, share one name.
ns_of() { echo "aex${NET_ID}n${1#node}"; }

# The bridge (NET.254 in the root namespace) and, per node, a network
# namespace /run/netns/aexIDnK with lo and eth0 = NET.K/24, the other end of
# the veth pair on the bridge. No route leaves NET.0/24 and nothing forwards.
net_up() {
	local k ns
	ip link show dev "$BRIDGE" >/dev/null 2>&1 &&
		die "interface $BRIDGE exists: another cluster with AUTOEXP_TEST_NET_ID=$NET_ID is running, or left over (cluster.sh stop its DIR, or ip link del $BRIDGE)"
	if ip -4 -o addr show | grep -qF " $NET."; then
		die "$NET.0/24 is in use on this machine; pick another AUTOEXP_TEST_NET_ID or AUTOEXP_TEST_NET_PREFIX"
	fi
	ip link add "$BRIDGE" type bridge
	ip addr add "$NET.254/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
	mkdir -p /run/netns
	for k in $(seq 1 "$NODES"); do
		ns=$(ns_of "node$k")
		[ ! -e "/run/netns/$ns" ] ||
			die "namespace $ns exists (left over? ip netns del $ns)"
		# like ip netns add, without making /run/netns a mount point
		touch "/run/netns/$ns"
		unshare --net="/run/netns/$ns" true
		ip link add "$ns" type veth peer name "${ns}p"
		ip link set "${ns}p" netns "$ns"
		ip link set "$ns" master "$BRIDGE" up
		nsenter --net="/run/netns/$ns" sh -c 'ip link set lo up &&
			ip link set "$1" name eth0 &&
			ip addr add "$2/24" dev eth0 &&
			ip link set eth0 up' sh "${ns}p" "$NET.$k"
	done
}

# ns_pids NS: the processes in network namespace NS, while it exists.
ns_pids() {
	local ino
	ino=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || return 0
	# find fails on processes that end meanwhile: not an error here
	{ find /proc/[0-9]*/ns/net -maxdepth 0 -lname "net:\\[$ino\\]" 2>/dev/null || true; } |
		cut -d/ -f3
}

# Whatever still runs in a node (jobs, helpers) ends with it.
kill_ns() {
	local ns=$1 i pids sig=TERM
	for i in $(seq 1 50); do
		pids=$(ns_pids "$ns")
		[ -n "$pids" ] || return 0
		[ "$i" -gt 20 ] && sig=KILL
		# shellcheck disable=SC2086
		kill -"$sig" $pids 2>/dev/null || true
		sleep 0.1
	done
}

net_down() {
	local k ns
	[ -n "$NET_ID" ] || return 0
	for k in $(seq 1 "$NODES"); do
		ns=$(ns_of "node$k")
		if [ -e "/run/netns/$ns" ]; then
			kill_ns "$ns"
			ip netns del "$ns" 2>/dev/null ||
				{ umount "/run/netns/$ns" 2>/dev/null || true; rm -f "/run/netns/$ns"; }
		fi
		# gone with the namespace, unless that was never made
		ip link del "$ns" 2>/dev/null || true
	done
	ip link del "$BRIDGE" 2>/dev/null || true
}

install_plugin() {
	local d=$1 so=$2
	shift 2
	[ -f "$so" ] || die "plugin $so not found (build it first)"
	# A new inode each time: running daemons keep their mapping of the old one.
	cp "$so" "$d/plugins/autoexp.so.new"
	chmod 0755 "$d/plugins/autoexp.so.new"
	mv -f "$d/plugins/autoexp.so.new" "$d/plugins/autoexp.so"
	echo "required $d/plugins/autoexp.so $*" >"$d/etc/plugstack.conf"
}

start_munge() {
	local d=$1
	stop_pidfile "$d/munge/munged.pid"
	if [ ! -f "$d/munge/munge.key" ]; then
		dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
	fi
	chown -R munge:munge "$d/munge"
	chmod 0700 "$d/munge"
	chmod 0400 "$d/munge/munge.key"
	# Clients connect through the socket: they need to reach it.
	chmod 0755 "$d/munge"
	runuser -u munge -- /usr/sbin/munged \
		--socket="$d/munge/munge.sock" \
		--key-file="$d/munge/munge.key" \
		--pid-file="$d/munge/munged.pid" \
		--log-file="$d/munge/munged.log" \
		--seed-file="$d/munge/munged.seed" ||
		die "munged failed to start: see $d/munge/munged.log"
}

wait_idle() {
	local d=$1 i states up
	for i in $(seq 1 300); do
		states=$(SLURM_CONF="$d/etc/slurm.conf" sinfo -h -N -o %t 2>/dev/null || true)
		up=$(printf '%s\n' "$states" | grep -cxE 'idle|mix|alloc' || true)
		[ "$up" -lt "$NODES" ] || return 0
		sleep 0.1
	done
	die "nodes not idle after 30 s (states: $(printf '%s ' $states)); see $d/log/"
}

# start_slurmd DIR NODE: localhost in the root namespace, nodeK in its own
# namespaces. nsenter and unshare exec, sh execs: $! is slurmd's pid.
start_slurmd() {
	local d=$1 node=$2
	if [ "$node" = localhost ]; then
		slurmd -D -N localhost -f "$d/etc/slurm.conf" >>"$d/log/slurmd.out" 2>&1 &
		echo $! >"$d/run/slurmd.daemon.pid"
		return 0
	fi
	nsenter --net="/run/netns/$(ns_of "$node")" -- unshare --uts -- \
		sh -c 'hostname "$1" && exec slurmd -D -N "$1" -f "$2"' sh "$node" "$d/etc/slurm.conf" \
		>>"$d/log/slurmd.$node.out" 2>&1 &
	echo $! >"$d/run/slurmd.$node.daemon.pid"
}

cmd_start() {
	local d=$1 so=$2 nodes=1 k
	shift 2
	while [ $# -gt 0 ]; do
		case "$1" in
		--nodes) [ $# -ge 2 ] || die "--nodes needs a number"; nodes=$2; shift 2 ;;
		--nodes=*) nodes=${1#--nodes=}; shift ;;
		*) break ;;
		esac
	done
	case "$nodes" in
	[1-9]) [ "$nodes" -le "$MAX_NODES" ] || die "--nodes $nodes: at most $MAX_NODES" ;;
	*) die "--nodes $nodes: 1 to $MAX_NODES" ;;
	esac
	need_root
	ensure_user
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	cmd_stop "$d" >/dev/null 2>&1 || true
	# State from an earlier run could hold a drained node, and job ids restart
	# at FirstJobId, so files and log lines of earlier jobs would be taken
	# for this run's: start clean.
	rm -rf "$d/state" "$d/spool" "$d/work" "$d/log"
	mkdir -p "$d/etc" "$d/state" "$d/spool" "$d/log" "$d/run" "$d/munge" \
		"$d/plugins" "$d/work"
	chmod 0755 "$d" "$d/etc" "$d/plugins" "$d/log" "$d/run"
	chmod 0700 "$d/state"
	# like Debian's /var/spool/slurmd: job scripts are read from here as the user
	chmod 0755 "$d/spool"
	chown "$AUTOEXP_TEST_USER" "$d/work"
	# the GPUs' stand-ins: like /dev/null (c 1 3), or empty files if mknod fails
	rm -rf "${d:?}/dev"
	mkdir -p "$d/dev"
	for k in 0 1; do
		mknod -m 0666 "$d/dev/gpu$k" c 1 3 2>/dev/null || install -m 0666 /dev/null "$d/dev/gpu$k"
	done
	chmod 0755 "$d/dev"
	check_reachable "$d"
	NODES=$nodes NET_ID='' NET='' BRIDGE=''
	if [ "$nodes" -gt 1 ]; then
		case "$NET_ID_WANTED" in
		[0-9] | [1-9][0-9] | 1[0-9][0-9] | 2[0-4][0-9] | 25[0-5]) ;;
		*) die "AUTOEXP_TEST_NET_ID=$NET_ID_WANTED: 0 to 255" ;;
		esac
		NET_ID=$NET_ID_WANTED NET=$NET_PREFIX.$NET_ID_WANTED BRIDGE=aex${NET_ID_WANTED}br
		for k in $(seq 1 "$nodes"); do
			mkdir -p "$d/spool/node$k"
			chmod 0755 "$d/spool/node$k"
		done
	fi
	# recorded before anything is made, so that stop finds a half-made cluster
	write_record "$d"
	write_conf "$d"
	install_plugin "$d" "$so" "$@"
	[ "$nodes" = 1 ] || net_up
	start_munge "$d"
	export SLURM_CONF="$d/etc/slurm.conf"
	slurmctld -D -i -f "$SLURM_CONF" >>"$d/log/slurmctld.out" 2>&1 &
	echo $! >"$d/run/slurmctld.daemon.pid"
	if [ "$nodes" = 1 ]; then
		start_slurmd "$d" localhost
	else
		for k in $(seq 1 "$nodes"); do
			start_slurmd "$d" "node$k"
		done
	fi
	wait_idle "$d"
	if [ "$nodes" = 1 ]; then
		echo "cluster up in $d (SLURM_CONF=$SLURM_CONF)"
	else
		echo "cluster of $nodes nodes up in $d (SLURM_CONF=$SLURM_CONF; nodes $NET.1-$NET.$nodes, slurmctld $NET.254 on $BRIDGE)"
	fi
}

cmd_stop() {
	local d=$1 f
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	load_record "$d"
	# Jobs first, so that slurmstepd and the processes of jobs go away too.
	if [ -f "$d/run/slurmctld.daemon.pid" ] && pid_alive "$(cat "$d/run/slurmctld.daemon.pid")"; then
		SLURM_CONF="$d/etc/slurm.conf" scancel --full --quiet --user="$AUTOEXP_TEST_USER" 2>/dev/null || true
	fi
	# Each takes 1-2 s to end: the slurmds and slurmctld end together, then munged.
	stop_pidfiles "$d/run/slurmd.daemon.pid" "$d"/run/slurmd.*.daemon.pid \
		"$d/run/slurmctld.daemon.pid"
	stop_pidfile "$d/munge/munged.pid"
	# slurmstepd processes left by jobs of this cluster (they carry its conf path).
	pkill -TERM -f "slurmstepd.*$d" 2>/dev/null || true
	# Anything still in a node's namespace, then the namespaces and links.
	net_down
	remove_job_cgroups "$d"
	echo "cluster in $d stopped"
}

# remove_job_cgroups DIR: the empty cgroups of the cluster's jobs, deepest
# first. Slurm removes a job's cgroups when it ends; a node killed in a
# test (a crash: its slurmstepds die with it) leaves them, as a crashed
# node would until its reboot. A cgroup with processes left stays (and
# leftovers reports it).
remove_job_cgroups() {
	local first
	first=$(sed -n 's/^FirstJobId=//p' "$1/etc/slurm.conf" 2>/dev/null)
	[ -n "$first" ] || return 0
	find /sys/fs/cgroup/*/slurm_*/uid_*/ -maxdepth 1 -name 'job_*' 2>/dev/null |
		awk -v f="$first" -F/job_ '$2 >= f && $2 < f + 2000' |
		while read -r job; do
			find "$job" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
}

# Our own shell and its ancestors carry SLURM_CONF or DIR too: not leftovers.
self_pids() {
	local p=$$
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		echo "$p"
		p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
	done
}

cmd_leftovers() {
	local d=$1 f pid k ns self first found=0
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	load_record "$d"
	self=" $(self_pids | tr '\n' ' ') "
	for f in "$d"/run/*.pid "$d"/munge/munged.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null || true)
		if pid_alive "$pid"; then
			echo "daemon: pid $pid of $f"
			found=1
		fi
	done
	# Processes of the cluster: its paths on the command line, its work
	# directory, or its slurm.conf in the environment (jobs, slurmstepd, helpers).
	for pid in $(
		{
			ps -eo pid=,args= | D="$d/" awk 'index($0, ENVIRON["D"]) { print $1 }'
			find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$d" -o -lname "$d/*" \) 2>/dev/null || true
			env -u SLURM_CONF grep -lsFz "SLURM_CONF=$d/etc/slurm.conf" /proc/[0-9]*/environ || true
		} | sed 's|^/proc/\([0-9]*\)/.*|\1|' | sort -un
	); do
		case "$self" in *" $pid "*) continue ;; esac
		[ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" != $$ ] || continue
		f=$(ps -o user=,args= -p "$pid" 2>/dev/null) || continue
		echo "process: $pid $f"
		found=1
	done
	if [ -n "$NET_ID" ]; then
		for k in $(seq 1 "$NODES"); do
			ns=$(ns_of "node$k")
			if [ -e "/run/netns/$ns" ]; then
				echo "namespace: /run/netns/$ns (processes: $(ns_pids "$ns" | tr '\n' ' '))"
				found=1
			fi
			if ip link show dev "$ns" >/dev/null 2>&1; then
				echo "interface: $ns"
				found=1
			fi
		done
		if ip link show dev "$BRIDGE" >/dev/null 2>&1; then
			echo "interface: $BRIDGE"
			found=1
		fi
		if ip -4 -o addr show | grep -F " $NET." | sed 's/^/address: /'; then
			found=1
		fi
	fi
	if grep -E " ($d/|/run/netns/aex${NET_ID:-none}n)" /proc/self/mountinfo | sed 's/^/mount: /'; then
		found=1
	fi
	# cgroups of the cluster's jobs (its job ids count from its FirstJobId)
	first=$(sed -n 's/^FirstJobId=//p' "$d/etc/slurm.conf" 2>/dev/null)
	if [ -n "$first" ] && find /sys/fs/cgroup/*/slurm_*/uid_*/ -maxdepth 1 -name 'job_*' 2>/dev/null |
		awk -v f="$first" -F/job_ '$2 >= f && $2 < f + 2000 { print "cgroup: " $0; n++ } END { exit !n }'; then
		found=1
	fi
	[ "$found" = 0 ]
}

# cmd_exec DIR NODE CMD...: CMD in NODE's network namespace with hostname
# NODE (a UTS namespace of its own, as slurmd's); localhost: as it is.
cmd_exec() {
	local d=$1 node=$2 ns
	shift 2
	d=$(cd "$d" && pwd)
	load_record "$d"
	case "$node" in
	localhost) [ "$NODES" = 1 ] || die "no node localhost in $d"; exec "$@" ;;
	node[1-9]) [ "${node#node}" -le "$NODES" ] && [ -n "$NET_ID" ] || die "no node $node in $d" ;;
	*) die "no node $node in $d" ;;
	esac
	ns=$(ns_of "$node")
	[ -e "/run/netns/$ns" ] || die "namespace $ns of $node does not exist (cluster stopped?)"
	exec nsenter --net="/run/netns/$ns" -- unshare --uts -- \
		sh -c 'hostname "$0" && exec "$@"' "$node" "$@"
}

cmd_node() { # cmd_node stop|start DIR NODE
	local what=$1 d=$2 node=$3 f
	d=$(cd "$d" && pwd)
	load_record "$d"
	case "$node" in
	localhost) f=$d/run/slurmd.daemon.pid ;;
	node[1-9]) f=$d/run/slurmd.$node.daemon.pid ;;
	*) die "no node $node in $d" ;;
	esac
	if [ "$what" = stop ]; then
		stop_pidfile "$f"
	else
		! pid_alive "$(cat "$f" 2>/dev/null || true)" || die "slurmd of $node runs already"
		export SLURM_CONF="$d/etc/slurm.conf"
		start_slurmd "$d" "$node"
	fi
}

# Can this machine give a node its own namespaces? Prints why not.
cmd_check_netns() {
	local c probe=aexprobe$$
	for c in ip nsenter unshare hostname; do
		command -v "$c" >/dev/null || { echo "$c is not installed"; return 1; }
	done
	unshare --net --uts true 2>/dev/null ||
		{ echo "cannot create network and UTS namespaces (unshare --net --uts failed)"; return 1; }
	ip link add "$probe" type veth peer name "${probe}p" 2>/dev/null ||
		{ echo "cannot create veth pairs (ip link add type veth failed)"; return 1; }
	ip link del "$probe"
	ip link add "$probe" type bridge 2>/dev/null ||
		{ echo "cannot create a bridge (ip link add type bridge failed)"; return 1; }
	ip link del "$probe"
	mkdir -p /run/netns 2>/dev/null && [ -w /run/netns ] ||
		{ echo "/run/netns is not writable"; return 1; }
}

case "${1:-}" in
start) shift; [ $# -ge 2 ] || die "usage: cluster.sh start DIR PLUGIN.so [--nodes N] [args...]"; cmd_start "$@" ;;
stop) shift; [ $# -eq 1 ] || die "usage: cluster.sh stop DIR"; cmd_stop "$1" ;;
leftovers) shift; [ $# -eq 1 ] || die "usage: cluster.sh leftovers DIR"; cmd_leftovers "$1" ;;
exec) shift; [ $# -ge 3 ] || die "usage: cluster.sh exec DIR NODE CMD..."; cmd_exec "$@" ;;
node-stop | node-start) c=${1#node-}; shift; [ $# -eq 2 ] || die "usage: cluster.sh node-$c DIR NODE"; need_root; cmd_node "$c" "$@" ;;
check-netns) need_root; cmd_check_netns ;;
ensure-user) need_root; ensure_user ;;
install-plugin) shift; [ $# -ge 2 ] || die "usage: cluster.sh install-plugin DIR PLUGIN.so [args...]"; install_plugin "$@" ;;
env) shift; echo "export SLURM_CONF=$(cd "$1" && pwd)/etc/slurm.conf" ;;
*) die "usage: cluster.sh start|stop|leftovers|exec|node-stop|node-start|check-netns|install-plugin|ensure-user|env ..." ;;
esac
