#!/usr/bin/env bash
# Large zones: how long xdpdnsd, NSD and Knot DNS take from start until they
# answer from a TLD-like zone of millions of records, and how much memory
# they hold then; and xdpdnsd's memory and answering across a SIGHUP reload.
# A benchmark: it measures and prints a table, it asserts nothing.
#
#   tools/bench/large_zone.sh [--sizes "1000000 5000000"] [--signed "1000000"]
#                             [--servers "xdpdns nsd knot"] [--runs N]
#                             [--reload-runs N] [--build DIR] [--xdpdnsd PATH]
#
# Zones (tools/bench/large_zone/gen_tld_zone.py): an apex and delegations
# of five records each (NS in-zone, NS elsewhere, DS, glue A and AAAA): a
# zone of SIZE records has SIZE / 5 delegations (and 6 apex records).
# --signed: those sizes also signed with NSEC3 (dnssec-signzone, ECDSA
# P-256, no salt, 0 iterations; signatures valid a year from signing),
# which adds an RRSIG for every DS and an NSEC3 and its RRSIG for every
# delegation. Files are cached in $XDPDNS_BENCH_ZONES (default
# /var/tmp/xdpdns-large-zones) and reused while their name matches.
#
# Start-up time: from the server's start (CLOCK_REALTIME just before it is
# launched) until it gives the right DS for the *last* delegation of the
# file (probe.py, a query every 20 ms). Memory, once answering: VmRSS and
# VmHWM of the server's largest process, and the PSS summed over all its
# processes (NSD forks children that share the zone copy-on-write).
# Reload: while probe.py asks for random delegations one query at a time,
# xdpdnsd gets SIGHUP; its VmRSS is sampled every 50 ms until 2 s after it
# logs "zones reloaded"; the table gives the peak and the value after, the
# queries that got no right answer, and the longest gap between answers.
#
# Servers run one after the other in the same namespace, interleaved within
# each run (xdpdns, nsd, knot, xdpdns, ...), unpinned; the timed part holds
# flock /tmp/xdpdns-bench.lock. The load average is printed with each run:
# on a shared machine, compare the runs' spread before the medians.
#
# Root only. Everything lives in namespaces it creates and removes on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

SIZES="1000000 5000000"
SIGNED="1000000"
SERVERS="xdpdns nsd knot"
RUNS=3
RELOAD_RUNS=1
BUILD=${XDPDNS_BUILD_DIR:-$REPO/build}
XDPDNSD_BIN=""
CACHE=${XDPDNS_BENCH_ZONES:-/var/tmp/xdpdns-large-zones}
ORIGIN=tld
LOCK=/tmp/xdpdns-bench.lock

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }

while (($#)); do
	case $1 in
	--sizes) SIZES=$2; shift 2 ;;
	--signed) SIGNED=$2; shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--reload-runs) RELOAD_RUNS=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--xdpdnsd) XDPDNSD_BIN=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "large_zone.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "large_zone.sh: --runs: a number > 0" >&2; exit 2; }
[[ $RELOAD_RUNS =~ ^[0-9]+$ ]] || { echo "large_zone.sh: --reload-runs: a number" >&2; exit 2; }

export XDPDNS_BUILD_DIR=$BUILD XDPDNS_NETNS_TAG=lz
# shellcheck source=../netns/lib.sh
source "$REPO/tools/netns/lib.sh"
[[ -n $XDPDNSD_BIN ]] && XDPDNSD=$XDPDNSD_BIN
for tool in nsd knotd dnssec-keygen dnssec-signzone; do
	command -v "$tool" >/dev/null || { echo "large_zone.sh: $tool not found" >&2; exit 1; }
done
if [[ " $SERVERS " == *" xdpdns "* && ! -x $XDPDNSD ]]; then
	echo "large_zone.sh: no $XDPDNSD (build first, or --build DIR / --xdpdnsd PATH)" >&2
	exit 1
fi

# ---- zones ----------------------------------------------------------------

mkdir -p "$CACHE"
GEN=$HERE/large_zone/gen_tld_zone.py
PROBE=$HERE/large_zone/probe.py

delegations_of() { echo $(($1 / 5)); }

# Prints the path of the unsigned zone of SIZE records, made if missing.
zone_plain() { # SIZE
	local f=$CACHE/$ORIGIN-$1.zone
	if [[ ! -s $f ]]; then
		echo "large_zone.sh: generating $f" >&2
		"$PYTHON" "$GEN" "$ORIGIN" "$(delegations_of "$1")" "$f.tmp" && mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# Prints the path of the NSEC3-signed zone of SIZE (unsigned) records.
zone_signed() { # SIZE
	local plain f keys
	plain=$(zone_plain "$1")
	f=$CACHE/$ORIGIN-$1.nsec3.zone
	if [[ ! -s $f ]]; then
		echo "large_zone.sh: signing $f (dnssec-signzone, NSEC3; minutes)" >&2
		keys=$CACHE/keys-$ORIGIN
		if [[ ! -d $keys ]]; then
			mkdir -p "$keys.tmp"
			(cd "$keys.tmp" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK "$ORIGIN" >/dev/null &&
				dnssec-keygen -q -a ECDSAP256SHA256 "$ORIGIN" >/dev/null)
			mv "$keys.tmp" "$keys"
		fi
		cat "$plain" "$keys"/K*.key >"$f.in"
		# Signatures valid for a year from the generation, so a cached file
		# stays servable; no salt and 0 iterations (RFC 9276).
		dnssec-signzone -q -S -K "$keys" -3 - -H 0 -e +31536000 -n 2 -o "$ORIGIN" -f "$f.tmp" "$f.in" >&2
		rm -f "$f.in"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# Records in a file: entries outside parentheses that are not directives.
records_in() {
	awk '{ sub(/;.*/, "") } depth == 0 && /[^ \t]/ && !/^\$/ { n++ }
		{ depth += gsub(/\(/, "(") - gsub(/\)/, ")") } END { print n + 0 }' "$1"
}

declare -a ZONES=() ZONE_DELEG=() ZONE_LABEL=()
for s in $SIZES; do
	ZONES+=("$(zone_plain "$s")") ZONE_DELEG+=("$(delegations_of "$s")") ZONE_LABEL+=("$s")
	if [[ " $SIGNED " == *" $s "* ]]; then
		ZONES+=("$(zone_signed "$s")") ZONE_DELEG+=("$(delegations_of "$s")") ZONE_LABEL+=("$s NSEC3")
	fi
done

# ---- rig and servers --------------------------------------------------------

netns_init
netns_pair_create
LOGS=$(mktemp -d /tmp/xdpdns-large-zone-logs.XXXXXX)
SERVER_PID=""

knot_conf() { # CONF ZONE
	local dir=$NETNS_TMP/knot
	rm -rf "$dir"
	mkdir -p "$dir/db"
	cat >"$1" <<-CONF
	server:
	    rundir: "$dir"
	    pidfile: "$dir/knot.pid"
	    listen: $SERVER_IP4@53
	database:
	    storage: "$dir/db"
	control:
	    listen: "$dir/knot.sock"
	log:
	  - target: stderr
	    any: warning
	template:
	  - id: default
	    storage: "$dir"
	    journal-content: none
	    zonefile-sync: -1
	    semantic-checks: off
	zone:
	  - domain: $ORIGIN
	    file: "$2"
	CONF
}

nsd_conf() { # CONF ZONE
	local dir=$NETNS_TMP/nsd
	rm -rf "$dir"
	mkdir -p "$dir"
	cat >"$1" <<-CONF
	server:
	    ip-address: $SERVER_IP4
	    port: 53
	    server-count: 1
	    username: ""
	    chroot: ""
	    zonesdir: "$dir"
	    database: ""
	    pidfile: "$dir/nsd.pid"
	    xfrdfile: "$dir/xfrd.state"
	    xfrdir: "$dir"
	    logfile: "$dir/nsd.log"
	    verbosity: 0
	    rrl-ratelimit: 0
	remote-control:
	    control-enable: no
	zone:
	    name: $ORIGIN
	    zonefile: "$2"
	CONF
}

server_launch() { # NAME ZONE LOG
	case $1 in
	xdpdns) nsbg "$SERVER_NS" "$XDPDNSD" --interface "$SERVER_IF" --zone "$2" --log-level info 2>>"$3" ;;
	nsd)
		nsd_conf "$NETNS_TMP/nsd.conf" "$2"
		nsbg "$SERVER_NS" nsd -d -c "$NETNS_TMP/nsd.conf" 2>>"$3"
		;;
	knot)
		knot_conf "$NETNS_TMP/knot.conf" "$2"
		nsbg "$SERVER_NS" knotd -c "$NETNS_TMP/knot.conf" 2>>"$3"
		;;
	*) netns_die "unknown server $1 (xdpdns, nsd, knot)" ;;
	esac
	SERVER_PID=$NSBG_PID
}

server_stop() {
	local i
	[[ -n $SERVER_PID ]] || return 0
	kill "$SERVER_PID" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SERVER_PID" 2>/dev/null && { kill -KILL "$SERVER_PID"; sleep 0.2; }
	SERVER_PID=""
	nsrun "$SERVER_NS" ip link set dev "$SERVER_IF" xdp off 2>/dev/null || true
	local pins
	pins=$(xdpdns_pin_dir "$SERVER_NS" "$SERVER_IF")
	[[ -e $pins ]] && rm -rf "$pins"
	return 0
}

tree_pids() { # PID: it and its descendants
	local c
	echo "$1"
	for c in $(pgrep -P "$1" || true); do tree_pids "$c"; done
}

kib() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# "rss_mib hwm_mib pss_mib" of the server's process tree.
memory_of() { # PID
	local p rss=0 hwm=0 pss=0 v
	for p in $(tree_pids "$1"); do
		v=$(kib "$p" VmRSS); ((${v:-0} > rss)) && rss=$v
		v=$(kib "$p" VmHWM); ((${v:-0} > hwm)) && hwm=$v
		v=$(awk '$1 == "Pss:" { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		pss=$((pss + ${v:-0}))
	done
	echo $((rss / 1024)) $((hwm / 1024)) $((pss / 1024))
}

# The DS of the zone's last delegation, as dnspython prints its digest.
expected_ds() { # DELEGATIONS
	"$PYTHON" -c "import hashlib,sys; print(hashlib.sha256(int(sys.argv[1]).to_bytes(8,'big')).hexdigest()[:16])" \
		"$(($1 - 1))"
}

# One start: prints "seconds rss hwm pss" (or "failed").
measure_start() { # NAME ZONE DELEGATIONS LOG
	local t0 secs last=$(($3 - 1))
	t0=$(date +%s%N)
	server_launch "$1" "$2" "$4"
	if ! secs=$(nsrun "$CLIENT_NS" "$PYTHON" "$PROBE" wait "$t0" "$SERVER_IP4" "d$last.$ORIGIN." DS \
		"$(expected_ds "$3")" 600); then
		echo failed
		return 0
	fi
	sleep 1  # settled: NSD's children started, Knot's zone published
	echo "$secs $(memory_of "$SERVER_PID")"
}

# xdpdnsd already answering ZONE: SIGHUP under queries. Prints
# "rss_before peak_rss rss_after reload_s sent answered failed gap_ms".
measure_reload() { # ZONE DELEGATIONS LOG
	local log=$3 before peak=0 v lines t0 t1="" out
	before=$(($(kib "$SERVER_PID" VmRSS) / 1024))
	lines=$(grep -c "zones reloaded" "$log" || true)
	# exec: $! is the probe itself, which prints its summary on SIGTERM.
	(exec nsenter --net="/var/run/netns/$CLIENT_NS" -- "$PYTHON" "$PROBE" loop "$SERVER_IP4" 120 "$ORIGIN." "$2" \
		>"$NETNS_TMP/loop.out") &
	local loop_pid=$!
	sleep 2
	t0=$(date +%s%N)
	kill -HUP "$SERVER_PID"
	while :; do
		v=$(($(kib "$SERVER_PID" VmRSS) / 1024))
		((v > peak)) && peak=$v
		if [[ -z $t1 ]] && (($(grep -c "zones reloaded\|reload failed" "$log" || true) > lines)); then
			t1=$(date +%s%N)
		fi
		[[ -n $t1 ]] && (($(date +%s%N) - t1 > 2000000000)) && break
		(($(date +%s%N) - t0 > 300000000000)) && break
		sleep 0.05
	done
	local after
	after=$(($(kib "$SERVER_PID" VmRSS) / 1024))
	kill "$loop_pid" 2>/dev/null || true  # it prints its summary and exits
	wait "$loop_pid" 2>/dev/null || true
	out=$(cat "$NETNS_TMP/loop.out")
	[[ -n $out ]] || out="- - - -"
	echo "$before $peak $after $(awk -v a="$t0" -v b="${t1:-0}" 'BEGIN { if (b > 0) printf "%.2f", (b - a) / 1e9; else print "-" }') $out"
}

# ---- runs -------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A T=() R=() H=() P=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'large_zone.sh: sizes %s (signed: %s); servers: %s; %s runs; load average %s\n' \
	"$SIZES" "$SIGNED" "$SERVERS" "$RUNS" "$LOAD_START" >&2
exec 9>"$LOCK"
for ((run = 1; run <= RUNS; run++)); do
	for z in "${!ZONES[@]}"; do
		for server in $SERVERS; do
			flock 9
			# In this shell, not a subshell: server_stop needs SERVER_PID.
			measure_start "$server" "${ZONES[$z]}" "${ZONE_DELEG[$z]}" "$LOGS/$server.log" >"$NETNS_TMP/m.out"
			read -r secs rss hwm pss <"$NETNS_TMP/m.out" || true
			server_stop
			flock -u 9
			key="$server|${ZONE_LABEL[$z]}"
			if [[ $secs == failed || -z $secs ]]; then
				printf '  run %d  %-12s %-7s FAILED (log %s)\n' "$run" "${ZONE_LABEL[$z]}" "$server" "$LOGS/$server.log" >&2
				continue
			fi
			T[$key]+="$secs " R[$key]+="$rss " H[$key]+="$hwm " P[$key]+="$pss "
			printf '  run %d  %-12s %-7s %7.2f s  RSS %6d MiB  HWM %6d MiB  PSS %6d MiB  (load %s)\n' "$run" \
				"${ZONE_LABEL[$z]}" "$server" "$secs" "$rss" "$hwm" "$pss" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
		done
	done
done

declare -A RL=()
if [[ " $SERVERS " == *" xdpdns "* ]] && ((RELOAD_RUNS > 0)); then
	for z in "${!ZONES[@]}"; do
		for ((run = 1; run <= RELOAD_RUNS; run++)); do
			flock 9
			log=$LOGS/xdpdns-reload.log
			measure_start xdpdns "${ZONES[$z]}" "${ZONE_DELEG[$z]}" "$log" >"$NETNS_TMP/m.out"
			if [[ $(cat "$NETNS_TMP/m.out") == failed ]]; then
				server_stop
				flock -u 9
				continue
			fi
			measure_reload "${ZONES[$z]}" "${ZONE_DELEG[$z]}" "$log" >"$NETNS_TMP/r.out"
			out=$(cat "$NETNS_TMP/r.out")
			server_stop
			flock -u 9
			RL["${ZONE_LABEL[$z]}"]+="$out;"
			printf '  reload %-12s before/peak/after %s MiB; reload %s s; queries sent/answered/failed, longest gap ms: %s\n' \
				"${ZONE_LABEL[$z]}" "$(cut -d' ' -f1-3 <<<"$out" | tr ' ' /)" "$(cut -d' ' -f4 <<<"$out")" \
				"$(cut -d' ' -f5- <<<"$out")" >&2
		done
	done
fi

# ---- table ------------------------------------------------------------------

echo
echo "Start until the last delegation's DS is answered (s), and memory once answering (MiB),"
echo "median of $RUNS runs. $(nproc) CPUs, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r);"
echo "load average $LOAD_START (start), $(cut -d' ' -f1-3 /proc/loadavg) (end). Logs: $LOGS"
echo
printf '| %-13s | %9s | %-7s | %8s | %8s | %8s | %8s | %-22s |\n' zone records server "load s" "RSS MiB" "HWM MiB" "PSS MiB" "runs (s)"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "---------------" "-----------" "---------" "----------" "----------" "----------" "----------" "------------------------"
for z in "${!ZONES[@]}"; do
	n=$(records_in "${ZONES[$z]}")
	for server in $SERVERS; do
		key="$server|${ZONE_LABEL[$z]}"
		read -r -a t <<<"${T[$key]:-}"
		read -r -a r <<<"${R[$key]:-}"
		read -r -a h <<<"${H[$key]:-}"
		read -r -a p <<<"${P[$key]:-}"
		printf '| %-13s | %9s | %-7s | %8s | %8s | %8s | %8s | %-22s |\n' "${ZONE_LABEL[$z]}" "$n" "$server" \
			"$(median "${t[@]}")" "$(median "${r[@]}")" "$(median "${h[@]}")" "$(median "${p[@]}")" "${t[*]:-failed}"
	done
done
if ((${#RL[@]})); then
	echo
	echo "xdpdnsd SIGHUP reload under queries (one at a time, 200 ms time-out, random delegations):"
	printf '| %-13s | %10s | %8s | %9s | %8s | %-28s |\n' zone "RSS before" "peak" "RSS after" "reload s" "sent / answered / failed / longest gap ms"
	printf '|%s|%s|%s|%s|%s|%s|\n' "---------------" "------------" "----------" "-----------" "----------" "------------------------------"
	for z in "${!ZONES[@]}"; do
		IFS=';' read -r -a rs <<<"${RL["${ZONE_LABEL[$z]}"]:-}"
		for r in "${rs[@]}"; do
			read -r b pk a s se an fa g <<<"$r"
			printf '| %-13s | %10s | %8s | %9s | %8s | %-28s |\n' "${ZONE_LABEL[$z]}" "$b" "$pk" "$a" "$s" "$se / $an / $fa / $g"
		done
	done
fi
