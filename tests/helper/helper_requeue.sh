#!/bin/bash
# A requeued job's new helper starts while the previous run's helper still
# drains and holds the journal: the new one waits for it (it does not fail
# on the lock and give up), then follows the log and fires what is new,
# and nothing the previous helper fired fires again.
. "$(dirname "$0")/lib.sh"
helper_setup helper_requeue

cat >"$work/config.yaml" <<YAML
monitoring:
  drain_timeout_seconds: 3
  log_events:
    checkpoint_saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      extract_groups: {checkpoint_iteration: iteration}
      actions:
        - class_name: EventAction
          mode: queue
          conditions:
            - class_name: FileExistsCondition
              path: '$work/never'
              blocking: true
              timeout_seconds: 60
              poll_interval_seconds: 0.1
          action:
            class_name: LogAction
            message: 'never {checkpoint_iteration}'
    trigger:
      pattern: 'trigger (?P<n>\d+)'
      extract_groups: {n: n}
      actions:
        - class_name: LogAction
          message: 'fired {n}'
YAML
log=$work/train.log
prov=$work/prov
printf 'trigger 1\n' >"$log"
ckpt_line 10 >>"$log"

"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$log" --job-id 9 &
first=$!
pids="$first"
check "the first helper fires trigger 1" \
	wait_for 5 jcount_is "$prov" action_finished '"1"' 1
check "and holds a condition pending" \
	wait_for 5 jcount_is "$prov" condition_pending '"10"' 1
kill -TERM "$first" # the job was requeued: the first helper drains for 3 s

"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$log" --job-id 9 &
second=$!
pids="$first $second"
check "the second helper waits for the first" \
	wait_for 2 grep -q 'holds the journal (the previous run.s, draining): waiting' "$prov/helper.log"
check "the first is still draining" kill -0 "$first"
wait "$first"
check "the second is still running after the first is gone" kill -0 "$second"
check "it starts once the journal is free" \
	wait_for 5 grep -q 'the previous helper is gone' "$prov/helper.log"
printf 'trigger 2\n' >>"$log"
check "the second helper fires what is new" \
	wait_for 5 jcount_is "$prov" action_finished '"2"' 1
kill -TERM "$second"
wait "$second"
rc=$?
pids=
check "the second helper exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "trigger 1 fired once in all" jcount_is "$prov" action_finished '"1"' 1
finish
