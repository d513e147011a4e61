#!/bin/bash
# The supervisor restarts a worker that dies, and the journal keeps every
# action at most once: a writer appends triggers while the worker is killed
# with SIGKILL 20 times at random moments; afterwards each trigger's action
# started exactly once (none twice, none lost).
. "$(dirname "$0")/lib.sh"
helper_setup helper_restart

n=${HELPER_RESTART_TRIGGERS:-150}
kills=${HELPER_RESTART_KILLS:-20}

cat >"$work/config.yaml" <<'YAML'
monitoring:
  log_events:
    checkpoint_saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      metadata: {kind: checkpoint}
      extract_groups: {checkpoint_iteration: iteration}
      actions:
        - class_name: LogAction
          message: 'saved {checkpoint_iteration}'
YAML
log=$work/train.log
prov=$work/prov
: >"$log"

"$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
	--log "$log" --job-id 99 --max-restarts 1000 --backoff-max 0.2 &
hp=$!
pids="$hp"

# the writer: triggers with filler lines, at an uneven pace
(
	RANDOM=7
	for i in $(seq 1 "$n"); do
		printf 'filler %d | lm loss: 1.0\n' "$i"
		ckpt_line "$i"
		sleep "0.0$((RANDOM % 4))"
	done >>"$log"
) &
writer=$!
pids="$pids $writer"

worker_of() {
	jfield "$prov/helper.json" worker_pid
}

RANDOM=42
killed=0
last=
for k in $(seq 1 "$kills"); do
	# a live worker that is not the one killed last
	if ! wait_for 10 eval 'w=$(worker_of); [ -n "$w" ] && [ "$w" != 0 ] && [ "$w" != "$last" ] && kill -0 "$w" 2>/dev/null'; then
		echo "no new worker after kill $killed" >&2
		break
	fi
	sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
	if kill -KILL "$w" 2>/dev/null; then
		killed=$((killed + 1))
		last=$w
	fi
done
wait "$writer"
pids="$hp"
check "the worker was killed $kills times (got $killed)" [ "$killed" -eq "$kills" ]
check "the supervisor is still there" kill -0 "$hp"
check "a worker runs again" \
	wait_for 10 eval 'w=$(worker_of); [ "$w" != "$last" ] && kill -0 "$w" 2>/dev/null'

# every trigger was seen: the last one fired (the log is read in order)
check "the last trigger fired" wait_for 15 jcount_ge "$prov" action_started "\"$n\"" 1
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "exit 0 after the drain (got $rc)" [ "$rc" -eq 0 ]
check "restarts were logged" \
	[ "$(grep -c 'was killed by signal 9' "$prov/helper.log")" -ge "$kills" ]

"$py" - "$prov/events.jsonl" "$n" <<'PY'
import json, sys, collections
path, n = sys.argv[1], int(sys.argv[2])
started = collections.Counter()
ended = collections.Counter()
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("event") != "checkpoint_saved":
        continue
    it = int(json.loads(r["key"])["checkpoint_iteration"])
    if r["type"] == "action_started":
        started[it] += 1
    elif r["type"] in ("action_finished", "action_interrupted"):
        ended[it] += 1
bad = 0
for i in range(1, n + 1):
    if started[i] != 1:
        print("iteration %d started %d times" % (i, started[i]))
        bad += 1
    if ended[i] != 1:
        print("iteration %d finished/interrupted %d times" % (i, ended[i]))
        bad += 1
extra = set(started) - set(range(1, n + 1))
if extra:
    print("unexpected iterations", sorted(extra))
    bad += 1
print("%d triggers, %d started, %d interrupted" % (
    n, sum(started.values()),
    sum(1 for l in open(path) if '"action_interrupted"' in l)))
sys.exit(1 if bad else 0)
PY
check "each trigger's action started exactly once" [ $? -eq 0 ]

finish
