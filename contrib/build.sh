#!/bin/bash
# Configure and build autoexp in BUILDDIR (default: build) from the source tree
# this script lives in. Extra arguments go to configure. Idempotent: an
# existing build directory is reused.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$src/build}
shift || true
cd "$src"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ ! -f tests/tap-driver.sh ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$src/configure" -nt config.status ]; then
	"$src/configure" -q "$@"
fi
make -j"$(nproc)" >/dev/null
