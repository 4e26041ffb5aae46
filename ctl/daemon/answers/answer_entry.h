// What the XDP program may answer by itself: the key it reads from a query
// and the entry that, written around the query's own header and question,
// gives the octets xdpdnsd would send. The rules here mirror
// bpf/lib/answer.h; an answer stored for a key is only ever given to a query
// of that key.
#pragma once

#include "dns/query.h"

#include <xdpdns/abi.h>

#include <cstdint>
#include <span>

namespace xdpdns::daemon::answers {

// The key of `q` (parse_query() said ok; `msg` is the query message) when
// XDP can read it: one question of at most XDPDNS_ANSWER_QNAME_MAX octets,
// no answer or authority records, and no additional record or exactly one
// OPT of version 0 without options. `tcp`: the key of the TCP answer.
bool key_for(const dns::Query &q, std::span<const std::uint8_t> msg, bool tcp, xdpdns_answer_key &key);

// The entry for `answer`, xdpdnsd's complete answer to `q`, of RRL class
// `rrl_class` (0: XDP never rate-limits it): false when it cannot be
// stored (sections after the question longer than XDPDNS_ANSWER_BODY_MAX,
// TC set, or not an answer to this question).
bool entry_for(const dns::Query &q, std::span<const std::uint8_t> answer, xdpdns_answer &entry,
	       std::uint32_t rrl_class = 0);

}  // namespace xdpdns::daemon::answers
