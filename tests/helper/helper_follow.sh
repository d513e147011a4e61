#!/bin/bash
# autoexp-helper on temporary directories: follows a log that appears late
# and is written in pieces, fires a LogAction (journal and helper.log have
# it), drains at SIGTERM (a line written just before is still processed),
# exits 0, and a second run on the same directory (a requeue) resumes from
# the saved offset without firing anything twice; with --no-inotify the
# periodic check alone follows the log.
. "$(dirname "$0")/lib.sh"
helper_setup helper_follow

cat >"$work/config.yaml" <<'YAML'
project:
  name: demo
monitoring:
  drain_timeout_seconds: 10
  log_events:
    checkpoint_saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      metadata: {kind: checkpoint}
      extract_groups: {checkpoint_iteration: iteration, checkpoint_path: path}
      actions:
        - class_name: LogAction
          message: 'saved {checkpoint_iteration} of {project.name} (job {job_id}) under {checkpoint_path}'
YAML
log=$work/logs/train.log
prov=$work/prov

"$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
	--log "$log" --job-id 4711 &
hp=$!
pids="$hp"

check "helper.json names the supervisor" \
	wait_for 5 eval '[ "$(jfield "$prov/helper.json" pid)" = "$hp" ]'
check "helper.json says running" \
	[ "$(jfield "$prov/helper.json" state)" = running ]

# the log (and its directory) appear after the helper started
sleep 0.3
mkdir -p "$work/logs"
printf 'starting\n' >"$log"
# a trigger line written in three pieces
line=$(ckpt_line 100)
printf '%s' "${line:0:30}" >>"$log"
sleep 0.2
check "no action for half a line" jcount_is "$prov" action_started '"100"' 0
printf '%s' "${line:30:25}" >>"$log"
sleep 0.2
printf '%s\n' "${line:55}" >>"$log"
check "the action started once the line was complete" \
	wait_for 5 jcount_is "$prov" action_started '"100"' 1
check "and finished" wait_for 5 jcount_is "$prov" action_finished '"100"' 1
check "helper.log has the rendered message" \
	grep -q 'action ok event=checkpoint_saved .*saved 100 of demo (job 4711) under /ck/run' "$prov/helper.log"
check "the state was saved after the batch" \
	wait_for 3 grep -q '"offset": [1-9]' "$prov/monitor_state.json"

# a path cut by an invalid byte is not the checkpoint's: no action, and
# helper.log says why
printf 'successfully saved checkpoint from iteration 150 to /ck/\377\376run\n' >>"$log"
# the same trigger again: at most once
ckpt_line 100 >>"$log"
ckpt_line 200 >>"$log"
check "a new iteration fires" wait_for 5 jcount_is "$prov" action_finished '"200"' 1
check "the repeated one does not" jcount_is "$prov" action_started '"100"' 1
check "no action for a path cut by invalid UTF-8" \
	jcount_is "$prov" action_started '"150"' 0
check "helper.log names the refused value" \
	grep -q 'line [0-9]*: checkpoint_saved: checkpoint_path: a value next to invalid UTF-8 or a NUL: event refused (1 so far)' "$prov/helper.log"

# a line without its newline, written just before SIGTERM
ckpt_line 300 | tr -d '\n' >>"$log"
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "exit 0 after the drain (got $rc)" [ "$rc" -eq 0 ]
check "the last line was processed while draining" \
	jcount_is "$prov" action_finished '"300"' 1
check "helper.json says exited 0" \
	[ "$(jfield "$prov/helper.json" state)/$(jfield "$prov/helper.json" exit_status)" = exited/0 ]
check "the journal says the helper stopped" jcount_ge "$prov" helper_stopped "" 1
check "helper.log says drained" grep -q 'drained: exiting' "$prov/helper.log"

# a second helper on the same directory (the job was requeued)
printf '\n' >>"$log"
ckpt_line 400 >>"$log"
"$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
	--log "$log" --job-id 4711 &
hp=$!
pids="$hp"
check "the second run fires the new line" \
	wait_for 5 jcount_is "$prov" action_finished '"400"' 1
check "it resumed from the saved offset" \
	grep -q "following $log again (offset [1-9]" "$prov/helper.log"
worker=$(pgrep -P "$hp" | head -n 1)
check "by default the worker ($worker) watches the log with inotify" \
	bash -c '[ -n "$1" ] && ls -l "/proc/$1/fd" | grep -q inotify' _ "$worker"
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "second run exits 0" [ "$rc" -eq 0 ]
for it in 100 200 300 400; do
	check "iteration $it started exactly once" \
		jcount_is "$prov" action_started "\"$it\"" 1
done

# --no-inotify (the plugin's log_follow=stat): the periodic check alone
# follows the log, no inotify instance is open, helper.log says so
"$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
	--log "$log" --job-id 4711 --no-inotify --stat-interval-ms 200 &
hp=$!
pids="$hp"
check "--no-inotify: helper.log names the check and its interval" \
	wait_for 5 grep -q "following $log again (offset [1-9].*; a check every 200 ms)" "$prov/helper.log"
ckpt_line 500 >>"$log"
check "--no-inotify: the new line fires by the periodic check" \
	wait_for 5 jcount_is "$prov" action_finished '"500"' 1
worker=$(pgrep -P "$hp" | head -n 1)
check "--no-inotify: the worker ($worker) has no inotify instance" \
	bash -c '[ -n "$1" ] && [ -d "/proc/$1/fd" ] && ! ls -l "/proc/$1/fd" | grep -q inotify' _ "$worker"
kill -TERM "$hp"
wait "$hp"
pids=

finish
