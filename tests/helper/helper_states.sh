#!/bin/bash
# State events, with the real helper on a simulated log:
#  - a stall fires once per episode (the log silent for
#    inactivity_threshold_seconds), within the threshold plus a second, and
#    again after the log grew and went silent again;
#  - a checkpoint save in progress gets save_inactivity_threshold_seconds;
#  - at the job's end (the end record written, then SIGTERM, as the plugin
#    does) each classification fires its state event's LogAction once.
. "$(dirname "$0")/lib.sh"
helper_setup helper_states

iter_line() { # iteration total
	printf ' [2025-01-01 10:00:00] iteration %8d/%8d | consumed samples: 1 | lm loss: 2.0E+00 |\n' "$1" "$2"
}

# A record's field for the records of one type: jfield_of DIR TYPE FIELD
# (the last such record).
jlast() {
	"$py" - "$1/events.jsonl" "$2" "$3" <<'PY'
import json, sys
path, typ, field = sys.argv[1:4]
v = ""
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("type") == typ:
        v = r.get(field)
print("" if v is None else str(v).lower() if isinstance(v, bool) else v)
PY
}

# The message of the last finished action of event EVENT: jmsg DIR EVENT
jmsg() {
	"$py" - "$1/events.jsonl" "$2" <<'PY'
import json, sys
path, ev = sys.argv[1:3]
m = ""
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("type") == "action_finished" and r.get("event") == ev:
        m = (r.get("result") or {}).get("message", "")
print(m)
PY
}

# jevents DIR TYPE EVENT: records of that type for that event
jevents() {
	"$py" - "$1/events.jsonl" "$2" "$3" <<'PY'
import json, sys
path, typ, ev = sys.argv[1:4]
n = 0
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("type") == typ and r.get("event") == ev:
        n += 1
print(n)
PY
}

jevents_is() { [ "$(jevents "$1" "$2" "$3")" -eq "$4" ]; }

state_actions() {
	local s
	for s in success timeout crash cancelled stall; do
		cat <<YAML
    $s:
      actions:
        - class_name: LogAction
          message: '$s: {reason} exit={exit_code} signal={signal} it={iteration} error={error_event} no_restart={no_restart}'
YAML
	done
}

cat >"$work/config.yaml" <<YAML
backend:
  megatron:
    train_iters: 100
monitoring:
  drain_timeout_seconds: 5
  inactivity_threshold_seconds: 1.5
  save_inactivity_threshold_seconds: 4
  log_events:
    nccl_error:
      pattern: 'NCCL error|ncclSystemError'
      metadata: {kind: error, error_type: nccl_error, subsystem: nccl}
    python_error:
      pattern: 'Traceback \(most recent call last\):'
      metadata: {kind: error, error_type: exception}
  state_events:
$(state_actions)
YAML

start_helper() { # provenance dir, log
	"$helper" --provenance-dir "$1" --config "$work/config.yaml" \
		--log "$2" --job-id 7 &
	hp=$!
	pids="$hp"
}

stop_helper() {
	kill -TERM "$hp"
	wait "$hp"
	rc=$?
	pids=
}

# ---- stall: once per episode, within the threshold plus a second ----
prov=$work/stall
log=$work/stall.log
mkdir -p "$prov"
iter_line 1 100 >"$log"
t0=$(date +%s.%N)
start_helper "$prov" "$log"
check "a stall is detected" wait_for 6 jcount_is "$prov" stall_detected "" 1
t1=$(date +%s.%N)
check "within threshold + 1 s of the last output (took $t0..$t1)" \
	"$py" -c "import sys; sys.exit(not ($t1 - $t0 < 1.5 + 1.0 + 0.5))"
check "its LogAction ran" wait_for 3 jevents_is "$prov" action_finished state:stall 1
check "the event has the iteration" \
	eval '[ "$(jlast "$prov" stall_detected iteration)" = 1 ]'
sleep 2.5
check "once per episode" jcount_is "$prov" stall_detected "" 1
iter_line 2 100 >>"$log"
check "a new episode after output" wait_for 6 jcount_is "$prov" stall_detected "" 2
check "its action ran too" wait_for 3 jevents_is "$prov" action_finished state:stall 2
check "the second one at the new offset" \
	eval '[ "$(jlast "$prov" stall_detected offset)" -gt "$(wc -c <"$log" | awk "{print \$1 - 200}")" ]'
# a restarted helper finds the same silence: the journal keeps it once
stop_helper
start_helper "$prov" "$log"
sleep 2.5
check "the same episode is not fired again by a new helper" \
	jevents_is "$prov" action_started state:stall 2
stop_helper
check "no end record: no end event" jevents_is "$prov" action_started state:crash 0
check "helper.log says why" grep -q "the job's end is not classified" "$prov/helper.log"

# ---- a slow save is not a stall; silence after it is ----
prov=$work/save
log=$work/save.log
mkdir -p "$prov"
iter_line 10 100 >"$log"
printf 'saving checkpoint at iteration      10 to /ck in torch_dist format\n' >>"$log"
start_helper "$prov" "$log"
sleep 3
check "no stall while saving (3 s > 1.5 s threshold)" jcount_is "$prov" stall_detected "" 0
printf '  successfully saved checkpoint from iteration      10 to /ck [ t 1/1, p 1/1 ]\n' >>"$log"
check "silence after the save is a stall" wait_for 4 jcount_is "$prov" stall_detected "" 1
check "not marked as during a save" eval '[ "$(jlast "$prov" stall_detected saving)" = false ]'
printf 'saving checkpoint at iteration      20 to /ck in torch_dist format\n' >>"$log"
check "a save that hangs longer than the save threshold is one" \
	wait_for 7 jcount_is "$prov" stall_detected "" 2
check "marked as during a save" eval '[ "$(jlast "$prov" stall_detected saving)" = true ]'
stop_helper

# ---- training complete: no stall ----
prov=$work/done
log=$work/done.log
mkdir -p "$prov"
iter_line 100 100 >"$log"
start_helper "$prov" "$log"
sleep 2.5
check "no stall after training is complete" jcount_is "$prov" stall_detected "" 0
stop_helper

# ---- the end: each classification fires its event once ----
# end_case NAME END_JSON EXPECTED_STATE MESSAGE_REGEX [JOBDIR] < log lines
end_case() {
	local name=$1 end=$2 state=$3 regex=$4 jobdir=${5:-}
	local prov=$work/end_$name log=$work/end_$name.log
	mkdir -p "$prov"
	cat >"$log"
	# the start's directory exists before the helper starts (the plugin
	# writes it first); the helper opens it once
	[ -z "$jobdir" ] || { mkdir -p "$jobdir" && export AUTOEXP_JOB_DIR=$jobdir; }
	AUTOEXP_PROVENANCE_DIR=$prov start_helper "$prov" "$log"
	check "$name: the helper follows" wait_for 5 grep -qs following "$prov/helper.log"
	# written just before the SIGTERM, as the plugin does
	end=${end//NOW/$(date +%s)}
	if [ -n "$jobdir" ]; then
		printf '{"job": {"id": "7"}, "end": %s}\n' "$end" >"$jobdir/job_metadata.json"
		printf '{"end": {"end_time": %s, "exit_code": 0, "state": "COMPLETED"}}\n' \
			"$(date +%s)" >"$prov/run_metadata.json"
	else
		printf '{"command": ["sbatch"], "end": %s}\n' "$end" >"$prov/run_metadata.json"
	fi
	stop_helper
	check "$name: exit 0 (got $rc)" [ "$rc" -eq 0 ]
	check "$name: classified $state" eval '[ "$(jlast "$prov" job_end state)" = "$state" ]'
	if [ "$state" = requeued ]; then
		unset AUTOEXP_JOB_DIR
		check "$name: no state event" jcount_is "$prov" action_started "" 0
		return
	fi
	check "$name: its event ran once" jevents_is "$prov" action_finished "state:$state" 1
	check "$name: no other event" jcount_is "$prov" action_started "" 1
	check "$name: message /$regex/ (got '$(jmsg "$prov" "state:$state")')" \
		eval '[[ "$(jmsg "$prov" "state:$state")" =~ $regex ]]'
	# a second drain (a worker restarted while draining) fires nothing new
	AUTOEXP_PROVENANCE_DIR=$prov start_helper "$prov" "$log"
	check "$name: second helper follows" wait_for 5 eval '[ "$(grep -c following "$prov/helper.log")" -ge 2 ]'
	stop_helper
	unset AUTOEXP_JOB_DIR
	check "$name: still once" jevents_is "$prov" action_started "state:$state" 1
	check "$name: and nothing else" jcount_is "$prov" action_started "" 1
}

end_case success "{\"end_time\": NOW, \"exit_code\": 0, \"state\": \"COMPLETED\"}" \
	success '^success: training complete \(iteration 100 of 100\) exit=0 signal=None it=100 error=None no_restart=False$' <<EOF
$(iter_line 90 100)
$(iter_line 100 100)
[after training is done] datetime: 2025-01-01 10:00:00
EOF
end_case timelimit "{\"end_time\": NOW, \"signal\": 15, \"signal_name\": \"Terminated\", \"state\": \"SIGNALED\"}" \
	timeout '^timeout: time limit \(iteration 40 of 100\) exit=None signal=15 ' <<EOF
$(iter_line 40 100)
slurmstepd: error: *** JOB 7 ON node01 CANCELLED AT 2025-01-01T10:00:00 DUE TO TIME LIMIT ***
EOF
end_case early "{\"end_time\": NOW, \"exit_code\": 0, \"state\": \"COMPLETED\"}" \
	timeout '^timeout: Megatron exited early \(--exit-duration-in-mins\)' <<EOF
$(iter_line 40 100)
[exiting program after 1.5 minutes] datetime: 2025-01-01 10:00:00
EOF
end_case crash "{\"end_time\": NOW, \"exit_code\": 1, \"state\": \"FAILED\"}" \
	crash '^crash: nccl_error exit=1 signal=None it=20 error=nccl_error no_restart=False$' <<EOF
$(iter_line 20 100)
Traceback (most recent call last):
torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1275, unhandled system error
Traceback (most recent call last):
EOF
end_case crash93 "{\"end_time\": NOW, \"exit_code\": 93, \"state\": \"FAILED\"}" \
	crash '^crash: exit code 93 .*no_restart=True$' <<EOF
$(iter_line 20 100)
EOF
end_case cancelled "{\"end_time\": NOW, \"signal\": 15, \"state\": \"SIGNALED\"}" \
	cancelled '^cancelled: cancelled by the user' <<EOF
$(iter_line 30 100)
slurmstepd: error: *** JOB 7 ON node01 CANCELLED AT 2025-01-01T10:00:00 ***
EOF
end_case requeued "{\"end_time\": NOW, \"signal\": 15, \"state\": \"SIGNALED\"}" \
	requeued '' <<EOF
$(iter_line 30 100)
slurmstepd: error: *** JOB 7 ON node01 CANCELLED AT 2025-01-01T10:00:00 DUE TO JOB REQUEUE ***
EOF
# the job directory's job_metadata.json wins when AUTOEXP_JOB_DIR is set
end_case jobdir "{\"end_time\": NOW, \"exit_code\": 3, \"state\": \"FAILED\"}" \
	crash '^crash: exit code 3 ' "$work/jobdir" <<EOF
$(iter_line 20 100)
EOF
# an end record older than this job start is the previous start's
prov=$work/stale
mkdir -p "$prov"
iter_line 20 100 >"$work/stale.log"
printf '{"end": {"end_time": %s, "exit_code": 1, "state": "FAILED"}}\n' $(($(date +%s) - 3600)) >"$prov/run_metadata.json"
AUTOEXP_PROVENANCE_DIR=$prov start_helper "$prov" "$work/stale.log"
check "stale: follows" wait_for 5 grep -qs following "$prov/helper.log"
stop_helper
check "stale: not classified" jcount_is "$prov" job_end "" 0
check "stale: helper.log says so" grep -q "older than this job start" "$prov/helper.log"

finish
