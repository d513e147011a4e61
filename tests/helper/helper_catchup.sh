#!/bin/bash
# A requeued start whose log no longer shows a checkpoint the run saved (the
# requeue truncated the log before any helper read the line) feeds that
# checkpoint to the rules as Megatron's line: the trigger fires once, a save
# a helper of the run saw is not fed again, and a helper started again does
# not fire it twice.
. "$(dirname "$0")/lib.sh"
helper_setup helper_catchup

ckpt=$work/checkpoints
mkdir -p "$ckpt/iter_0000010" "$ckpt/iter_0000020" "$ckpt/iter_0000030"
echo 20 >"$ckpt/latest_checkpointed_iteration.txt"
cat >"$work/config.yaml" <<YAML
monitoring:
  drain_timeout_seconds: 3
  log_events:
    saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<it>\d+) to (?P<path>\S+)'
      extract_groups: {it: it, path: path}
      actions:
        - class_name: LogAction
          message: 'saved {it} in {path}'
YAML
prov=$work/prov
mkdir -p "$prov/jobs/7" "$prov/jobs/7_start2"
# start 1's helper saw the save of iteration 10, not that of 20; the plugin
# found the tracker at 20 when start 2 began (iter_0000030 is a save in
# progress: beyond the tracker, not complete)
cat >"$prov/run_metadata.json" <<JSON
{"starts": [{"start": 1, "job_id": "7", "dir": "jobs/7"},
            {"start": 2, "job_id": "7", "dir": "jobs/7_start2"}]}
JSON
echo '{"start": 1, "saved_iteration": 10}' >"$prov/jobs/7/progress.json"
cat >"$prov/jobs/7_start2/job_metadata.json" <<JSON
{"job_id": "7", "start": 2, "resumed": {"load": "$ckpt", "iteration": 20}}
JSON
: >"$work/slurm-7.out" # truncated by the requeue

run_helper() {
	AUTOEXP_JOB_DIR=$prov/jobs/7_start2 "$helper" --provenance-dir "$prov" \
		--config "$work/config.yaml" --log "$work/slurm-7.out" --job-id 7 &
	pids=$!
}
fired() { # fired ITERATION COUNT: the action of that save's key finished
	jcount_is "$prov" action_finished "\"it\":\"$1\",\"path\":\"$ckpt\"" "$2"
}
run_helper
check "the save of iteration 20 that no log shows fires" wait_for 5 fired 20 1
check "the save a helper saw (10) is not fed again" fired 10 0
check "nor a save beyond the tracker (30)" fired 30 0
check "helper.log says so" \
	grep -q "1 checkpoint(s) in $ckpt that no log shows (iteration 20 to 20)" "$prov/helper.log"
# Megatron resumes from 20 and saves 30: the real line fires as usual
printf '  successfully saved checkpoint from iteration      30 to %s\n' "$ckpt" >>"$work/slurm-7.out"
check "the new start's own save fires" wait_for 5 fired 30 1
kill -TERM "$pids"
wait "$pids"
pids=
# the helper again (a restart of the worker): nothing twice
run_helper
sleep 1
kill -TERM "$pids"
wait "$pids"
pids=
check "iteration 20 fired exactly once" fired 20 1
check "iteration 30 fired exactly once" fired 30 1
finish
