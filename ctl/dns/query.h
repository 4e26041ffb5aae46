// Parsing a DNS query from a byte span into a self-contained stack struct.
// No heap allocation and no pointer into the message: the Query stays valid
// after the packet buffer is recycled.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/wire.h"

namespace xdpdns::dns {

struct Query {
	uint16_t id = 0;
	uint16_t flags = 0;   // host order, see wire.h flag:: masks
	uint8_t opcode = 0;

	// Question. Valid only when has_question is true.
	bool has_question = false;
	// Only the first qname_len octets are ever read: not zeroed, because a
	// Query is made for every packet.
	std::array<uint8_t, max_name_len> qname;        // wire form as sent (case kept)
	std::array<uint8_t, max_name_len> qname_lower;  // same, ASCII lowercased
	uint8_t qname_len = 0;                            // wire octets incl. root (1..255)
	uint16_t qtype = 0;
	uint16_t qclass = 0;
	uint16_t question_end = header_size;  // offset just past QCLASS

	// EDNS (RFC 6891). Valid only when has_opt is true, except udp_size.
	bool has_opt = false;
	uint16_t udp_size = min_udp_size;  // max(512, advertised) with OPT, else 512
	uint8_t edns_version = 0;
	bool do_bit = false;
	bool tcp_keepalive = false;  // the OPT carries edns-tcp-keepalive (RFC 7828)
	bool edns_options = false;   // the OPT's RDATA holds any option

	// DNS Cookies (RFC 7873): the first COOKIE option of the OPT, as sent
	// (cookie_len 0: none). A length other than 8 or 16..40 octets is not
	// kept: cookie_malformed is set instead (FORMERR, RFC 7873 5.2.2, is
	// dns/dns_cookie.h's decision, not the parser's). Only the first
	// cookie_len octets are ever read.
	uint8_t cookie_len = 0;
	bool cookie_malformed = false;
	std::array<uint8_t, max_cookie_len> cookie;
	// The COOKIE option every answer to this query carries (client cookie
	// + our server cookie), set by dns::apply_cookie; 0: none. put_opt
	// writes it, so error, TC=1 and forwarded answers carry it too.
	uint8_t reply_cookie_len = 0;
	std::array<uint8_t, reply_cookie_max_len> reply_cookie;

	std::span<const uint8_t> name() const { return {qname.data(), qname_len}; }
	std::span<const uint8_t> name_lower() const { return {qname_lower.data(), qname_len}; }
	bool rd() const { return flags & flag::rd; }
	bool cd() const { return flags & flag::cd; }
};

enum class ParseResult {
	ok,       // a well-formed QUERY: answer it
	formerr,  // answer FORMERR (question echoed iff Query::has_question)
	notimp,   // opcode other than QUERY: answer NOTIMP (question echoed if parsed)
	badvers,  // EDNS version > 0: answer BADVERS with an OPT
	drop,     // shorter than a header, or QR=1: never answer
};

// Parses msg into q. Checks, in order:
//   * fewer than 12 octets or QR=1                                  -> drop
//   * QDCOUNT == 1 and the question: an uncompressed name (labels <= 63,
//     <= 255 octets, no pointer), QTYPE and QCLASS inside the message
//   * the answer, authority and additional sections: every RR walked with
//     bounds (compressed names allowed there, pointers strictly backwards);
//     an OPT RR only in the additional section, at most one, with the root
//     owner and well-formed option TLVs filling its RDATA exactly
//   * opcode != QUERY                                               -> notimp
//     (takes precedence over the errors above, which only decide whether
//     the question and OPT can be echoed)
//   * question or sections malformed                                -> formerr
//   * OPT version > 0                                               -> badvers
// Octets after the last counted RR are ignored. After formerr from the
// sections, has_opt is false (a malformed OPT is never echoed).
ParseResult parse_query(std::span<const uint8_t> msg, Query &q);

}  // namespace xdpdns::dns
