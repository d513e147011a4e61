#!/bin/bash
# Issue 17 (1): the helper reads its config from the provenance directory it
# opened, never by its path again. Two output directories, "victim" and
# "evil", each with a provenance directory whose resolved_config.yaml
# follows a log of its own name, are swapped under the same name
# (shared/out) as fast as rename(2) goes while helpers start on
# shared/out/provenance, as a user who can rename entries of `shared` (a
# group-writable directory without the sticky bit) could. A helper whose
# helper.log (written through the directory it opened) says it follows the
# other tree's log loaded a config it never checked: a mismatch.
. "$(dirname "$0")/lib.sh"
helper_setup helper_swap

rounds=${AUTOEXP_SWAP_ROUNDS:-100}
shared=$work/shared
mkdir -p "$shared"
for t in victim evil; do
	mkdir -p "$shared/$t/provenance/jobs/1"
	echo "$t" >"$shared/$t/provenance/tree"
	# the start's facts: no scontrol
	cat >"$shared/$t/provenance/jobs/1/job_metadata.json" <<JSON
{"job_id": "1", "start": 1, "submit_dir": "$work",
 "request": {"options": [], "script": "job.sh", "directives": []}}
JSON
	cat >"$shared/$t/provenance/jobs/1/resolved_config.yaml" <<YAML
monitoring:
  log_path: $work/$t.log
  log_events:
    x:
      pattern: 'never matches this'
      actions:
        - class_name: LogAction
          message: x
YAML
done
mv "$shared/victim" "$shared/out"
# a start whose facts could not be read asks scontrol: at once, in vain
mkdir -p "$work/bin"
printf '#!/bin/sh\nexit 1\n' >"$work/bin/scontrol"
chmod +x "$work/bin/scontrol"

# out <-> evil, through tmp, until killed
"$py" - "$shared" <<'PY' &
import os, sys
d = sys.argv[1]
out, evil, tmp = d + "/out", d + "/evil", d + "/tmp"
while True:
    try:
        os.rename(out, tmp)
        os.rename(evil, out)
        os.rename(tmp, evil)
    except OSError:
        pass
PY
swapper=$!
pids="$swapper"

started=0
for i in $(seq 1 "$rounds"); do
	err=$work/err.$i
	PATH="$work/bin:$PATH" AUTOEXP_JOB_DIR=$shared/out/provenance/jobs/1 \
		"$helper" -f --provenance-dir "$shared/out/provenance" \
		--config "$shared/out/provenance/jobs/1/resolved_config.yaml" \
		--job-id "$i" 2>"$err" &
	hp=$!
	# until it follows a log (the config is loaded) or gave up
	for _ in $(seq 1 200); do
		grep -q following "$err" 2>/dev/null && break
		kill -0 "$hp" 2>/dev/null || break
		sleep 0.01
	done
	grep -q following "$err" && started=$((started + 1))
	kill -KILL "$hp" 2>/dev/null
	wait "$hp" 2>/dev/null
	rm -f "$err"
done
kill -KILL "$swapper"
wait "$swapper" 2>/dev/null
pids=

mismatches=0
for d in out evil tmp; do
	p=$shared/$d/provenance
	[ -f "$p/tree" ] || continue
	t=$(cat "$p/tree")
	n=$(grep -c "following $work/[a-z]*\.log" "$p/helper.log" 2>/dev/null)
	other=$(grep "following $work/[a-z]*\.log" "$p/helper.log" 2>/dev/null |
		grep -vc "following $work/$t\.log")
	echo "# tree $t: $n helper(s) followed a log, $other of the other tree"
	mismatches=$((mismatches + other))
done
echo "# $started of $rounds helpers started while the directories were swapped"
check "helpers started during the swaps (at least a third)" \
	[ "$started" -ge $((rounds / 3)) ]
check "no helper loaded the config of a directory it did not open ($mismatches did)" \
	[ "$mismatches" -eq 0 ]
finish
