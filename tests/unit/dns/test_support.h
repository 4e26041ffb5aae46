// Helpers for the DNS unit tests: hand-built queries, an independent decoder
// (ldns_wire2pkt) that prints records in presentation form, temp zone files.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/wire.h"
#include "dns/zone_set.h"

namespace xdpdns::dns::test {

using Bytes = std::vector<uint8_t>;

// The parts one after the other.
Bytes concat(std::initializer_list<Bytes> parts);

// "www.example.test" (trailing dot optional, "." for the root) -> wire form,
// case kept. No escapes.
Bytes wire_name(std::string_view text);

struct QuerySpec {
	std::string name = "www.example.test";
	uint16_t type = rrtype::a;
	uint16_t qclass = rrclass::in;
	uint16_t id = 0x1234;
	uint16_t flags = flag::rd;
	bool edns = false;
	uint16_t bufsize = 1232;
	bool do_bit = false;
	uint8_t version = 0;
};

// Header, one question, and an OPT first in the additional section when edns.
Bytes make_query(const QuerySpec &spec);

// Appends an OPT RR (root owner) and bumps ARCOUNT.
void append_opt(Bytes &msg, uint16_t bufsize, uint8_t version = 0, bool do_bit = false,
		Bytes rdata = {});

inline uint16_t field(std::span<const uint8_t> msg, size_t off)
{
	return load_be16(msg.data() + off);
}

// A message decoded by ldns. Records print as "owner ttl class type rdata"
// with single spaces.
class Decoded {
public:
	explicit Decoded(std::span<const uint8_t> msg);
	~Decoded();
	Decoded(const Decoded &) = delete;
	Decoded &operator=(const Decoded &) = delete;

	bool ok() const { return pkt_ != nullptr; }
	std::vector<std::string> question() const;
	std::vector<std::string> answer() const;
	std::vector<std::string> authority() const;
	std::vector<std::string> additional() const;  // OPT excluded (ldns keeps it apart)
	bool has_edns() const;
	uint16_t edns_udp_size() const;
	bool edns_do() const;
	uint8_t edns_ext_rcode() const;

private:
	void *pkt_ = nullptr;  // ldns_pkt (ldns headers stay out of the tests)
};

// A fresh directory under /tmp, removed with its files at exit.
std::string temp_dir();
std::string write_file(const std::string &dir, const std::string &name, const std::string &content);

// Loads zone files (origin from their SOA) into a set; fails the test on error.
std::shared_ptr<const ZoneSet> load_set(const std::vector<std::string> &paths);

}  // namespace xdpdns::dns::test
