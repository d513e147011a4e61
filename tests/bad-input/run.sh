#!/bin/sh
# Bad inputs: every case must make `autoexp check` exit 1 with a message
# matching the case's expected regex (file:line and, where there is one, the
# key), and nothing from the sanitizers.
#
# Usage: tests/bad-input/run.sh [BUILDDIR]
# BUILDDIR defaults to the current directory (where `make check` runs tests).
#
# Cases are cases/*.yaml; their first comment lines hold
#   # args: OVERRIDE...      (optional, split on blanks)
#   # expect: EXTENDED-REGEX (required)
# Files in subdirectories of cases/ are config groups, not cases.
# Some cases are generated here (too large or too binary to commit).

builddir=${1:-.}
here=$(cd "$(dirname "$0")" && pwd)
autoexp=$(cd "$builddir" && pwd)/helper/autoexp
if ! [ -x "$autoexp" ]; then
	echo "run.sh: $autoexp not found (build first)" >&2
	exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ae-bad.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

run_timeout=
if command -v timeout >/dev/null 2>&1; then
	run_timeout="timeout 120"
fi

# check NAME DIR FILE REGEX [OVERRIDE...]: run in DIR so messages name FILE
# relative to it.
check() {
	name=$1 dir=$2 file=$3 regex=$4
	shift 4
	err="$tmp/stderr"
	(cd "$dir" && $run_timeout "$autoexp" check "$file" "$@") \
		>/dev/null 2>"$err"
	rc=$?
	why=
	if [ "$rc" -ne 1 ]; then
		why="exit $rc, expected 1"
	elif grep -Eq 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$err"; then
		why="sanitizer report"
	elif ! grep -Eq -- "$regex" "$err"; then
		why="no match for /$regex/"
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: $why: $(head -n 1 "$err" | cut -c1-200)"
	fi
}

header() { # header FILE KEY: the value of "# KEY: ..." in the first lines
	sed -n "1,5s/^# $2: //p" "$1" | head -n 1
}

for f in "$here"/cases/*.yaml; do
	base=$(basename "$f")
	regex=$(header "$f" expect)
	args=$(header "$f" args)
	if [ -z "$regex" ]; then
		failed=$((failed + 1))
		echo "FAIL ${base%.yaml}: no '# expect:' line"
		continue
	fi
	# $args is split on blanks on purpose, without globbing.
	set -f
	# shellcheck disable=SC2086
	check "${base%.yaml}" "$here/cases" "$base" "$regex" $args
	set +f
done

# Generated cases.
gen="$tmp/gen"
mkdir -p "$gen"

# 10 000-deep nesting, as flow sequences and flow mappings.
awk 'BEGIN { s = "a: "; for (i = 0; i < 10000; i++) s = s "["; s = s "1";
	for (i = 0; i < 10000; i++) s = s "]"; print s }' >"$gen/deep_seq.yaml"
check deep_seq "$gen" deep_seq.yaml 'deep_seq\.yaml:1:[0-9]+: '
awk 'BEGIN { s = ""; for (i = 0; i < 10000; i++) s = s "{a: "; s = s "1";
	for (i = 0; i < 10000; i++) s = s "}"; print "a: " s }' >"$gen/deep_map.yaml"
check deep_map "$gen" deep_map.yaml 'deep_map\.yaml:1:[0-9]+: '

# A 100 000-deep override list: an error, not a stack overflow.
printf 'a: 1\n' >"$gen/ok.yaml"
deep=$(awk 'BEGIN { s = "a="; for (i = 0; i < 100000; i++) s = s "["; print s }')
check deep_override "$gen" ok.yaml '<override>:1:[0-9]+: .*nested deeper' "$deep"

# 100 MB, sparse: a valid first line, then holes.
printf 'a: 1\n' >"$gen/big.yaml"
if truncate -s 100M "$gen/big.yaml" 2>/dev/null; then
	check big "$gen" big.yaml 'big\.yaml(:[0-9]+)*: .*(large|size|limit|bytes|MiB)'
fi

# Not UTF-8, and a NUL byte inside a value.
printf 'a: \377\376\n' >"$gen/bad_utf8.yaml"
check bad_utf8 "$gen" bad_utf8.yaml 'bad_utf8\.yaml:1:'
printf 'a: 1\nb: x\000y\n' >"$gen/nul_byte.yaml"
check nul_byte "$gen" nul_byte.yaml 'nul_byte\.yaml:2:'

# Few nodes, many bytes: 2000 aliases of a 10 000-byte string (20 MB).
awk 'BEGIN { s = "s: &s "; for (i = 0; i < 10000; i++) s = s "x"; print s;
	s = "l: [*s"; for (i = 1; i < 2000; i++) s = s ", *s"; print s "]" }' \
	>"$gen/alias_bytes.yaml"
check alias_bytes "$gen" alias_bytes.yaml \
	'alias_bytes\.yaml:2:[0-9]+: .*limit of 16777216 bytes copied by aliases'

# A 10 000-link interpolation cycle: must be found without exhausting the
# stack.
awk 'BEGIN { for (i = 0; i < 10000; i++)
	printf "k%d: ${k%d}\n", i, (i + 1) % 10000 }' >"$gen/long_cycle.yaml"
check long_cycle "$gen" long_cycle.yaml 'long_cycle\.yaml:[0-9]+:[0-9]+: k[0-9]+: '

# A file that is not there.
check missing_file "$gen" nosuch.yaml 'nosuch\.yaml'

# Usage errors: exit 2 and a hint, whatever the config.
usage() { # usage NAME REGEX ARG...
	name=$1 regex=$2
	shift 2
	"$autoexp" "$@" >/dev/null 2>"$tmp/stderr"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -Eq -- "$regex" "$tmp/stderr"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL usage_$name: exit $rc: $(head -n 1 "$tmp/stderr" | cut -c1-200)"
	fi
}
cfg="$here/cases/missing_key.yaml"
usage no_command 'missing command'
usage unknown_command "unknown command 'frobnicate'" frobnicate "$cfg"
usage unknown_option "unknown option '--frob'" check --frob "$cfg"
usage missing_config 'missing CONFIG' render --resolve
usage bad_format "unknown format 'xml'" render --format xml "$cfg"
usage format_needs_arg 'missing argument' render "$cfg" --format
usage resolve_on_check 'not valid for check' check --resolve "$cfg"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
