# shellcheck shell=bash
# Helpers of the secondary-zone tests (test_secondary_*.sh), sourced after
# tools/netns/lib.sh and assert.sh:
#   secondary_zone_file FILE SERIAL [EXTRA-LINE...]   the test zone, short timers
#   nsd_primary NS ADDR PORT ZONE FILE NOTIFY-TO [KEYNAME SECRET]
#   nsd_primary_reload               new zone file in service, NOTIFY sent
#   knot_primary NS ADDR PORT ZONE FILE NOTIFY-TO [KEYNAME SECRET]
#   knotc_run ARGS...                knotc against that knotd
#   soa_serial NS SERVER             the serial dig sees (empty: none)
#   wait_serial NS SERVER SERIAL MS  waits up to MS ms; prints the ms it took
#   rcode_of NS SERVER NAME TYPE     NOERROR, SERVFAIL, ...

# shellcheck disable=SC2034 # used by the tests that source this file
TSIG_SECRET=c2VjcmV0LWtleS1vZi10aGlydHktdHdvLW9jdGV0cyE=
# shellcheck disable=SC2034
TSIG_WRONG=b3RoZXItc2VjcmV0LW9mLXRoaXJ0eS10d28tb2N0ZXRzIQ==

# The zone of the tests: refresh 3 s, retry 1 s, expire 8 s, so that the
# timers run out inside a test (SOA_TIMERS="REFRESH RETRY EXPIRE MINIMUM"
# changes them).
secondary_zone_file() {
	local file=$1 serial=$2 line
	shift 2
	{
		# shellcheck disable=SC2016 # $ORIGIN and $TTL are zone-file text
		printf '$ORIGIN sec.test.\n$TTL 300\n'
		printf '@ IN SOA ns1.sec.test. hostmaster.sec.test. %s %s\n' "$serial" "${SOA_TIMERS:-3 1 8 60}"
		printf '@ NS ns1\nns1 A 192.0.2.53\nns1 AAAA 2001:db8::53\n'
		printf 'www A 192.0.2.80\nwww AAAA 2001:db8::80\nalias CNAME www\n'
		printf 'mx MX 10 mail\nmail A 192.0.2.25\ntxt TXT "secondary zone test" "two strings"\n'
		printf '*.wild A 192.0.2.99\nsub NS ns.sub\nns.sub A 192.0.2.54\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$file"
}

nsd_primary() {
	local ns=$1 addr=$2 port=$3 zone=$4 file=$5 notify=$6 keyname=${7:-} secret=${8:-} i
	local keyref=NOKEY
	NSD_DIR=$NETNS_TMP/nsd-primary
	mkdir -p "$NSD_DIR"
	[[ -n $keyname ]] && keyref=$keyname
	{
		printf 'server:\n'
		printf '\tip-address: %s@%s\n' "$addr" "$port"
		printf '\t%s\n' 'username: ""' 'chroot: ""' 'database: ""' \
			"zonesdir: \"$NSD_DIR\"" "zonelistfile: \"$NSD_DIR/zone.list\"" \
			"xfrdfile: \"$NSD_DIR/xfrd.state\"" "xfrdir: \"$NSD_DIR\"" \
			"pidfile: \"$NSD_DIR/nsd.pid\"" "logfile: \"$NSD_DIR/nsd.log\"" \
			"rrl-ratelimit: 0" "server-count: 1" "verbosity: 2" "minimal-responses: yes"
		printf 'remote-control:\n\tcontrol-enable: yes\n\tcontrol-interface: %s\n' "$NSD_DIR/nsd.ctl"
		if [[ -n $keyname ]]; then
			printf 'key:\n\tname: %s\n\talgorithm: hmac-sha256\n\tsecret: "%s"\n' "$keyname" "$secret"
		fi
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$zone" "$file"
		printf '\tprovide-xfr: 0.0.0.0/0 %s\n\tprovide-xfr: ::/0 %s\n' "$keyref" "$keyref"
		printf '\tnotify: %s %s\n' "$notify" "$keyref"
	} >"$NSD_DIR/nsd.conf"
	nsd-checkconf "$NSD_DIR/nsd.conf" || netns_die "nsd-checkconf rejects $NSD_DIR/nsd.conf"
	nsbg "$ns" nsd -d -c "$NSD_DIR/nsd.conf"
	NSD_PID=$NSBG_PID
	for ((i = 0; i < 100; i++)); do
		kill -0 "$NSD_PID" 2>/dev/null || { cat "$NSD_DIR/nsd.log" >&2; netns_die "nsd exited at start"; }
		nsrun "$ns" dig +short +time=1 +tries=1 -p "$port" @"$addr" "$zone" SOA 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	cat "$NSD_DIR/nsd.log" >&2
	netns_die "nsd does not answer $zone SOA on $addr port $port within 10 s"
}

nsd_primary_reload() {
	nsrun "$1" nsd-control -c "$NSD_DIR/nsd.conf" reload "$2" >/dev/null ||
		netns_die "nsd-control reload $2 failed"
}

knot_primary() {
	local ns=$1 addr=$2 port=$3 zone=$4 file=$5 notify=$6 keyname=${7:-} secret=${8:-} i
	KNOT_DIR=$NETNS_TMP/knot-primary
	mkdir -p "$KNOT_DIR/db"
	local notify_addr=${notify%@*} notify_port=${notify#*@}
	{
		printf 'server:\n    rundir: "%s"\n    listen: %s@%s\n' "$KNOT_DIR" "$addr" "$port"
		printf 'log:\n  - target: %s\n    any: debug\n' "$KNOT_DIR/knot.log"
		printf 'database:\n    storage: "%s/db"\n' "$KNOT_DIR"
		if [[ -n $keyname ]]; then
			printf 'key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: %s\n' "$keyname" "$secret"
		fi
		printf 'remote:\n  - id: secondary\n    address: %s@%s\n' "$notify_addr" "$notify_port"
		[[ -n $keyname ]] && printf '    key: %s\n' "$keyname"
		printf 'acl:\n  - id: xfr\n    action: transfer\n'
		[[ -n $keyname ]] && printf '    key: %s\n' "$keyname"
		printf 'template:\n  - id: default\n    storage: "%s"\n    journal-content: changes\n' "$KNOT_DIR"
		printf '    zonefile-sync: -1\n    serial-policy: increment\n'
		printf 'zone:\n  - domain: %s\n    file: "%s"\n    notify: secondary\n    acl: xfr\n' "$zone" "$file"
	} >"$KNOT_DIR/knot.conf"
	knotc -c "$KNOT_DIR/knot.conf" conf-check >/dev/null || netns_die "knotc conf-check rejects $KNOT_DIR/knot.conf"
	nsbg "$ns" knotd -c "$KNOT_DIR/knot.conf"
	KNOT_PID=$NSBG_PID
	for ((i = 0; i < 100; i++)); do
		kill -0 "$KNOT_PID" 2>/dev/null || { cat "$KNOT_DIR/knot.log" >&2; netns_die "knotd exited at start"; }
		nsrun "$ns" dig +short +time=1 +tries=1 -p "$port" @"$addr" "$zone" SOA 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	cat "$KNOT_DIR/knot.log" >&2
	netns_die "knotd does not answer $zone SOA on $addr port $port within 10 s"
}

knotc_run() {
	knotc -c "$KNOT_DIR/knot.conf" -s "$KNOT_DIR/knot.sock" "$@"
}

soa_serial() {
	nsrun "$1" dig +short +time=1 +tries=1 @"$2" sec.test SOA 2>/dev/null | awk '{print $3}'
}

wait_serial() {
	local ns=$1 server=$2 want=$3 limit_ms=$4 start now
	start=$(date +%s%N)
	while :; do
		[[ $(soa_serial "$ns" "$server") == "$want" ]] && break
		now=$(date +%s%N)
		(((now - start) / 1000000 > limit_ms)) && return 1
		sleep 0.05
	done
	now=$(date +%s%N)
	echo $(((now - start) / 1000000))
}

rcode_of() {
	nsrun "$1" dig +time=1 +tries=1 @"$2" "$3" "$4" 2>/dev/null | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# compare_with_primary NS SECONDARY PRIMARY PORT: the answers to a set of
# questions (RCODE, AA, answer and authority records, sorted) are the same
# from both.
_answer_of() {
	local ns=$1 server=$2 port=$3 out
	shift 3
	out=$(nsrun "$ns" dig +norec +time=1 +tries=1 -p "$port" @"$server" "$@") || return 1
	# Here-strings, not pipes: `grep -q` leaving early would make the
	# writer's SIGPIPE fail the pipeline under pipefail.
	sed -n 's/.*status: \([A-Z]*\),.*/status \1/p' <<<"$out"
	if grep -q '^;; flags:.* aa[ ;]' <<<"$out"; then echo "aa"; fi
	sed -n '/^;; ANSWER SECTION:/,/^$/p;/^;; AUTHORITY SECTION:/,/^$/p' <<<"$out" | grep -v -e '^;;' -e '^$' | sort
}

compare_with_primary() {
	local ns=$1 sec=$2 prim=$3 port=$4 q a b n=0
	for q in "sec.test SOA" "sec.test NS" "www.sec.test A" "www.sec.test AAAA" "alias.sec.test A" \
		"mx.sec.test MX" "txt.sec.test TXT" "x.wild.sec.test A" "nothere.sec.test A" "www.sec.test MX" \
		"host.sub.sec.test A" "new.sec.test A"; do
		# shellcheck disable=SC2086
		a=$(_answer_of "$ns" "$sec" 53 $q)
		# shellcheck disable=SC2086
		b=$(_answer_of "$ns" "$prim" "$port" $q)
		if [[ "$a" != "$b" ]]; then
			# shellcheck disable=SC2086
			nsrun "$ns" dig +norec +time=1 +tries=1 @"$sec" $q
			fail "$q: the secondary answers
$a
the primary
$b"
		fi
		n=$((n + 1))
	done
	printf 'ok: %d questions answered alike by the secondary and the primary\n' "$n"
}
