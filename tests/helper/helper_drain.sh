#!/bin/bash
# Draining waits for pending conditions: an action whose blocking condition
# becomes true after SIGTERM still runs; one whose condition is still
# waiting at drain_timeout_seconds is left in monitor_state.json, and the
# next helper on the directory restores it and runs it once it holds.
. "$(dirname "$0")/lib.sh"
helper_setup helper_drain

cat >"$work/config.yaml" <<YAML
monitoring:
  drain_timeout_seconds: 1.5
  log_events:
    checkpoint_saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      metadata: {kind: checkpoint}
      extract_groups: {checkpoint_iteration: iteration, checkpoint_path: path}
      actions:
        - class_name: EventAction
          mode: queue
          conditions:
            - class_name: FileExistsCondition
              path: '$work/ready_{checkpoint_iteration}'
              blocking: true
              timeout_seconds: 60
              poll_interval_seconds: 0.1
          action:
            class_name: LogAction
            message: 'ready {checkpoint_iteration}'
YAML
log=$work/train.log
prov=$work/prov
: >"$log"

start_helper() {
	"$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
		--log "$log" --job-id 7 &
	hp=$!
	pids="$hp"
}

start_helper
ckpt_line 100 >>"$log"
check "the condition is pending" \
	wait_for 5 jcount_is "$prov" condition_pending '"100"' 1
check "the pending work is in the state" \
	wait_for 3 grep -q '"event": "checkpoint_saved"' "$prov/monitor_state.json"
kill -TERM "$hp"
sleep 0.5
check "still draining while the condition waits" kill -0 "$hp"
touch "$work/ready_100"
wait "$hp"
rc=$?
pids=
check "exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "the action ran while draining" jcount_is "$prov" action_finished '"100"' 1
check "nothing pending is left" \
	"$py" -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["pending"]) != 0)' "$prov/monitor_state.json"

# now one that does not become true before the drain timeout
start_helper
ckpt_line 200 >>"$log"
check "second condition pending" \
	wait_for 5 jcount_is "$prov" condition_pending '"200"' 1
t0=$(date +%s.%N)
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
t1=$(date +%s.%N)
check "exit 0 at the drain timeout (got $rc)" [ "$rc" -eq 0 ]
check "the drain took about drain_timeout_seconds" \
	"$py" -c "import sys; d=$t1-$t0; sys.exit(not (1.2 < d < 6))"
check "helper.log says what was left" grep -q 'drain timeout: 1 action' "$prov/helper.log"
check "the pending work stayed in the state" \
	grep -q '"checkpoint_iteration": "200"' "$prov/monitor_state.json"
check "not run" jcount_is "$prov" action_started '"200"' 0

# the next helper restores it
start_helper
check "restored" wait_for 5 grep -q '1 pending action(s) restored' "$prov/helper.log"
touch "$work/ready_200"
check "and runs it when the file appears" \
	wait_for 5 jcount_is "$prov" action_finished '"200"' 1
kill -TERM "$hp"
wait "$hp"
pids=
check "iteration 100 ran once" jcount_is "$prov" action_started '"100"' 1
check "iteration 200 ran once" jcount_is "$prov" action_started '"200"' 1

# the worker dies while draining: the supervisor starts one that drains
sed -i 's/drain_timeout_seconds: 1.5/drain_timeout_seconds: 30/' "$work/config.yaml"
start_helper
ckpt_line 500 >>"$log"
check "third condition pending" \
	wait_for 5 jcount_is "$prov" condition_pending '"500"' 1
check "and saved" wait_for 3 grep -q '"checkpoint_iteration": "500"' "$prov/monitor_state.json"
w=$(jfield "$prov/helper.json" worker_pid)
kill -TERM "$hp"
check "the worker drains" wait_for 5 grep -q "\[$w\]: draining" "$prov/helper.log"
kill -KILL "$w"
check "a new worker starts, draining" \
	wait_for 5 eval '[ "$(jfield "$prov/helper.json" state)" = draining ]'
touch "$work/ready_500"
wait "$hp"
rc=$?
pids=
check "exit 0 after the second worker drained (got $rc)" [ "$rc" -eq 0 ]
check "the restored action ran once" jcount_is "$prov" action_started '"500"' 1
check "helper.json says exited 0" \
	[ "$(jfield "$prov/helper.json" state)/$(jfield "$prov/helper.json" exit_status)" = exited/0 ]

finish
