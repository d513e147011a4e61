#!/bin/bash
# The journal on a full disk: triggers that arrive while events.jsonl cannot
# be appended to (a small tmpfs, filled up) are not lost and not doubled.
# They wait, the condition is said on stderr (helper.log is on the same full
# disk), more than HELD_MAX of them stop the reading of the log, and once
# there is room again every one of them fires, exactly once. The state is
# not saved meanwhile and is saved again after. Then the same with the
# worker killed while the disk is full: the new worker opens the journal all
# the same, and every trigger starts exactly once. Needs root (mount).
. "$(dirname "$0")/lib.sh"
helper_setup helper_fulldisk
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: mounting a small tmpfs needs root"
	exit 77
fi
mnt=$work/small
mkdir "$mnt"
if ! mount -t tmpfs -o size=1m,mode=0755 tmpfs "$mnt"; then
	echo "SKIP: cannot mount a tmpfs"
	exit 77
fi
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null; done; umount "$mnt"; helper_cleanup' EXIT
prov=$mnt/prov
mkdir "$prov"
n=300 # more than the helper holds back (HELD_MAX) before it stops reading

trigger_config 5
log=$work/train.log
printf 'trigger 0\n' >"$log"
"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$log" \
	--job-id 7 2>"$work/stderr" &
hp=$!
pids=$hp
check "the helper fires while there is room" \
	wait_for 5 jcount_is "$prov" action_finished '"0"' 1

# fill the file system: whole pages, then what the last page still takes
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
while printf x >>"$mnt/fill" 2>/dev/null; do :; done
for i in $(seq 1 $n); do printf 'trigger %d\n' "$i"; done >>"$log"
check "the journal's failure is said on stderr" \
	wait_for 10 grep -q 'the journal cannot record: .*No space left on device' "$work/stderr"
check "and that the log waits" \
	wait_for 10 grep -q 'actions wait for the journal: the log is read on' "$work/stderr"
sleep 2
fired=$(grep -c '"type":"action_finished"' "$prov/events.jsonl")
check "not all fired while the disk is full ($fired)" [ "$fired" -lt $((n + 1)) ]
check "nothing is recorded as not started" jcount_is "$prov" action_not_started '' 0

rm -f "$mnt/fill" # room again
check "the journal's recovery is said on stderr" \
	wait_for 30 grep -q 'the journal records again after' "$work/stderr"
# once JOURNAL FIRST LAST MODE [verbose]: each trigger FIRST..LAST started
# exactly once and (MODE strict) finished exactly once, or (MODE started)
# finished at most once: one whose end was not recorded when its helper was
# killed is not run again (at most once)
# shellcheck disable=SC2016
once='import json, sys
path, lo, hi, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
started, finished, bad = {}, {}, 0
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        bad += 1
        continue
    k = r.get("key", "")
    if r.get("type") == "action_started":
        started[k] = started.get(k, 0) + 1
    if r.get("type") == "action_finished":
        finished[k] = finished.get(k, 0) + 1
want = {json.dumps({"n": str(i)}, separators=(",", ":")) for i in range(lo, hi + 1)}
got = {k for k in started if k in want}
ok = (bad == 0 and got == want and all(started[k] == 1 for k in want)
      and all(finished.get(k, 0) <= 1 for k in want)
      and (mode != "strict" or all(finished.get(k, 0) == 1 for k in want)))
if not ok and len(sys.argv) > 5:
    print("bad=%d started=%d finished=%d twice=%s missing=%s" % (
        bad, len(got), len([k for k in want if k in finished]),
        sorted(k for k in want if started.get(k, 0) > 1)[:5],
        sorted(want - got)[:5]), file=sys.stderr)
sys.exit(0 if ok else 1)'
check "every trigger fires, exactly once" \
	wait_for 30 "$py" -c "$once" "$prov/events.jsonl" 0 $n strict
check "the state is saved again, past the last trigger" \
	wait_for 10 "$py" -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["pending"] == [] and s["log"]["offset"] == int(sys.argv[2]) else 1)' \
	"$prov/monitor_state.json" "$(stat -c %s "$log")"
# full again, and the worker dies meanwhile: its successor opens the
# journal on the full disk and goes on from the last saved place
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
while printf x >>"$mnt/fill" 2>/dev/null; do :; done
for i in $(seq $((n + 1)) $((2 * n))); do printf 'trigger %d\n' "$i"; done >>"$log"
check "the second full period is said on stderr" \
	wait_for 10 bash -c "[ \$(grep -c 'the journal cannot record' '$work/stderr') -ge 2 ]"
worker=$(pgrep -P "$hp")
kill -KILL "$worker"
check "the supervisor starts a new worker" \
	wait_for 10 bash -c "w=\$(pgrep -P $hp) && [ -n \"\$w\" ] && [ \"\$w\" != $worker ]"
check "which holds the work back again, the journal open" \
	wait_for 10 bash -c "[ \$(grep -c 'the journal cannot record' '$work/stderr') -ge 3 ]"
rm -f "$mnt/fill"
check "every trigger of the second period starts exactly once" \
	wait_for 30 "$py" -c "$once" "$prov/events.jsonl" $((n + 1)) $((2 * n)) started
check "and nearly all of them have their end recorded" \
	wait_for 30 bash -c "[ \$(grep -c '\"type\":\"action_finished\"' '$prov/events.jsonl') -ge $((2 * n - 20)) ]"
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "the helper exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "each trigger of the first period fired once in all" \
	"$py" -c "$once" "$prov/events.jsonl" 0 $n strict verbose
check "each of the second started once in all" \
	"$py" -c "$once" "$prov/events.jsonl" $((n + 1)) $((2 * n)) started verbose
finish
