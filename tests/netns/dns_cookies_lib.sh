# shellcheck shell=bash
# Helpers of tests/netns/test_dns_cookies*.sh (sourced after
# tools/netns/lib.sh and assert.sh; SERVER_*/CLIENT_* set).

cdig() { nsrun "$CLIENT_NS" dig +norec +time=2 +tries=1 @"$SERVER_IP4" "$@" 2>&1 || true; }
# The COOKIE dig printed ("; COOKIE: HEX (good)"), or nothing.
dig_cookie() { sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p' <<<"$1"; }
expect_grep() {
	grep -q -- "$1" <<<"$2" || { printf '%s\n' "$2" >&2; fail "$3: no '$1' in the output above"; }
	printf 'ok: %s\n' "$3"
}
# snap: every counter of SERVER_IF into C[name] (one xdpdnsctl call, not
# one per counter: the test's time budget).
declare -A C=()
snap() {
	local name value
	C=()
	while read -r name value; do C[$name]=$value; done < <(
		xdpdnsctl_run "$SERVER_NS" stats "$SERVER_IF" --json | "$PYTHON" -c '
import json, sys
doc = json.load(sys.stdin)["interfaces"][sys.argv[1]]
for group in ("xdp", "daemon"):
    for k, v in doc.get(group, {}).items():
        print(k, v)' "$SERVER_IF")
}
# delta NAME BEFORE: how much counter NAME moved since BEFORE (take snap first).
delta() { echo $((${C[$1]:?no counter $1} - $2)); }

# resolver_names PORT WHO: small, www (CNAME to small), mail through the
# resolver on 127.0.0.1:PORT in the client namespace.
resolver_names() {
	local port=$1 who=$2 q out
	for q in small.example.test/192.0.2.1 www.example.test/192.0.2.1 mail.example.test/192.0.2.25; do
		out=$(nsrun "$CLIENT_NS" dig +short +time=5 +tries=1 -p "$port" @127.0.0.1 "${q%/*}" A 2>&1 || true)
		expect_eq "$(tail -n 1 <<<"$out")" "${q#*/}" "$who: ${q%/*} A"
	done
}

