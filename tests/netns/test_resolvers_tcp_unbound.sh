#!/usr/bin/env bash
# unbound as a resolver with xdpdnsd as its authority, every resolution
# over TCP (udp.truncate-all on): 2,000 distinct names through dnsperf, 20 in
# flight, each NOERROR with the zone's data; again with 2 % loss each way,
# at least as many answered as with NSD. Everything (set-up, what is
# asserted and why) is in resolvers_tcp.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XDPDNS_NETNS_TAG=${XDPDNS_NETNS_TAG:-rt}
source "$here/../../tools/netns/lib.sh"
source "$here/assert.sh"
source "$here/resolvers_tcp.sh"

rt_main unbound
