// Pure message rewriting for the forwarding (upstream) backend: the query
// we send upstream, checking that a reply belongs to it, and turning the
// reply into the client's answer. No state, no allocation.
//
// EDNS is hop-by-hop (RFC 6891 6.1.1): the forwarded query carries our own
// OPT (4096 octets, version 0, DO copied from the client, no options, so no
// cookie), and the client's answer carries an OPT only when the client sent
// one, with our COOKIE (dns/dns_cookie.h) when the client sent one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/query.h"
#include "dns/wire.h"

namespace xdpdns::dns {

inline constexpr uint16_t upstream_edns_size = 4096;

// Writes the query to send upstream: header with `new_id` and the client's
// flags (RD, CD, AD kept), QDCOUNT 1, AN 0, NS 0, AR 1; the client's question
// byte for byte; our OPT (CLASS upstream_size, DO = q.do_bit). Any other
// record the client sent (TSIG, its OPT options) is not forwarded.
// q must come from parse_query() == ok. Returns the size, 0 if out is too small.
size_t write_forward_query(const Query &q, uint16_t new_id, std::span<uint8_t> out,
			   uint16_t upstream_size = upstream_edns_size);

// Does reply answer the query we forwarded? At least a header, QR=1, ID ==
// expected_id, opcode QUERY, QDCOUNT 1 and the same question (name compared
// case-insensitively, since resolvers may randomise case; type; class).
bool match_reply(std::span<const uint8_t> reply, uint16_t expected_id, const Query &q);

// TC bit of a reply (false for fewer than 12 octets).
bool tc_bit(std::span<const uint8_t> reply);

// Writes the client's answer from a matched upstream reply: the client's ID,
// the client's question octets (its case) in place of the reply's, every RR
// walked with bounds and copied; the reply's OPT is removed when the client
// had none (client_had_opt false), else its CLASS becomes edns_size (its
// extended RCODE, version, flags and options are kept; a COOKIE of the
// upstream's is replaced by the client's reply cookie, when it has one or
// the reply carries a COOKIE: then the RRs after the OPT are dropped as
// below). RRs after the OPT
// are TSIG/SIG(0) in practice and meaningless to the client: they are
// dropped when the OPT is removed (it also keeps compression pointers valid).
// Returns the size written, 0 when the reply is malformed (truncated RR,
// bad name, two OPTs, OPT outside the additional section) or out is too small.
size_t restore_reply(std::span<const uint8_t> reply, std::span<uint8_t> out, const Query &client,
		     bool client_had_opt, uint16_t edns_size = default_edns_size);

}  // namespace xdpdns::dns
