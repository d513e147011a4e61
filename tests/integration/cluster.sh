#!/bin/bash
# A throwaway single-node Slurm (munged + slurmctld + slurmd) on localhost for
# tests and the demo. Everything it uses lives under one directory; it never
# touches /etc/slurm, /etc/munge or a system daemon. Daemons are started and
# stopped by PID.
#
#   cluster.sh start DIR PLUGIN.so [plugstack args...]
#   cluster.sh stop DIR
#   cluster.sh install-plugin DIR PLUGIN.so [args...]  # swap plugin/arguments of a running cluster
#   cluster.sh ensure-user    # create the unprivileged test user
#   cluster.sh env DIR        # prints export lines for clients (SLURM_CONF)
#
# Needs root (slurmd runs jobs as their users). The unprivileged test user
# (AUTOEXP_TEST_USER, default autoexp-test) is created when missing.
set -euo pipefail

AUTOEXP_TEST_USER=${AUTOEXP_TEST_USER:-autoexp-test}
CTLD_PORT=${AUTOEXP_TEST_CTLD_PORT:-6917}
SLURMD_PORT=${AUTOEXP_TEST_SLURMD_PORT:-6918}

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

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

stop_pidfile() {
	local file=$1 pid i
	[ -f "$file" ] || return 0
	pid=$(cat "$file" 2>/dev/null || true)
	if pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 1 100); do
			pid_alive "$pid" || break
			sleep 0.1
		done
		pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}

write_conf() {
	local d=$1 cpus mem
	cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n1)
	mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n1)
	[ -n "$cpus" ] || cpus=1
	# Stay below what slurmd detects, or the node drains (INVAL).
	mem=$(( mem > 4000 ? 2000 : mem / 2 ))
	cat >"$d/etc/slurm.conf" <<CONF
ClusterName=autoexp
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.sock,cred_expire=10
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmdDebug=debug
PlugStackConfig=$d/etc/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
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
NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
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
	local d=$1 i state
	for i in $(seq 1 300); do
		state=$(SLURM_CONF="$d/etc/slurm.conf" sinfo -h -o %t 2>/dev/null | head -n1 || true)
		case "$state" in
		idle | mix | alloc) return 0 ;;
		esac
		sleep 0.1
	done
	die "node not idle after 30 s (state '$state'); see $d/log/"
}

cmd_start() {
	local d=$1 so=$2
	shift 2
	need_root
	ensure_user
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	cmd_stop "$d" >/dev/null 2>&1 || true
	# State from an earlier run could hold a drained node, and job ids restart
	# at 1, so files of earlier jobs would be taken for this run's: start clean.
	rm -rf "$d/state" "$d/spool" "$d/work"
	mkdir -p "$d/etc" "$d/state" "$d/spool" "$d/log" "$d/run" "$d/munge" \
		"$d/plugins" "$d/work"
	chmod 0755 "$d" "$d/etc" "$d/plugins" "$d/log" "$d/run"
	chmod 0700 "$d/state"
	# like Debian's /var/spool/slurmd: job scripts are read from here as the user
	chmod 0755 "$d/spool"
	chown "$AUTOEXP_TEST_USER" "$d/work"
	check_reachable "$d"
	write_conf "$d"
	install_plugin "$d" "$so" "$@"
	start_munge "$d"
	export SLURM_CONF="$d/etc/slurm.conf"
	slurmctld -D -i -f "$SLURM_CONF" >>"$d/log/slurmctld.out" 2>&1 &
	echo $! >"$d/run/slurmctld.daemon.pid"
	slurmd -D -N localhost -f "$SLURM_CONF" >>"$d/log/slurmd.out" 2>&1 &
	echo $! >"$d/run/slurmd.daemon.pid"
	wait_idle "$d"
	echo "cluster up in $d (SLURM_CONF=$SLURM_CONF)"
}

cmd_stop() {
	local d=$1
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	# Jobs first, so that slurmstepd and the processes of jobs go away too.
	if [ -f "$d/run/slurmctld.daemon.pid" ] && pid_alive "$(cat "$d/run/slurmctld.daemon.pid")"; then
		SLURM_CONF="$d/etc/slurm.conf" scancel --full --quiet --user="$AUTOEXP_TEST_USER" 2>/dev/null || true
	fi
	stop_pidfile "$d/run/slurmd.daemon.pid"
	stop_pidfile "$d/run/slurmctld.daemon.pid"
	stop_pidfile "$d/munge/munged.pid"
	# slurmstepd processes left by jobs of this cluster (they carry its conf path).
	pkill -TERM -f "slurmstepd.*$d" 2>/dev/null || true
	echo "cluster in $d stopped"
}

case "${1:-}" in
start) shift; [ $# -ge 2 ] || die "usage: cluster.sh start DIR PLUGIN.so [args...]"; cmd_start "$@" ;;
stop) shift; [ $# -eq 1 ] || die "usage: cluster.sh stop DIR"; cmd_stop "$1" ;;
ensure-user) need_root; ensure_user ;;
install-plugin) shift; [ $# -ge 2 ] || die "usage: cluster.sh install-plugin DIR PLUGIN.so [args...]"; install_plugin "$@" ;;
env) shift; echo "export SLURM_CONF=$(cd "$1" && pwd)/etc/slurm.conf" ;;
*) die "usage: cluster.sh start|stop|env DIR ..." ;;
esac
