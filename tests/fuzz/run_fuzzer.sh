#!/bin/sh
# Runs a libFuzzer binary for a bounded time on a fresh working corpus seeded
# from the committed one. Exit status: the fuzzer's (non-zero on a crash,
# a leak, a sanitizer report or a violated property).
#   run_fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
set -u
fuzzer=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
	-max_len=4096 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "$seeds"
