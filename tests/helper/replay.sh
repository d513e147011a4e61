#!/bin/bash
# `autoexp replay`: what the helper would fire on the Megatron fixtures, with
# fields rendered; conditions checked against the file system; actions not
# run; an unresolved config resolved with a fixed timestring; --json.
. "$(dirname "$0")/lib.sh"
helper_setup replay
if ! "$autoexp" replay --help >/dev/null 2>&1; then
	echo "SKIP: autoexp has no replay command"
	exit 77
fi
data=$srcdir/tests/data/megatron

expect() { # description, expected output, command...
	local what=$1 want=$2 got
	shift 2
	got=$("$@" 2>/dev/null)
	checks=$((checks + 1))
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what" >&2
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
		fails=$((fails + 1))
	fi
}

expect "current.log with the production rules" \
'6 checkpoint_saved LogAction message="checkpoint saved at iteration 100"
10 checkpoint_saved LogAction message="checkpoint saved at iteration 200"' \
	"$autoexp" replay --config "$data/production.yaml" "$data/current.log"

expect "old.log: every iteration once" \
'1 checkpoint_saved LogAction message="checkpoint saved at iteration 100"
2 checkpoint_saved LogAction message="checkpoint saved at iteration 50000"
3 checkpoint_saved LogAction message="checkpoint saved at iteration 1234567"' \
	"$autoexp" replay --config "$data/production.yaml" "$data/old.log"

cat "$data/old.log" "$data/old.log" >"$work/twice.log"
expect "the same line twice fires once" \
'1 checkpoint_saved LogAction message="checkpoint saved at iteration 100"
2 checkpoint_saved LogAction message="checkpoint saved at iteration 50000"
3 checkpoint_saved LogAction message="checkpoint saved at iteration 1234567"' \
	"$autoexp" replay --config "$data/production.yaml" \
	"$work/twice.log"

# the shipped preset (composed from its defaults list)
out=$(AUTOEXP_CONFIG=$srcdir/config/monitoring/megatron_production.yaml \
	"$autoexp" replay "$data/current.log" 2>"$work/err")
check "preset: exit 0" [ $? -eq 0 ]
check "preset: checkpoints of iterations 100 and 200" \
	[ "$(printf '%s\n' "$out" | grep -c '^[0-9]* checkpoint_saved LogAction ')" -eq 2 ]
check "preset: training_complete on line 11" \
	grep -q '^11 training_complete LogAction' <<<"$out"
check "the summary goes to stderr" grep -q '11 lines, ' "$work/err"
out=$("$autoexp" replay --config "$srcdir/config/monitoring/megatron_production.yaml" \
	"$data/errors.log" 2>/dev/null)
check "preset: CUDA OOM on line 1" grep -q '^1 cuda_oom LogAction' <<<"$out"
check "preset: Slurm cancellation on line 4" grep -q '^4 slurm_cancelled LogAction' <<<"$out"

# conditions, rendering of lists, an unresolved config; nothing runs
mkdir -p "$work/ck/iter_0000100"
cat >"$work/cfg.yaml" <<YAML
project:
  base_output_dir: \${oc.env:REPLAY_OUT}/run_\${oc.timestring:}
monitoring:
  log_events:
    checkpoint_saved:
      pattern: 'successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'
      metadata: {kind: checkpoint}
      extract_groups: {checkpoint_iteration: iteration, checkpoint_path: path}
      actions:
        - class_name: EventAction
          conditions:
            - class_name: FileExistsCondition
              path: '{checkpoint_path}/iter_{checkpoint_iteration:07d}'
          action:
            class_name: RunCommandAction
            command: [touch, '$work/ran', '{output_dir}', '{checkpoint_iteration}']
YAML
{
	ckpt_line 100 "$work/ck"
	ckpt_line 200 "$work/ck"
} >"$work/train.log"
expect "only the iteration whose directory exists fires" \
"1 checkpoint_saved RunCommandAction command=[\"touch\",\"$work/ran\",\"$work/out/run_19700101_000000_000\",\"100\"]" \
	env REPLAY_OUT="$work/out" "$autoexp" replay --config "$work/cfg.yaml" "$work/train.log"
check "the action did not run" [ ! -e "$work/ran" ]

json=$(REPLAY_OUT=$work/out "$autoexp" replay --json --timestring T1 \
	--config "$work/cfg.yaml" "$work/train.log" 2>/dev/null)
"$py" - "$json" "$work" <<'PY'
import json, sys
lines = sys.argv[1].splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r["line"] == 1 and r["event"] == "checkpoint_saved", r
assert r["class"] == "RunCommandAction" and r["conditions"] == "pass", r
assert r["fields"]["command"][2] == sys.argv[2] + "/out/run_T1", r
assert r["metadata"]["checkpoint_iteration"] == "100", r
PY
check "--json gives the event, the rendered fields and the metadata" [ $? -eq 0 ]

# errors
printf 'monitoring:\n  log_events:\n    bad:\n      pattern: "(x"\n      metadata: {k: v}\n' >"$work/bad.yaml"
"$autoexp" replay --config "$work/bad.yaml" "$work/train.log" 2>"$work/err"
check "a bad pattern is a config error (exit 1)" [ $? -eq 1 ]
check "named with its place" grep -q 'bad.yaml:4:' "$work/err"
"$autoexp" replay --config "$work/cfg.yaml" "$work/missing.log" 2>/dev/null
check "a missing log: exit 1" [ $? -eq 1 ]
env -u AUTOEXP_CONFIG "$autoexp" replay "$work/train.log" 2>/dev/null
check "no config: usage error" [ $? -eq 2 ]

finish
