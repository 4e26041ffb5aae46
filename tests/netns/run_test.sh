#!/usr/bin/env bash
# Runs one end-to-end test script in its own namespaces and prints one line:
#   PASS NAME | FAIL NAME | SKIP NAME (reason)
#
#   run_test.sh [-v] [--build-dir DIR] [--timeout SECONDS] NAME|PATH
#
# NAME is tcp_handshake for tests/netns/test_tcp_handshake.sh. The test's
# output is shown only on failure (always with -v). Exit status: 0 pass,
# 77 skip (CTest's SKIP_RETURN_CODE), 1 fail.
#
# XDPDNS_TEST_DEBUG=1 opens a shell inside the server namespace when the
# test fails, before anything is torn down (implies -v).
#
# Test scripts source tools/netns/lib.sh and tests/netns/assert.sh, call
# netns_init (which registers the teardown), and `skip "reason"` to skip.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
verbose=0
timeout_s=150
while [[ $# -gt 0 ]]; do
	case $1 in
	-v) verbose=1 ;;
	--build-dir) export XDPDNS_BUILD_DIR=$2; shift ;;
	--timeout) timeout_s=$2; shift ;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run_test.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[[ $# -eq 1 ]] || { echo "usage: run_test.sh [-v] [--build-dir DIR] [--timeout S] NAME" >&2; exit 2; }

script=$1
if [[ ! -f $script ]]; then
	script="$here/test_${1#test_}"
	script=${script%.sh}.sh
fi
name=$(basename "$script" .sh)
name=${name#test_}
[[ -f $script ]] || { echo "FAIL $name (no such test: $script)"; exit 1; }

[[ ${XDPDNS_TEST_DEBUG:-0} == 1 ]] && verbose=1

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP $name (needs root: namespaces and XDP)"
	exit 77
fi

log=$(mktemp "/tmp/xdpdns-test-$name.XXXXXX.log")
skipfile=$(mktemp "/tmp/xdpdns-test-$name.XXXXXX.skip")
trap 'rm -f "$log" "$skipfile"' EXIT
export XDPDNS_TEST_NAME=$name XDPDNS_TEST_SKIP_FILE=$skipfile

# Our own time limit, below CTest's: SIGTERM lets the script's trap tear the
# namespaces down, whereas CTest's timeout kills without a chance to clean.
if [[ $verbose -eq 1 ]]; then
	if [[ ${XDPDNS_TEST_DEBUG:-0} == 1 ]]; then
		# The debug shell needs the terminal: no time limit, no pipe.
		bash "$script"
		status=$?
	else
		timeout --kill-after=10 "$timeout_s" bash "$script" 2>&1 | tee "$log"
		status=${PIPESTATUS[0]}
	fi
else
	timeout --kill-after=10 "$timeout_s" bash "$script" >"$log" 2>&1 </dev/null
	status=$?
fi

case $status in
0)
	echo "PASS $name"
	exit 0
	;;
77)
	echo "SKIP $name ($(cat "$skipfile" 2>/dev/null || echo "no reason given"))"
	exit 77
	;;
*)
	[[ $verbose -eq 1 ]] || cat "$log"
	[[ $status -eq 124 ]] && echo "(timed out after ${timeout_s}s)"
	echo "FAIL $name (exit status $status)"
	exit 1
	;;
esac
