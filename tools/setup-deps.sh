#!/usr/bin/env bash
# Installs every Debian 12 package that building and testing xdpdns needs.
#
# Idempotent: when everything is installed already it prints one line and
# touches nothing (no apt-get update, so a machine without network still
# passes). Run as root. Quiet unless something fails: apt's output goes to a
# log that is printed only on error.
set -euo pipefail

# One package per line, grouped by why we need it (README.md lists the why
# for each; keep both in step).
PACKAGES=(
	# build: toolchains and the build system
	cmake g++ make pkg-config
	clang llvm libclang-rt-14-dev   # BPF objects; fuzzer/sanitizer runtime
	# BPF and AF_XDP
	libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev
	# C++ libraries
	libldns-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
	libyaml-cpp-dev googletest libgtest-dev libgmock-dev
	libcpp-httplib-dev   # the metrics endpoint's HTTP server
	libfstrm-dev libprotobuf-c-dev protobuf-c-compiler   # dnstap output
	# DNS clients and reference servers for the end-to-end tests
	bind9-dnsutils knot-dnsutils ldnsutils knot nsd unbound dnsperf
	bind9-utils   # dnssec-keygen, dnssec-signzone: signed zones in the DNSSEC tests
	python3 python3-scapy python3-dnspython
	# resolvers with xdpdns as their authority over TCP (netns.resolvers_tcp_*)
	knot-resolver bind9 pdns-recursor
	# metrics and dnstap tests: scrape, lint, capture, decode
	curl prometheus fstrm-bin   # prometheus for promtool only; its service is disabled
	# network namespaces, captures, link settings
	iproute2 ethtool nftables tcpdump tshark procps util-linux
)

log() { printf 'setup-deps: %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
	log "must run as root (apt-get install)" >&2
	exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
	log "all ${#PACKAGES[@]} packages installed"
	exit 0
fi

aptlog=$(mktemp /tmp/xdpdns-setup-deps.XXXXXX.log)
policy=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
	# Remove the service-start blocker only if we created it.
	if [[ $own_policy -eq 1 ]]; then rm -f "$policy"; fi
}
trap cleanup EXIT

run() {
	log "$*"
	if ! "$@" >>"$aptlog" 2>&1; then
		log "FAILED: $* (output follows)" >&2
		cat "$aptlog" >&2
		exit 1
	fi
}

# nsd, unbound, knot, knot-resolver (kresd), bind9 (named) and pdns-recursor
# would start at install and take port 53 in the root namespace. The tests
# never need them there (they start their own servers inside their
# namespaces), so keep the daemons from starting at all:
# invoke-rc.d honours policy-rc.d exit code 101 = "action forbidden".
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\n# xdpdns setup-deps: no service starts during install\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi

# tshark asks whether non-root users may capture; answer "no" up front so the
# install never waits for a terminal.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections

export DEBIAN_FRONTEND=noninteractive
log "missing: ${missing[*]}"
run apt-get update -q
run apt-get install -y -q --no-install-recommends "${missing[@]}"

# The resolvers are only ever run by the tests, in their own namespaces with
# their own configs; their packages enable boot-time services that would take
# port 53 in the root namespace. Disable those (only for packages installed
# just now, so an operator's own set-up is left alone).
declare -A resolver_units=(
	[knot-resolver]="kresd.target kres-cache-gc.service"
	[bind9]="named.service"
	[pdns-recursor]="pdns-recursor.service"
	[prometheus]="prometheus.service"
)
for pkg in "${missing[@]}"; do
	[[ -n ${resolver_units[$pkg]:-} ]] || continue
	# systemctl disable edits the symlinks, also without a running systemd
	# (and runs update-rc.d for named); kresd's SysV script is separate.
	# Under systemd, --now also stops a service that started despite
	# policy-rc.d (one that was there before us may allow starts).
	if command -v systemctl >/dev/null 2>&1; then
		now=()
		[[ -d /run/systemd/system ]] && now=(--now)
		# shellcheck disable=SC2086
		run systemctl disable "${now[@]}" ${resolver_units[$pkg]}
	fi
	if [[ $pkg == knot-resolver && -x /etc/init.d/kresd ]]; then
		run update-rc.d kresd disable
	fi
	if [[ $pkg == prometheus && -x /etc/init.d/prometheus ]]; then
		run update-rc.d prometheus disable
	fi
done

# Packages that were installed before this script may have started their
# daemons; say so, since a root-namespace server on port 53 confuses people
# (not the tests, which run in their own namespaces).
for daemon in nsd unbound knotd kresd named pdns_recursor prometheus; do
	if pgrep -x "$daemon" >/dev/null 2>&1; then
		log "note: $daemon is running in the root namespace (not used by the tests)"
	fi
done
log "installed ${#missing[@]} packages (log: $aptlog)"
