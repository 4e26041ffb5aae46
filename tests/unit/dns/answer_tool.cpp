// Answers one DNS query from zone files, for compare_with_nsd.py:
//   dns_answer_tool udp|tcp ZONEFILE... < query-hex   -> answer-hex
// The query goes through parse_query() and, when it is ok, answer(); other
// parse results get write_error() like the daemon would, "drop" prints
// nothing.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dns/query.h"
#include "dns/response.h"
#include "dns/zone_backend.h"

using namespace xdpdns::dns;

int main(int argc, char **argv)
{
	if (argc < 3) {
		std::cerr << "usage: dns_answer_tool udp|tcp ZONEFILE... < query-hex\n";
		return 2;
	}
	const Transport t = std::string(argv[1]) == "tcp" ? Transport::tcp : Transport::udp;
	std::vector<std::shared_ptr<const Zone>> zones;
	for (int i = 2; i < argc; i++) {
		auto z = load_zone(argv[i]);
		if (!z) {
			std::cerr << z.error().message << "\n";
			return 1;
		}
		zones.push_back(*z);
	}
	auto set = ZoneSet::build(std::move(zones));
	if (!set) {
		std::cerr << set.error().message << "\n";
		return 1;
	}

	std::string hex;
	std::cin >> hex;
	std::vector<uint8_t> msg;
	for (size_t i = 0; i + 1 < hex.size(); i += 2)
		msg.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));

	Query q;
	std::vector<uint8_t> out(max_message);
	size_t n = 0;
	switch (parse_query(msg, q)) {
	case ParseResult::ok:
		n = answer(**set, q, t, out).size;
		break;
	case ParseResult::formerr:
		n = write_error(q, rcode::formerr, out);
		break;
	case ParseResult::notimp:
		n = write_error(q, rcode::notimp, out);
		break;
	case ParseResult::badvers:
		n = write_error(q, rcode::badvers, out);
		break;
	case ParseResult::drop:
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		std::printf("%02x", out[i]);
	std::printf("\n");
	return 0;
}
