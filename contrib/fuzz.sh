#!/bin/bash
# Build the fuzz targets with clang and libFuzzer in their own build
# directory ($FUZZ_BUILDDIR, default build-fuzz; configured --enable-fuzz
# --without-slurm CC=clang) and run each for SECONDS (default 60): `make
# fuzz` there. Usage: contrib/fuzz.sh [SECONDS] [TARGET...]
# (targets: yaml override interp template rules engine capture journal).
# Needs clang and libclang-rt-dev (contrib/install-deps.sh installs them).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
builddir=${FUZZ_BUILDDIR:-$src/build-fuzz}
secs=${1:-60}
shift || true
"$src/contrib/build.sh" "$builddir" --enable-fuzz --without-slurm CC=clang
exec make -C "$builddir" --no-print-directory fuzz FUZZ_TIME="$secs" FUZZ_TARGETS="$*"
