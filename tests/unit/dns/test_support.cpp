#include "test_support.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dns/zone.h"

#include <ldns/ldns.h>  // last: it redefines bool for C

namespace xdpdns::dns::test {

Bytes concat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const Bytes &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

Bytes wire_name(std::string_view text)
{
	Bytes out;
	if (!text.empty() && text.back() == '.')
		text.remove_suffix(1);
	while (!text.empty()) {
		const size_t dot = text.find('.');
		const std::string_view label = text.substr(0, dot);
		out.push_back(static_cast<uint8_t>(label.size()));
		out.insert(out.end(), label.begin(), label.end());
		if (dot == std::string_view::npos)
			break;
		text.remove_prefix(dot + 1);
	}
	out.push_back(0);
	return out;
}

static void put16(Bytes &b, uint16_t v)
{
	b.push_back(static_cast<uint8_t>(v >> 8));
	b.push_back(static_cast<uint8_t>(v));
}

Bytes make_query(const QuerySpec &spec)
{
	Bytes m;
	put16(m, spec.id);
	put16(m, spec.flags);
	put16(m, 1);
	put16(m, 0);
	put16(m, 0);
	put16(m, 0);
	const Bytes n = wire_name(spec.name);
	m.insert(m.end(), n.begin(), n.end());
	put16(m, spec.type);
	put16(m, spec.qclass);
	if (spec.edns)
		append_opt(m, spec.bufsize, spec.version, spec.do_bit);
	return m;
}

void append_opt(Bytes &msg, uint16_t bufsize, uint8_t version, bool do_bit, Bytes rdata)
{
	msg.push_back(0);
	put16(msg, rrtype::opt);
	put16(msg, bufsize);
	msg.push_back(0);
	msg.push_back(version);
	put16(msg, do_bit ? 0x8000 : 0);
	put16(msg, static_cast<uint16_t>(rdata.size()));
	msg.insert(msg.end(), rdata.begin(), rdata.end());
	store_be16(msg.data() + hdr::arcount, static_cast<uint16_t>(field(msg, hdr::arcount) + 1));
}

Decoded::Decoded(std::span<const uint8_t> msg)
{
	ldns_pkt *p = nullptr;
	if (ldns_wire2pkt(&p, msg.data(), msg.size()) == LDNS_STATUS_OK)
		pkt_ = p;
}

Decoded::~Decoded()
{
	if (pkt_)
		ldns_pkt_free(static_cast<ldns_pkt *>(pkt_));
}

static std::vector<std::string> rr_lines(const ldns_rr_list *list)
{
	std::vector<std::string> out;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(list, i));
		std::string line(s ? s : "");
		std::free(s);
		while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
			line.pop_back();
		for (char &c : line)
			if (c == '\t')
				c = ' ';
		out.push_back(line);
	}
	return out;
}

#define PKT static_cast<ldns_pkt *>(pkt_)

std::vector<std::string> Decoded::question() const
{
	return ok() ? rr_lines(ldns_pkt_question(PKT)) : std::vector<std::string>{};
}
std::vector<std::string> Decoded::answer() const
{
	return ok() ? rr_lines(ldns_pkt_answer(PKT)) : std::vector<std::string>{};
}
std::vector<std::string> Decoded::authority() const
{
	return ok() ? rr_lines(ldns_pkt_authority(PKT)) : std::vector<std::string>{};
}
std::vector<std::string> Decoded::additional() const
{
	return ok() ? rr_lines(ldns_pkt_additional(PKT)) : std::vector<std::string>{};
}
bool Decoded::has_edns() const
{
	return ok() && ldns_pkt_edns(PKT);
}
uint16_t Decoded::edns_udp_size() const
{
	return ok() ? ldns_pkt_edns_udp_size(PKT) : 0;
}
bool Decoded::edns_do() const
{
	return ok() && ldns_pkt_edns_do(PKT);
}
uint8_t Decoded::edns_ext_rcode() const
{
	return ok() ? ldns_pkt_edns_extended_rcode(PKT) : 0;
}

std::string temp_dir()
{
	// Directories made during the run, removed at exit.
	static std::vector<std::string> dirs;
	static const bool registered = [] {
		std::atexit([] {
			for (const std::string &dir : dirs)
				std::filesystem::remove_all(dir);
		});
		return true;
	}();
	(void)registered;
	char tmpl[] = "/tmp/xdpdns-dns-test-XXXXXX";
	const char *d = mkdtemp(tmpl);
	EXPECT_NE(d, nullptr) << "mkdtemp " << tmpl;
	if (!d)
		return "/nonexistent";
	dirs.push_back(d);
	return d;
}

std::string write_file(const std::string &dir, const std::string &name, const std::string &content)
{
	const std::string path = dir + "/" + name;
	std::ofstream f(path);
	f << content;
	return path;
}

std::shared_ptr<const ZoneSet> load_set(const std::vector<std::string> &paths)
{
	std::vector<std::shared_ptr<const Zone>> zones;
	for (const std::string &p : paths) {
		auto z = load_zone(p);
		EXPECT_TRUE(z.ok()) << (z.ok() ? "" : z.error().message);
		if (!z.ok())
			return nullptr;
		zones.push_back(*z);
	}
	auto set = ZoneSet::build(std::move(zones));
	EXPECT_TRUE(set.ok());
	return set.ok() ? *set : nullptr;
}

}  // namespace xdpdns::dns::test
