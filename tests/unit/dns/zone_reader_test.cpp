// The zone-file reader against ldns: ZoneText splits entries and numbers
// lines as ldns's own tokenizer does, fast_parse_record gives the bytes
// ldns_rr_new_frm_str gives (or declines), and a whole file loads into the
// records ldns_zone_new_frm_fp reads from it. Also ZoneArena and the
// zone's node list.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "dns/zone.h"
#include "dns/zone_arena.h"
#include "dns/zone_fast_rr.h"
#include "dns/zone_text.h"
#include "test_support.h"

#include <ldns/ldns.h>  // last, as in zone_loader.cpp

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::temp_dir;
using test::wire_name;
using test::write_file;

struct Entry {
	int line;
	int status;  // 0 ok, 1 empty, 2 syntax error
	std::string text;
	bool operator==(const Entry &) const = default;
};

std::ostream &operator<<(std::ostream &o, const Entry &e)
{
	return o << "{line " << e.line << ", status " << e.status << ", '" << e.text << "'}";
}

// The reference: what the loader did before ZoneText (getline/ftell/fseek
// over blank and comment lines, then ldns_fget_token_l_st).
std::vector<Entry> entries_by_ldns(const std::string &text)
{
	std::vector<Entry> out;
	FILE *fp = fmemopen(const_cast<char *>(text.data()), text.size(), "r");
	int line = 0;
	char *buf = nullptr;
	size_t cap = 0;
	for (;;) {
		bool more = false;
		for (;;) {
			const long start = std::ftell(fp);
			const ssize_t n = getline(&buf, &cap, fp);
			if (n < 0)
				break;
			size_t i = 0;
			while (i < size_t(n) && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
				i++;
			if (i == size_t(n) || buf[i] == ';') {
				line++;
				continue;
			}
			std::fseek(fp, start, SEEK_SET);
			more = true;
			break;
		}
		if (!more)
			break;
		const int start = line + 1;
		char *tok = nullptr;
		size_t limit = 0;
		const ldns_status s = ldns_fget_token_l_st(fp, &tok, &limit, false, LDNS_PARSE_SKIP_SPACE, &line);
		out.push_back({start, s == LDNS_STATUS_OK ? 0 : s == LDNS_STATUS_SYNTAX_EMPTY ? 1 : 2, tok ? tok : ""});
		std::free(tok);
		if (s != LDNS_STATUS_OK && s != LDNS_STATUS_SYNTAX_EMPTY)
			break;
	}
	std::free(buf);
	std::fclose(fp);
	return out;
}

std::vector<Entry> entries_by_zone_text(const std::string &text)
{
	const std::string path = write_file(temp_dir(), "entries.zone", text);
	const int fd = ::open(path.c_str(), O_RDONLY);
	ZoneText z(fd);
	std::vector<Entry> out;
	std::string line;
	int start = 0;
	for (;;) {
		const ZoneText::Status s = z.next(line, start);
		if (s == ZoneText::Status::end)
			break;
		out.push_back({start, s == ZoneText::Status::ok ? 0 : s == ZoneText::Status::empty ? 1 : 2, line});
		if (s == ZoneText::Status::syntax_error)
			break;
	}
	::close(fd);
	return out;
}

TEST(ZoneText, SplitsAndNumbersEntriesAsLdns)
{
	const std::vector<std::string> texts = {
		"a A 1.2.3.4\nb A 1.2.3.5\n",
		"a A 1.2.3.4",  // no final newline
		"\n\n; comment\n   \t\n a A 1.2.3.4 ; trailing comment\n\n",
		"@ SOA ns hm (\n  1 ; serial\n  2 3 4 5 )\nwww A 1.2.3.4\n",
		"@ SOA ns hm ( 1 2\n\n 3 4 5 )\n",
		"t TXT \"a ; not a comment\" \"(\" \")\"\nu TXT \"x\\\"y\"\n",
		"e A 1.2.3.4\r\nf A 1.2.3.5\r\n",
		"x TXT a\\;b\\(c\\)d\ny A 1.1.1.1\n",
		"unbalanced ( A 1.2.3.4\nnext A 1.2.3.5\n",
		"closing ) A 1.2.3.4\nz A 1.2.3.5\n",
		"$ORIGIN example.test.\n$TTL 1h\n@ NS ns\n\tA 192.0.2.1\n",
		"a\fb A 1.2.3.4\vc\n",
		"; only comments\n;\n",
		"   \n",
		"sig RRSIG A 8 3 3600 20300101000000 20200101000000 4242 example.test. (\n"
		"    AQIDBAUG\n    BwgJ )\nnext A 1.1.1.1\n",
	};
	for (const std::string &t : texts)
		EXPECT_EQ(entries_by_zone_text(t), entries_by_ldns(t)) << "text:\n" << t;
}

TEST(ZoneText, LongFileAcrossReadBlocks)
{
	std::string text;
	for (int i = 0; i < 60000; i++) {
		text += "n" + std::to_string(i) + " ( A\n 10.0.0." + std::to_string(i % 256) + " ) ; c\n";
		if (i % 7 == 0)
			text += "\n; x\n";
	}
	EXPECT_EQ(entries_by_zone_text(text), entries_by_ldns(text));
}

// The fields of a record as ldns_rr_new_frm_str reads it.
struct Rr {
	Bytes owner;
	uint32_t ttl;
	uint16_t rrclass, type;
	Bytes rdata;
	bool operator==(const Rr &) const = default;
};

std::ostream &operator<<(std::ostream &o, const Rr &r)
{
	o << name_to_text(r.owner) << " " << r.ttl << " " << r.rrclass << " " << r.type << " [";
	for (uint8_t b : r.rdata)
		o << int(b) << " ";
	return o << "]";
}

constexpr const char *prev_owner = "Prev.Example.Test.";

std::optional<Rr> ldns_record(const std::string &line, const std::string &origin, uint32_t default_ttl)
{
	ldns_rdf *o = ldns_dname_new_frm_str(origin.c_str());
	ldns_rdf *prev = ldns_dname_new_frm_str(prev_owner);
	ldns_rr *rr = nullptr;
	const ldns_status s = ldns_rr_new_frm_str(&rr, line.c_str(), default_ttl, o, &prev);
	std::optional<Rr> out;
	if (s == LDNS_STATUS_OK) {
		ldns_buffer *b = ldns_buffer_new(4096);
		ldns_rr_rdata2buffer_wire(b, rr);
		const ldns_rdf *own = ldns_rr_owner(rr);
		out = Rr{Bytes(ldns_rdf_data(own), ldns_rdf_data(own) + ldns_rdf_size(own)), ldns_rr_ttl(rr),
			 uint16_t(ldns_rr_get_class(rr)), uint16_t(ldns_rr_get_type(rr)),
			 Bytes(ldns_buffer_begin(b), ldns_buffer_begin(b) + ldns_buffer_position(b))};
		ldns_buffer_free(b);
		ldns_rr_free(rr);
	}
	ldns_rdf_deep_free(o);
	ldns_rdf_deep_free(prev);
	return out;
}

std::optional<Rr> fast_record(const std::string &line, const std::string &origin, uint32_t default_ttl)
{
	ldns_rdf *o = ldns_dname_new_frm_str(origin.c_str());
	const Bytes ow(ldns_rdf_data(o), ldns_rdf_data(o) + ldns_rdf_size(o));
	ldns_rdf_deep_free(o);
	ldns_rdf *p = ldns_dname_new_frm_str(prev_owner);
	const Bytes pw(ldns_rdf_data(p), ldns_rdf_data(p) + ldns_rdf_size(p));
	ldns_rdf_deep_free(p);
	FastRecord f;
	if (!fast_parse_record(line, ow, default_ttl, pw, f))
		return std::nullopt;
	return Rr{f.owner, f.ttl, f.rrclass, f.type, f.rdata};
}

TEST(FastRecord, SameBytesAsLdnsOrDeclines)
{
	// Each line: does the fast path take it, and is it what ldns reads.
	const std::vector<std::pair<std::string, bool>> lines = {
		{"d1 3600 IN NS ns1.d1", true},
		{"d1 3600 IN NS ns.hoster-5.net.", true},
		{"d1 3600 IN DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A", true},
		{"d1 3600 IN DS 60485 13 2 D4B7D520E7BB5F0F 67674A0CCEB1E3E0614B93C4F9E99B83\t83F6A1E4469DA50A", true},
		{"ns1.d1 3600 IN A 10.0.0.1", true},
		{"ns1.d1 3600 IN AAAA 2001:db8:0:1::1", true},
		{"ns1.d1 in a 10.0.0.1", true},
		{"Ns1.D1 A 10.0.0.1", true},
		{"www.example.test. 60 CNAME Target.Example.Test.", true},
		{"@ 60 NS ns1", true},
		{"@ MX 10 mail", true},
		{"1.2 PTR host.example.test.", true},
		{"* A 192.0.2.1", true},
		{"_srv._tcp CNAME x", true},
		{"a.b.c.d.e 0 A 0.0.0.0", true},
		{"x 999999999 A 255.255.255.255", true},
		{" A 192.0.2.1", true},  // owner from the previous record
		{"\t\t\t86400\tNS\ta.nic.tld.", true},
		{"\t86400 IN RRSIG DS 13 2 3600 20270105034943 20261206034943 30790 tld. "
		 "eUMNLjmxrqwK9Esqsx1Vj7sP+JdJl2+mco3+ bt+y7qmmQdNLAJfVSXo9Mmjr5FdH+ikqEKsA hB3QPU5/0LD60g==",
		 true},
		{"d1.tld. 3600 RRSIG NSEC3PARAM 13 1 0 20270105034943 20261206034943 30790 tld. AQIDBA==", true},
		{"x RRSIG A 8 3 3600 20300101000000 20200101000000 4242 example.test. AQIDBA==", true},
		{"x RRSIG A 8 3 3600 1893456000 20200101000000 4242 example.test. AQIDBA==", false},
		{"x RRSIG A 8 3 3600 20300101000000 20200101000000 4242 example.test. -", false},
		{"x RRSIG A 8 3 3600 20300101000000 20200101000000 4242 example.test. !!", false},
		{"x RRSIG BOGUS 8 3 3600 20300101000000 20200101000000 4242 example.test. AQID", false},
		{"x RRSIG TYPE65000 8 3 3600 20300101000000 20200101000000 4242 sig AQIDBA==", true},
		{"0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM 3600 IN NSEC3 1 1 0 - 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TON NS DS RRSIG",
		 true},
		{"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 10 AABBCCDD 0p9mhaveqvm6t7vbl5lop2u3t2rp3ton A TYPE65000",
		 true},
		{"h NSEC3 1 0 10 AABBC 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TON A", false},
		{"h NSEC3 1 1 0 - 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TON A NS SOA MX TXT AAAA RRSIG DNSKEY NSEC3PARAM CAA "
		 "TYPE1234 ds",
		 true},
		{"x RRSIG A 8 3 3600 20280229235959 19700101000000 1 x. AQIDBA== AQID", false},  // padding inside
		{"x RRSIG A 8 3 3600 20280229235959 19700101000000 1 x. AQIDBA== AQIDBAUG", false},
		{"x RRSIG A 8 3 3600 20280229235959 19700101000000 1 x. AQIDBAUG AQIDBAUG AQI=", true},
		{"x RRSIG A 8 3 3600 20280231000000 21051231235959 1 x. AQ==", true},
		{"x RRSIG A 8 3 3600 20280231000000 21051231235959 1 x. AR==", false},
		{"x RRSIG A 8 3 3600 19691231235959 20200101000000 1 x. AQ==", false},
		{"x RRSIG A 8 3 3600 20201301000000 20200101000000 1 x. AQ==", false},
		{"h NSEC3 1 0 10 - 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TON", false},
		{"h NSEC3 1 0 10 - !!! A", false},
		// Left to ldns (which may read them or fail).
		{"x 1h A 192.0.2.1", false},             // TTL units
		{"x 4294967295 A 192.0.2.1", false},     // large TTL
		{"x IN 60 A 192.0.2.1", false},          // TTL after the class
		{"x CH A 192.0.2.1", false},             // another class
		{"x CLASS1 A 192.0.2.1", false},
		{"x TYPE1 \\# 4 C0000201", false},
		{"x A \\# 4 C0000201", false},
		{"x A 192.0.2.01", false},
		{"x A 192.0.2.1 extra", false},
		{"x A 999.0.2.1", false},
		{"x AAAA 1.2.3.4", false},
		{"x\\.y A 192.0.2.1", false},
		{"x..y A 192.0.2.1", false},
		{"@x A 192.0.2.1", false},
		{"x NS ns\\032x", false},
		{"x NS @", true},
		{"x DS 70000 13 2 AB", false},
		{"x DS 1 RSASHA256 2 AB", false},
		{"x DS 1 13 2 ABC", false},
		{"x DS 1 13 2 XY", false},
		{"x MX 10", false},
		{"x TXT \"hello\"", false},
		{"x SOA ns hm 1 2 3 4 5", false},
		{std::string(64, 'a') + " A 192.0.2.1", false},
	};
	// With no origin known yet, only absolute names are taken.
	FastRecord f;
	EXPECT_TRUE(fast_parse_record("a.b. 60 A 192.0.2.1", {}, 0, {}, f));
	EXPECT_EQ(f.owner, wire_name("a.b"));
	EXPECT_FALSE(fast_parse_record("a.b 60 A 192.0.2.1", {}, 0, {}, f));
	EXPECT_FALSE(fast_parse_record("@ 60 A 192.0.2.1", {}, 0, {}, f));
	EXPECT_FALSE(fast_parse_record("a.b. 60 NS ns", {}, 0, {}, f));
	for (const auto &[line, fast] : lines) {
		for (const uint32_t default_ttl : {0u, 300u}) {
			const auto f = fast_record(line, "Example.Test.", default_ttl);
			EXPECT_EQ(f.has_value(), fast) << line;
			if (f) {
				const auto l = ldns_record(line, "Example.Test.", default_ttl);
				ASSERT_TRUE(l.has_value()) << line;
				EXPECT_EQ(*f, *l) << line;
			}
		}
	}
}

// Every record ldns reads from `path` is in the zone, with its TTL where it
// is the RRset's first, and the zone holds no other.
void expect_same_records_as_ldns(const std::string &path, const std::string &origin)
{
	auto z = load_zone(path, origin);
	ASSERT_TRUE(z.ok()) << z.error().message;
	FILE *fp = std::fopen(path.c_str(), "r");
	ldns_zone *lz = nullptr;
	ldns_rdf *o = ldns_dname_new_frm_str(origin.c_str());
	int line = 0;
	ASSERT_EQ(ldns_zone_new_frm_fp_l(&lz, fp, o, 3600, LDNS_RR_CLASS_IN, &line), LDNS_STATUS_OK);
	std::fclose(fp);
	ldns_rdf_deep_free(o);

	std::set<std::tuple<Bytes, uint16_t, Bytes>> expected;  // lowercase owner, type, rdata
	auto take = [&](const ldns_rr *rr) {
		const ldns_rdf *own = ldns_rr_owner(rr);
		Bytes lower(ldns_rdf_size(own));
		lower_name({ldns_rdf_data(own), ldns_rdf_size(own)}, lower.data());
		ldns_buffer *b = ldns_buffer_new(4096);
		ldns_rr_rdata2buffer_wire(b, rr);
		expected.insert({lower, uint16_t(ldns_rr_get_type(rr)),
				 Bytes(ldns_buffer_begin(b), ldns_buffer_begin(b) + ldns_buffer_position(b))});
		ldns_buffer_free(b);
	};
	take(ldns_zone_soa(lz));
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(lz)); i++)
		take(ldns_rr_list_rr(ldns_zone_rrs(lz), i));
	ldns_zone_deep_free(lz);

	std::set<std::tuple<Bytes, uint16_t, Bytes>> held;
	for (const Node &n : (*z)->nodes()) {
		const auto name = (*z)->name_of(n);
		EXPECT_EQ((*z)->find(name), &n);
		for (const RRset &r : n.rrsets) {
			for (const Rdata &d : r.rdata)
				held.insert({Bytes(name.begin(), name.end()), r.type, Bytes(d.begin(), d.end())});
			for (std::span<const uint8_t> s : r.sigs)
				held.insert({Bytes(name.begin(), name.end()), rrtype::rrsig, Bytes(s.begin(), s.end())});
		}
	}
	// RRSIGs whose covered RRset is absent are dropped by design.
	std::erase_if(expected, [&](const auto &e) -> bool {
		if (std::get<1>(e) != rrtype::rrsig)
			return false;
		const Node *n = (*z)->find(std::get<0>(e));
		return !n || !n->find(load_be16(std::get<2>(e).data()));
	});
	EXPECT_EQ(held.size(), expected.size()) << path;
	EXPECT_TRUE(held == expected) << path;
}

TEST(LoadZoneLikeLdns, RepositoryZones)
{
	expect_same_records_as_ldns(XDPDNS_EXAMPLE_ZONE, "example.test.");
	expect_same_records_as_ldns(std::string(XDPDNS_TEST_ZONES) + "/zone.test.zone", "zone.test.");
	expect_same_records_as_ldns(std::string(XDPDNS_TEST_ZONES) + "/inner.zone.test.zone", "inner.zone.test.");
}

TEST(LoadZoneLikeLdns, GeneratedTldWithOwnerlessAndMultiLineRecords)
{
	std::string t = "$ORIGIN tld.\n$TTL 86400\n@ SOA a.nic hm ( 1 2 3\n 4 5 )\n@ NS a.nic\na.nic A 192.0.2.53\n";
	for (int n = 0; n < 3000; n++) {
		const std::string d = "d" + std::to_string(n);
		t += d + " 3600 IN NS ns1." + d + "\n";
		t += (n % 3 ? " NS ns.h" : "\tIN NS NS.H") + std::to_string(n % 7) + ".net.\n";
		t += d + " DS " + std::to_string(n) + " 13 2 ( 0123456789ABCDEF0123456789abcdef\n 0123456789ABCDEF0123456789ABCDEF ) ; x\n";
		t += "ns1." + d + " A 10.0." + std::to_string(n / 256 % 256) + "." + std::to_string(n % 256) + "\n";
		t += "NS1." + d + " 1h AAAA 2001:db8::" + std::to_string(n % 9) + "\n";
		if (n % 100 == 0)
			t += "$TTL " + std::to_string(n) + "\n";
		if (n % 50 == 0)
			t += "\n; comment\n" + d + " TXT \"a;b\" ( \"c\" )\n";
	}
	expect_same_records_as_ldns(write_file(temp_dir(), "tld.zone", t), "tld.");
}

TEST(Zone, NamesWithOnlyRrsigsAreNotNodes)
{
	const std::string sig = " 8 3 3600 20300101000000 20200101000000 4242 example.test. AQIDBA==\n";
	auto z = load_zone(write_file(temp_dir(), "r.zone",
				      "$ORIGIN example.test.\n@ SOA ns1 hm 1 2 3 4 5\nonly RRSIG A" + sig +
					      "deep.only2 RRSIG A" + sig + "a A 192.0.2.1\nb.c A 192.0.2.2\n"));
	ASSERT_TRUE(z.ok()) << z.error().message;
	auto key = [](const char *n) {
		Bytes b = wire_name(n);
		return std::string(b.begin(), b.end());
	};
	EXPECT_EQ((*z)->find(key("only.example.test")), nullptr);
	EXPECT_EQ((*z)->find(key("deep.only2.example.test")), nullptr);
	EXPECT_EQ((*z)->find(key("only2.example.test")), nullptr);
	ASSERT_NE((*z)->find(key("a.example.test")), nullptr);
	ASSERT_NE((*z)->find(key("c.example.test")), nullptr);  // empty non-terminal
	EXPECT_TRUE((*z)->find(key("c.example.test"))->empty());
	EXPECT_EQ((*z)->node_count(), 4u);  // apex, a, b.c, c
	for (const Node &n : (*z)->nodes())
		EXPECT_EQ((*z)->find((*z)->name_of(n)), &n);
}

TEST(ZoneArena, KeepsEveryAllocationAndGrows)
{
	ZoneArena a;
	std::vector<std::pair<uint8_t *, size_t>> got;
	for (size_t i = 1; i < 3000; i++) {
		const size_t n = (i * 37) % 5000 + 1;
		uint8_t *p = a.allocate(n);
		std::memset(p, int(i & 0xff), n);
		got.push_back({p, n});
	}
	uint8_t *big = a.allocate(40u << 20);  // above the largest block
	big[0] = 1;
	big[(40u << 20) - 1] = 2;
	for (size_t i = 0; i < got.size(); i++)
		for (size_t k = 0; k < got[i].second; k++)
			ASSERT_EQ(got[i].first[k], uint8_t((i + 1) & 0xff));
	EXPECT_GE(a.bytes_mapped(), size_t(40u << 20));
	ZoneArena b = std::move(a);
	EXPECT_EQ(a.bytes_mapped(), 0u);
	EXPECT_EQ(big[(40u << 20) - 1], 2);
	b.release();
	EXPECT_EQ(b.bytes_mapped(), 0u);
	const uint8_t src[3] = {1, 2, 3};
	const uint8_t *c = b.copy(src, 3);
	EXPECT_EQ(Bytes(c, c + 3), (Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace xdpdns::dns
