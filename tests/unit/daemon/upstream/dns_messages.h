// Hand-built DNS messages for the upstream backend tests: client queries,
// and the answers a fake upstream server sends (or the client should get).
#pragma once

#include "dns/query.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xdpdns::daemon::test {

using Bytes = std::vector<std::uint8_t>;

// "www.Example.test" -> wire form, case kept.
Bytes wire_name(std::string_view text);

struct QuerySpec {
	std::string_view name = "www.Example.TEST";
	std::uint16_t type = 1;  // A
	std::uint16_t id = 0x1234;
	std::uint16_t flags = 0x0100;  // RD
	bool opt = false;
	std::uint16_t bufsize = 1400;
	bool do_bit = false;
};
Bytes make_query(const QuerySpec &spec);

// parse_query() must say ok (fails the test otherwise).
dns::Query parse(const Bytes &msg);

struct AnswerSpec {
	bool tc = false;           // TC=1 and no records (a truncated UDP answer)
	std::size_t big = 0;       // > 0: TXT records until the message is >= big octets
	bool lowercase = false;    // question lowercased (a server that does not keep case)
	bool opt = false;          // append an OPT record
	std::uint16_t opt_class = 4096;
	bool opt_do = false;
	std::uint8_t rcode = 0;    // != 0: that RCODE and no records
};
// The answer to `query` (header and question copied from it): QR and RA
// set, RCODE 0, one A record 192.0.2.53 (owner: pointer to the question) or
// the TXT records of `big`, then the OPT.
Bytes make_answer(std::span<const std::uint8_t> query, const AnswerSpec &spec);

std::uint16_t u16(std::span<const std::uint8_t> msg, std::size_t off);
// The question section (name, type, class) of a message with one question.
Bytes question_of(std::span<const std::uint8_t> msg);
// Offset of the OPT RR's owner in the additional section, 0 when none.
std::size_t find_opt(std::span<const std::uint8_t> msg);

}  // namespace xdpdns::daemon::test
