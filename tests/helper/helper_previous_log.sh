#!/bin/bash
# A later job of a run follows its own log, but first reads what the
# previous job's helper never read of the previous job's log (that helper
# died with its job before the line): the trigger printed there fires, once,
# and a helper started again does not fire it twice.
. "$(dirname "$0")/lib.sh"
helper_setup helper_previous_log

trigger_config 3
prov=$work/prov
old=$work/slurm-100.out
new=$work/slurm-101.out
printf 'trigger 1\n' >"$old"

"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$old" --job-id 100 &
first=$!
pids="$first"
check "the first job's helper fires trigger 1" \
	wait_for 5 jcount_is "$prov" action_finished '"1"' 1
check "and has saved its place in the log" \
	wait_for 5 grep -q "slurm-100.out" "$prov/monitor_state.json"
# the node dies: the helper with it, then the job prints its last line
kill -KILL "$first"
wait "$first" 2>/dev/null
pkill -KILL -f "autoexp-helper.*--job-id 100" 2>/dev/null
pids=
printf 'trigger 2\n' >>"$old"

printf 'trigger 3\n' >"$new"
"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$new" --job-id 101 &
second=$!
pids="$second"
check "the next job's helper fires the trigger its predecessor missed" \
	wait_for 5 jcount_is "$prov" action_finished '"2"' 1
check "and its own log's" \
	wait_for 5 jcount_is "$prov" action_finished '"3"' 1
check "trigger 1 is not fired again" jcount_is "$prov" action_finished '"1"' 1
check "helper.log says it read the previous log" \
	grep -q "read the rest of the previous job's log .*slurm-100.out" "$prov/helper.log"
kill -TERM "$second"
wait "$second"
pids=
# the same job's helper once more (a helper restart): nothing twice
"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$new" --job-id 101 &
third=$!
pids="$third"
sleep 1
kill -TERM "$third"
wait "$third"
pids=
check "each trigger fired exactly once" \
	bash -c "[ \"\$(grep -c '\"type\":\"action_finished\"' '$prov/events.jsonl')\" = 3 ]"
finish
