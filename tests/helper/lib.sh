# Shared by the autoexp-helper tests: paths, checks, waiting, JSON counts.
# Sourced by bash scripts; they call helper_setup first.
set -u

builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
helper=$builddir/helper/autoexp-helper
autoexp=$builddir/helper/autoexp
fails=0
checks=0
work=
pids=

helper_setup() { # name
	if [ ! -x "$helper" ]; then
		echo "SKIP: $helper not built"
		exit 77
	fi
	py=
	for p in /usr/bin/python3 python3; do
		if command -v "$p" >/dev/null 2>&1; then
			py=$p
			break
		fi
	done
	if [ -z "$py" ]; then
		echo "SKIP: python3 is needed to read the journal"
		exit 77
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 99
	trap helper_cleanup EXIT
	mkdir -p "$work/prov"
}

helper_cleanup() {
	local p
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ "$fails" -ne 0 ] && [ -f "$work/prov/helper.log" ]; then
		echo "--- helper.log"
		tail -n 40 "$work/prov/helper.log"
	fi
	rm -rf "$work"
}

check() { # description, then a command that must succeed
	local what=$1
	shift
	checks=$((checks + 1))
	if ! "$@"; then
		echo "FAIL: $what" >&2
		fails=$((fails + 1))
	fi
}

finish() {
	echo "$checks checks, $fails failed"
	[ "$fails" -eq 0 ]
	exit $?
}

# wait_for SECONDS command...: poll every 50 ms until it succeeds
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge $((limit * 20)) ] && return 1
		sleep 0.05
	done
}

# Count journal records: jcount DIR TYPE [KEY_SUBSTRING]
jcount() {
	"$py" - "$1/events.jsonl" "$2" "${3:-}" <<'PY'
import json, sys
path, typ, sub = sys.argv[1:4]
n = 0
try:
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("type") == typ and sub in r.get("key", ""):
                n += 1
except FileNotFoundError:
    pass
print(n)
PY
}

# jcount_is DIR TYPE KEY N
jcount_is() {
	[ "$(jcount "$1" "$2" "$3")" -eq "$4" ]
}

jcount_ge() {
	[ "$(jcount "$1" "$2" "$3")" -ge "$4" ]
}

# A field of a JSON file: jfield FILE KEY
jfield() {
	"$py" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" 2>/dev/null
}

# trigger_config DRAIN_SECONDS: $work/config.yaml with one rule, "trigger N"
# lines fire a LogAction "fired N" (the journal and helper tests' workload)
trigger_config() {
	cat >"$work/config.yaml" <<YAML
monitoring:
  drain_timeout_seconds: $1
  log_events:
    trigger:
      pattern: 'trigger (?P<n>\d+)'
      extract_groups: {n: n}
      actions:
        - class_name: LogAction
          message: 'fired {n}'
YAML
}

# A trigger line of the test configs
ckpt_line() { # iteration [path]
	printf ' [2025-01-01 10:00:00] successfully saved checkpoint from iteration %8d to %s [ t 1/1, p 1/1 ]\n' "$1" "${2:-/ck/run}"
}
