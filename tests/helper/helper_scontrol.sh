#!/bin/bash
# Without --log the helper finds the log itself. With its start's
# job_metadata.json (AUTOEXP_JOB_DIR, what the plugin writes) it asks
# slurmctld nothing: the log comes from the recorded request. Without one (a
# helper run by hand) it is the job's StdOut from `scontrol show job -o`
# (retried while the controller fails); or monitoring.log_path with
# {output_dir} and Slurm's %x/%j patterns. The job's name, attempt (the
# run's start number, else Restarts + 1) and node reach the templates.
. "$(dirname "$0")/lib.sh"
helper_setup helper_scontrol

mkdir -p "$work/bin" "$work/out dir"
# a controller that fails the first time, then answers
cat >"$work/bin/scontrol" <<SH
#!/bin/sh
n=\$(cat "$work/calls" 2>/dev/null || echo 0)
echo \$((n + 1)) >"$work/calls"
if [ "\$n" -eq 0 ]; then echo "slurm_load_jobs error: Socket timed out" >&2; exit 1; fi
[ "\$1 \$2 \$3 \$4" = "show job -o 55" ] || exit 2
echo "JobId=55 JobName=my job UserId=alice(1000) GroupId=alice(1000) Restarts=2 BatchHost=node7 WorkDir=$work StdErr=$work/out dir/slurm-55.err StdIn=/dev/null StdOut=$work/out dir/slurm-55.out Power="
SH
chmod +x "$work/bin/scontrol"

cat >"$work/config.yaml" <<'YAML'
monitoring:
  log_events:
    checkpoint_saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      metadata: {kind: checkpoint}
      extract_groups: {checkpoint_iteration: iteration}
      actions:
        - class_name: LogAction
          message: '{checkpoint_iteration} of "{job_name}" attempt {attempt} on {node}'
YAML
prov=$work/prov

PATH="$work/bin:$PATH" "$helper" --provenance-dir "$prov" \
	--config "$work/config.yaml" --job-id 55 &
hp=$!
pids="$hp"
ckpt_line 10 >>"$work/out dir/slurm-55.out"
check "the StdOut of scontrol is followed" \
	wait_for 10 jcount_is "$prov" action_finished '"10"' 1
check "scontrol was asked again after failing" [ "$(cat "$work/calls")" -ge 2 ]
check "job name, attempt and node reach the templates" \
	grep -q '10 of "my job" attempt 3 on node7' "$prov/helper.log"
kill -TERM "$hp"
wait "$hp"
check "exit 0" [ $? -eq 0 ]
pids=

# job_metadata.json: the script's -o, relative to the --chdir of the
# command line, from the submission directory; scontrol is never run
rm -rf "$prov" "$work/calls"
mkdir -p "$prov" "$work/job" "$work/sub"
cat >"$work/job/job_metadata.json" <<JSON
{"job_id": "56", "array_job_id": null, "array_task_id": null,
 "job_name": "meta job", "user": "alice", "submit_dir": "$work", "start": 4,
 "request": {"options": ["--parsable", "--chdir=sub"], "script": "job.sh",
             "directives": ["--nodes=1 -o %x-%j.log", "--time=10"]}}
JSON
ckpt_line 30 >"$work/sub/meta job-56.log"
AUTOEXP_JOB_DIR=$work/job PATH="$work/bin:$PATH" "$helper" \
	--provenance-dir "$prov" --config "$work/config.yaml" --job-id 56 &
hp=$!
pids="$hp"
check "the log named by the recorded request is followed" \
	wait_for 10 jcount_is "$prov" action_finished '"30"' 1
check "scontrol was not run ($(cat "$work/calls" 2>/dev/null) calls)" \
	[ ! -e "$work/calls" ]
host=$(hostname)
check "job name, the run's start number and this host reach the templates" \
	grep -q "30 of \"meta job\" attempt 4 on ${host%%.*}\$" "$prov/helper.log"
kill -TERM "$hp"
wait "$hp"
check "exit 0" [ $? -eq 0 ]
pids=

# a start recorded without its request: scontrol after all, and said why
rm -rf "$prov"
mkdir -p "$prov"
printf '{"job_id": "55", "start": 1, "request": null}\n' >"$work/job/job_metadata.json"
AUTOEXP_JOB_DIR=$work/job PATH="$work/bin:$PATH" "$helper" \
	--provenance-dir "$prov" --config "$work/config.yaml" --job-id 55 &
hp=$!
pids="$hp"
check "without a recorded request the StdOut of scontrol is followed" \
	wait_for 10 jcount_is "$prov" action_finished '"10"' 1
check "helper.log says why scontrol was asked" \
	grep -q "records no request" "$prov/helper.log"
kill -TERM "$hp"
wait "$hp"
pids=

# monitoring.log_path: a template with Slurm's patterns
rm -rf "$prov"
mkdir -p "$prov" "$work/o/logs"
cat >>"$work/config.yaml" <<'YAML'
  log_path: '{output_dir}/logs/%x-%j.%%.out'
YAML
ckpt_line 20 >"$work/o/logs/my job-55.%.out"
AUTOEXP_OUTPUT_DIR=$work/o PATH="$work/bin:$PATH" "$helper" \
	--provenance-dir "$prov" --config "$work/config.yaml" --job-id 55 &
hp=$!
pids="$hp"
check "monitoring.log_path is expanded" \
	wait_for 10 jcount_is "$prov" action_finished '"20"' 1
kill -TERM "$hp"
wait "$hp"
pids=

# a config that cannot work: exit 3 at once, no restarts
cat >"$work/bad.yaml" <<'YAML'
monitoring:
  log_events:
    broken:
      pattern: '(unclosed'
      metadata: {kind: x}
YAML
"$helper" --provenance-dir "$prov" --config "$work/bad.yaml" --job-id 55 \
	--log "$work/x.log"
rc=$?
check "an invalid config ends the helper with 3 (got $rc)" [ "$rc" -eq 3 ]
check "the error is in helper.log with its place" \
	grep -q 'bad.yaml:[0-9]*:[0-9]*' "$prov/helper.log"
check "and it was not restarted" \
	eval '! grep -q "restart 1 of" "$prov/helper.log"'

# usage errors
env -u AUTOEXP_PROVENANCE_DIR "$helper" --config "$work/config.yaml" --job-id 1 2>/dev/null
check "missing --provenance-dir is a usage error" [ $? -eq 2 ]

finish
