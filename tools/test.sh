#!/usr/bin/env bash
# The test command: installs the dependencies, builds in build/ and runs every
# CTest test (unit, bpf, cli, netns, fuzz). Exits with ctest's status.
# Run as root from anywhere: tools/test.sh (from a sudo-capable user: sudo tools/test.sh)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${XDPDNS_BUILD_DIR:-$repo/build}  # override only for development

log() { printf 'test.sh: %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
	log "must run as root (installs packages, loads XDP programs, makes namespaces)" >&2
	exit 1
fi

"$repo/tools/setup-deps.sh"

# BPF programs and maps are pinned under /sys/fs/bpf; CI machines may not
# have bpffs mounted.
if ! mountpoint -q /sys/fs/bpf; then
	log "mounting bpffs on /sys/fs/bpf"
	mount -t bpf bpf /sys/fs/bpf
fi

jobs=$(nproc)
log "configure $build"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
log "build (-j$jobs)"
cmake --build "$build" -- -j"$jobs"

log "ctest"
cd "$build"
status=0
# --no-tests=error: a build that registers no test must not pass. Two tests
# at a time: most netns tests wait on clients and timers, not on the CPU
# (the ones that load it are RUN_SERIAL, tests/netns/CMakeLists.txt).
ctest --output-on-failure --no-tests=error -j2 || status=$?
exit "$status"
