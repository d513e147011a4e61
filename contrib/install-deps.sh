#!/bin/bash
# Install the Debian 12 packages autoexp needs to build, test and run the demo,
# when they are missing (clang, libFuzzer, llvm-symbolizer and scan-build:
# the fuzzing and analyzer stages of contrib/run-tests.sh). Idempotent; needs
# root (or sudo).
set -euo pipefail

packages=(
	gcc make autoconf automake libtool pkg-config binutils
	libyaml-dev libjansson-dev libpcre2-dev
	libslurm-dev slurmctld slurmd slurm-client munge
	python3 python3-omegaconf
	iproute2 util-linux strace clang-format
	clang libclang-rt-dev llvm clang-tools
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# The packages' services must not start: the tests run their own daemons.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
