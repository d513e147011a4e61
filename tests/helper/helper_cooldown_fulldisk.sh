#!/bin/bash
# A cooldown (RunAutoexpAction) on a full disk: its action_started is in the
# journal, but its files in provenance/cooldowns/<key>/ cannot be written.
# Nothing was submitted yet, so it waits and is tried again with sbatch's
# backoff: once there is room, sbatch runs exactly once and the submission
# is recorded. A disk that stays full past retry_seconds fails it, with a
# message that says the disk was full, and sbatch never runs. cooldowns/ is
# a small tmpfs of its own, filled up, so that the journal (the rest of the
# provenance directory) records as the problem had it: the disk filled
# after the trigger was journalled. sbatch is a fake that records its calls.
# Needs root (mount).
. "$(dirname "$0")/lib.sh"
helper_setup helper_cooldown_fulldisk
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: mounting a small tmpfs needs root"
	exit 77
fi
out=$work/out
prov=$out/provenance
mnt=$prov/cooldowns
mkdir -p "$mnt" "$prov/jobs/7" "$work/bin"
if ! mount -t tmpfs -o size=1m,mode=0750 tmpfs "$mnt"; then
	echo "SKIP: cannot mount a tmpfs"
	exit 77
fi
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null; done; umount "$mnt"; helper_cleanup' EXIT

# the fake sbatch: one line per call, a job id as --parsable prints it
cat >"$work/bin/sbatch" <<SH
#!/bin/sh
echo "\$*" >>"$work/sbatch.calls"
echo 4242
SH
chmod +x "$work/bin/sbatch"
# the start's facts: no scontrol
cat >"$prov/jobs/7/job_metadata.json" <<JSON
{"job_id": "7", "job_name": "exp", "start": 1, "submit_dir": "$work",
 "request": {"options": [], "script": "job.sh", "directives": []}}
JSON
printf '{"job_id": "7", "job_name": "exp", "submit_dir": "%s"}\n' "$work" \
	>"$prov/run_metadata.json"
printf '#!/bin/sh\nexec train\n' >"$prov/job_script.sh"
# ckpt: the default window (600 s); hurry: 3 s
cat >"$prov/unresolved_config.yaml" <<YAML
project:
  name: exp
  base_output_dir: $out
monitoring:
  drain_timeout_seconds: 5
  log_events:
    ckpt:
      pattern: 'saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      extract_groups: {checkpoint_iteration: iteration, checkpoint_path: path}
      actions:
        - class_name: RunAutoexpAction
          name: 'cooldown_{checkpoint_iteration}'
          sbatch: $work/bin/sbatch
    hurry:
      pattern: 'hurried checkpoint (?P<iteration>\d+) to (?P<path>\S+)'
      extract_groups: {checkpoint_iteration: iteration, checkpoint_path: path}
      actions:
        - class_name: RunAutoexpAction
          name: 'hurry_{checkpoint_iteration}'
          sbatch: $work/bin/sbatch
          retry_seconds: 3
YAML
cp "$prov/unresolved_config.yaml" "$prov/resolved_config.yaml"

# fill the file system: whole pages, then what the last page still takes
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
while printf x >>"$mnt/fill" 2>/dev/null; do :; done

log=$work/train.log
{
	ckpt_line 100 "$work/ck"
	printf 'hurried checkpoint 200 to %s/ck\n' "$work"
} >"$log"
AUTOEXP_JOB_DIR=$prov/jobs/7 "$helper" --provenance-dir "$prov" \
	--config "$prov/resolved_config.yaml" --log "$log" --job-id 7 \
	2>"$work/stderr" &
hp=$!
pids=$hp

calls() { [ -f "$work/sbatch.calls" ] && wc -l <"$work/sbatch.calls" || echo 0; }
# finished KEY: the action_finished records of a trigger, as "status message"
finished() {
	"$py" - "$prov/events.jsonl" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "action_finished" and sys.argv[2] in r.get("key", ""):
        print(r.get("status"), (r.get("result") or {}).get("message", ""))
PY
}

check "both cooldowns are started" \
	wait_for 10 jcount_is "$prov" action_started '' 2
check "the one with a short window fails once it is over" \
	wait_for 15 jcount_is "$prov" action_finished '200' 1
check "as failed" [ "$(finished 200 | cut -d' ' -f1)" = failed ]
check "saying that the disk is full" grep -q \
	'^failed the disk is full.*hurry_200/config.yaml: .*No space left on device.*nothing was submitted' \
	<<<"$(finished 200)"
check "sbatch has not run while the disk is full (calls: $(calls))" [ "$(calls)" -eq 0 ]
check "the other one waits (its window is 600 s)" \
	jcount_is "$prov" action_finished '100' 0

rm -f "$mnt/fill" # room again
check "the waiting cooldown is submitted once there is room" \
	wait_for 40 jcount_is "$prov" action_finished '100' 1
check "its end is ok" [ "$(finished 100)" = "ok cooldown cooldown_100 submitted as job 4242" ]
sub=$mnt/cooldown_100/submission.json
check "submission.json says submitted" [ "$(jfield "$sub" status)" = submitted ]
check "with the fake's job id" [ "$(jfield "$sub" job_id)" = 4242 ]
check "and says the disk was full meanwhile" grep -q 'the disk is full' "$sub"
check "the files sbatch reads are there" \
	test -s "$mnt/cooldown_100/config.yaml" -a -s "$mnt/cooldown_100/job_script.sh"
sleep 2
check "sbatch ran exactly once (calls: $(calls))" [ "$(calls)" -eq 1 ]
check "for the cooldown that waited" grep -q -- '--job-name=exp_cooldown_100' "$work/sbatch.calls"
check "each trigger started once" jcount_is "$prov" action_started '' 2
check "and finished once" jcount_is "$prov" action_finished '' 2
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "the helper exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "sbatch still ran once" [ "$(calls)" -eq 1 ]
if [ "$fails" -ne 0 ]; then
	echo "--- events.jsonl"
	cat "$prov/events.jsonl"
	echo "--- stderr"
	cat "$work/stderr"
	echo "--- sbatch calls"
	cat "$work/sbatch.calls" 2>/dev/null
fi
finish
