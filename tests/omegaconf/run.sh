#!/bin/sh
# Differential test of autoexp against OmegaConf.
# Usage: tests/omegaconf/run.sh [BUILDDIR [driver options]]
# BUILDDIR defaults to the current directory (where `make check` runs tests).
# Exit 77 (skipped) when /usr/bin/python3 or its omegaconf is missing.
builddir=${1:-.}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
if ! [ -x "$py" ] || ! "$py" -c 'import omegaconf, yaml' 2>/dev/null; then
	echo "SKIP: $py with omegaconf and yaml is needed"
	exit 77
fi
exec "$py" "$here/differential.py" --autoexp "$builddir/helper/autoexp" "$@"
