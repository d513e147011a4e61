#!/bin/bash
# A provenance directory the job's user cannot write to. From the start:
# the helper refuses with a clear message on stderr (under the plugin a
# pipe that ends in slurmd's log). In the middle of a run: the journal
# (open already) still records, so every trigger fires once; the state
# cannot be replaced, which is said on stderr, and is saved again once the
# directory is writable. Needs root (to run the helper as another user,
# autoexp-test, for whom the mode counts).
. "$(dirname "$0")/lib.sh"
helper_setup helper_readonly
user=autoexp-test
if [ "$(id -u)" != 0 ] || ! id "$user" >/dev/null 2>&1 ||
	! command -v setpriv >/dev/null 2>&1; then
	echo "SKIP: needs root, setpriv and the user $user"
	exit 77
fi
as_user=(setpriv --reuid="$user" --regid="$user" --clear-groups)
trigger_config 3
log=$work/train.log
prov=$work/prov
printf 'trigger 1\n' >"$log"
chmod 0755 "$work"
chown -R "$user:" "$work"
chmod 0555 "$prov"

"${as_user[@]}" "$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
	--log "$log" --job-id 5 2>"$work/stderr0"
rc=$?
check "read-only from the start: the helper refuses (got $rc)" [ "$rc" -eq 1 ]
check "and says why on stderr" \
	grep -q 'helper.log: cannot open: Permission denied' "$work/stderr0"

chmod 0755 "$prov"
"${as_user[@]}" "$helper" --provenance-dir "$prov" --config "$work/config.yaml" \
	--log "$log" --job-id 5 2>"$work/stderr" &
hp=$!
pids=$hp
check "writable: trigger 1 fires" \
	wait_for 5 jcount_is "$prov" action_finished '"1"' 1
chmod 0555 "$prov"
printf 'trigger 2\n' >>"$log"
check "read-only in the middle: trigger 2 fires all the same" \
	wait_for 5 jcount_is "$prov" action_finished '"2"' 1
check "the state that cannot be saved is said on stderr" \
	wait_for 5 grep -q 'cannot save the state: .*Permission denied' "$work/stderr"
chmod 0755 "$prov"
check "and that it is saved again" \
	wait_for 10 grep -q 'the state is saved again' "$work/stderr"
check "the saved state is past trigger 2" \
	"$py" -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["log"]["offset"] == int(sys.argv[2]) else 1)' \
	"$prov/monitor_state.json" "$(stat -c %s "$log")"
kill -TERM "$hp"
wait "$hp"
rc=$?
pids=
check "the helper exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "each trigger fired once" \
	bash -c "[ \"\$(grep -c '\"type\":\"action_finished\"' '$prov/events.jsonl')\" = 2 ]"
finish
