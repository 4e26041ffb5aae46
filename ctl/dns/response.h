// Answers that need no zone data: errors and TC=1. All writers fill a
// caller's span and return the octets written, or 0 when the span is too
// small. None allocates.
//
// The OPT record we write (RFC 6891): owner root, TYPE 41, CLASS = our EDNS
// buffer size (edns_size, default 1232), TTL = extended RCODE (upper 8 bits
// of a 12-bit rcode) | version 0 | DO copied from the query | Z 0, RDLENGTH 0.
// It is present exactly when the query carried a well-formed OPT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/message_writer.h"
#include "dns/query.h"
#include "dns/wire.h"

namespace xdpdns::dns {

// Error answer: same ID and opcode, QR=1, RD and CD copied, AA=TC=RA=AD=0,
// RCODE = rcode (FORMERR, SERVFAIL, NOTIMP, REFUSED, or BADVERS = 16, whose
// upper bits go into the OPT). Question echoed when q.has_question; OPT when
// q.has_opt (BADVERS requires it: with q.has_opt false it returns 0).
size_t write_error(const Query &q, uint8_t rcode, std::span<uint8_t> out,
		   uint16_t edns_size = default_edns_size);

// TC=1 answer, byte-identical to the XDP program's in-kernel truncation
// (notes: bpf-contract "TC=1 answer") when aa is false: same ID; flags QR=1,
// opcode 0, AA=aa, TC=1, RD copied, RA=Z=AD=0, CD copied, RCODE 0; QDCOUNT 1, AN 0, NS 0,
// AR 1 with OPT else 0; the question as the client sent it; OPT as above.
// Requires q.has_question. One difference in what counts as "has OPT": the
// XDP program only sees an OPT placed first in the additional section, this
// parser finds it anywhere there. aa: the full answer was authoritative
// (NSD sets AA=1 on a truncated answer for a name in its zones; the XDP
// program does not know the zone and leaves it 0).
size_t write_truncated(const Query &q, std::span<uint8_t> out,
		       uint16_t edns_size = default_edns_size, bool aa = false);

// AA of a written answer's header (false when it is shorter than one).
bool answer_has_aa(std::span<const uint8_t> answer);

// Building blocks shared with the zone backend.

// QR=1, opcode, RD and CD from the query, RCODE low 4 bits of rcode.
uint16_t response_flags(const Query &q, uint8_t rcode);

// Writes the 12-octet header (all counts 0, QDCOUNT set when the question is
// written) and the question as sent, registering it for compression.
void put_header_and_question(MessageWriter &w, const Query &q, uint16_t flags, bool question);

// Appends our OPT record (see above), RDLENGTH 0.
void put_opt(MessageWriter &w, uint16_t edns_size, uint8_t ext_rcode, bool do_bit);
// The OPT of an answer to q: as put_opt, DO from q, plus the COOKIE option
// q.reply_cookie when dns::apply_cookie set one (RFC 7873 5.2: every
// answer to a query with a cookie carries ours, errors and TC=1 included).
void put_answer_opt(MessageWriter &w, const Query &q, uint16_t edns_size, uint8_t ext_rcode);

}  // namespace xdpdns::dns
