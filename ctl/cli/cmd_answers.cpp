// answers list [--iface] [--limit N], answers flush [--iface]
#include "commands.h"

#include "common/pinned.h"
#include "dns/zone.h"
#include "table.h"

#include <cstdio>
#include <string>

namespace xdpdns::cli {

namespace {

std::string type_text(std::uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 39: return "DNAME";
	case 43: return "DS";
	case 46: return "RRSIG";
	case 47: return "NSEC";
	case 48: return "DNSKEY";
	case 50: return "NSEC3";
	case 257: return "CAA";
	case 255: return "ANY";
	default: return "TYPE" + std::to_string(t);
	}
}

std::string rcode_text(std::uint8_t r)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
	return r < 6 ? names[r] : "RCODE" + std::to_string(r);
}

std::string shape_text(std::uint8_t s)
{
	std::string edns = (s & 3) == XDPDNS_SHAPE_NO_EDNS ? "none" : (s & 3) == XDPDNS_SHAPE_EDNS ? "DO=0" : "DO=1";
	return edns;
}

std::uint16_t be16(const std::uint8_t *p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

void add_answers_commands(CLI::App &app, std::vector<std::pair<CLI::App *, Runner>> &cmds)
{
	auto *an = app.add_subcommand("answers", "Answers the XDP program gives by itself (answers map)");
	an->require_subcommand(1);

	auto l = std::make_shared<std::optional<std::string>>();
	auto limit = std::make_shared<std::string>("100");
	auto *list = an->add_subcommand("list", "Show stored answers: question, EDNS shape, RCODE, counts, size");
	list->add_option("-i,--iface", *l, "interface (default: the only attached one)");
	list->add_option("-n,--limit", *limit, "show at most N answers (default 100)");
	cmds.emplace_back(list, [l, limit]() -> Result<void> {
		auto n = parse_uint_arg("--limit", *limit, 1, 100000000);
		if (!n)
			return n.error();
		auto p = open_one_interface(*l);
		if (!p)
			return p.error();
		auto v = p->answers_list(*n);
		if (!v)
			return v.error();
		Table t({"NAME", "TYPE", "CLASS", "EDNS", "OVER", "RCODE", "AA", "AN/NS/AR", "OCTETS"});
		for (const auto &e : *v) {
			const auto &a = e.answer;
			const std::uint16_t qtype = be16(reinterpret_cast<const std::uint8_t *>(&e.key.qtype));
			const std::uint16_t qclass = be16(reinterpret_cast<const std::uint8_t *>(&e.key.qclass));
			std::size_t qlen = 0;
			while (qlen < XDPDNS_ANSWER_QNAME_MAX && e.key.qname[qlen])
				qlen += e.key.qname[qlen] + 1;
			const std::size_t octets = 12 + qlen + 1 + 4 + a.body_len;
			t.add({dns::name_to_text({e.key.qname, sizeof(e.key.qname)}), type_text(qtype),
			       qclass == 1 ? "IN" : "CLASS" + std::to_string(qclass), shape_text(e.key.shape),
			       (e.key.shape & XDPDNS_SHAPE_TCP) ? "TCP" : "UDP", rcode_text(a.flags[1] & 0x0f),
			       (a.flags[0] & 0x04) ? "1" : "0",
			       std::to_string(be16(a.counts)) + "/" + std::to_string(be16(a.counts + 2)) + "/" +
				       std::to_string(be16(a.counts + 4)),
			       std::to_string(octets)});
		}
		t.print();
		std::printf("%zu answer(s) shown%s\n", v->size(), v->size() == *n ? " (limit reached)" : "");
		return {};
	});

	auto f = std::make_shared<std::optional<std::string>>();
	auto *flush = an->add_subcommand("flush", "Drop every stored answer (the daemon starts an empty map)");
	flush->add_option("-i,--iface", *f, "interface (default: the only attached one)");
	cmds.emplace_back(flush, [f]() -> Result<void> {
		auto p = open_one_interface(*f);
		if (!p)
			return p.error();
		auto had = p->answers_flush();
		if (!had)
			return had.error();
		std::printf("%s: %s\n", p->ifname().c_str(),
			    *had ? "answers map emptied; the daemon starts a new one"
				 : "no answers map was installed (no daemon with zones)");
		return {};
	});
}

}  // namespace xdpdns::cli
