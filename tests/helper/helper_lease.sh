#!/bin/bash
# The journal's lock across nodes: a requeued job's helper on another node
# finds the previous helper's lease (renewed lately, not released) where the
# file system's flock says nothing (a node-local lock or none). It waits,
# firing nothing, until the lease is released, then takes it over; its own
# lease names this host and is released when it exits.
. "$(dirname "$0")/lib.sh"
helper_setup helper_lease

trigger_config 3
log=$work/train.log
prov=$work/prov
lease() { # host heartbeat released
	printf '{"host":"%s","boot_id":"b-other","pid":4242,"start_ticks":1,"heartbeat":%s,"released":%s}\n' \
		"$1" "$2" "$3" >"$prov/journal.lease"
}
: >"$prov/events.jsonl"
lease node-elsewhere "$(date +%s)" false
printf 'trigger 1\n' >"$log"

"$helper" --provenance-dir "$prov" --config "$work/config.yaml" --log "$log" --job-id 9 &
hp=$!
pids=$hp
check "the helper waits for the other node's helper" \
	wait_for 5 grep -q 'holds the journal (the previous run.s, draining): waiting for it; held by node-elsewhere (pid 4242' "$prov/helper.log"
sleep 1
check "and fires nothing meanwhile" jcount_is "$prov" action_started '' 0
check "nor writes to the journal" [ ! -s "$prov/events.jsonl" ]
lease node-elsewhere "$(date +%s)" true # the other helper is done
check "it goes on once the lease is released" \
	wait_for 5 jcount_is "$prov" action_finished '"1"' 1
check "the lease names this host now" \
	"$py" -c 'import json,socket,sys; l=json.load(open(sys.argv[1])); sys.exit(0 if l["host"] == socket.gethostname() and not l["released"] else 1)' "$prov/journal.lease"
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "the helper exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "its lease is released" \
	"$py" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["released"] else 1)' "$prov/journal.lease"
finish
