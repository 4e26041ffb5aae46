// DNAME (RFC 6672): answers from zones/dname.test.zone, other.test.zone and
// apex.test.zone, with exact header fields, records decoded by ldns and the
// octets where compression matters (the same octets as NSD 4.6, checked
// with compare_with_nsd.py); and the zone-loading rules.
#include <gtest/gtest.h>

#include "dns/query.h"
#include "dns/zone.h"
#include "dns/zone_backend.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::concat;
using test::Decoded;
using test::make_query;
using test::QuerySpec;
using test::wire_name;
using Lines = std::vector<std::string>;

struct Answered {
	Bytes bytes;
	AnswerInfo info;
};

const std::string dname_soa =
	"dname.test. 600 IN SOA ns1.dname.test. hostmaster.dname.test. 1 7200 3600 1209600 600";
const std::string d_dname = "d.dname.test. 300 IN DNAME target.dname.test.";

// Line i of a section, or "" when there is none (never index past the end).
std::string line(const Lines &lines, size_t i)
{
	return i < lines.size() ? lines[i] : std::string();
}

// "lll...": a label of n octets.
std::string label(size_t n, char c = 'l')
{
	return std::string(n, c);
}

Answered ask_set(const ZoneSet &zones, const QuerySpec &s, Transport t = Transport::udp,
		 size_t out_size = max_message)
{
	const Bytes m = make_query(s);
	Query q;
	EXPECT_EQ(parse_query(m, q), ParseResult::ok);
	Bytes out(out_size, 0xa5);
	const AnswerInfo info = answer(zones, q, t, out);
	out.resize(info.size);
	return {out, info};
}

// RCODE, AA, TC and the section counts (ARCOUNT includes the OPT).
void expect_header(const Answered &a, uint8_t rcode, bool aa, uint16_t an, uint16_t ns, uint16_t ar,
		   bool tc = false)
{
	ASSERT_GE(a.bytes.size(), 12u);
	EXPECT_EQ(test::field(a.bytes, hdr::flags), flag::qr | (aa ? flag::aa : 0) | (tc ? flag::tc : 0) | rcode);
	EXPECT_EQ(test::field(a.bytes, hdr::ancount), an);
	EXPECT_EQ(test::field(a.bytes, hdr::nscount), ns);
	EXPECT_EQ(test::field(a.bytes, hdr::arcount), ar);
	EXPECT_EQ(a.info.rcode, rcode);
	EXPECT_EQ(a.info.aa, aa);
}

class DnameAnswer : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		const std::string dir = XDPDNS_TEST_ZONES;
		zones_ = test::load_set({dir + "/dname.test.zone", dir + "/other.test.zone", dir + "/apex.test.zone"});
	}
	static void TearDownTestSuite() { zones_.reset(); }

	static Answered ask(const QuerySpec &s, Transport t = Transport::udp, size_t out_size = max_message)
	{
		return ask_set(*zones_, s, t, out_size);
	}
	static Answered ask(const std::string &name, uint16_t type, bool do_bit = false)
	{
		return ask(QuerySpec{.name = name, .type = type, .flags = 0, .edns = true, .do_bit = do_bit});
	}
	static Lines answer_of(const Answered &a) { return Decoded(a.bytes).answer(); }

	static std::shared_ptr<const ZoneSet> zones_;
};
std::shared_ptr<const ZoneSet> DnameAnswer::zones_;

TEST_F(DnameAnswer, DnameThenSynthesizedCnameThenTheTarget)
{
	const Answered a = ask("www.d.dname.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 3, 0, 1);
	EXPECT_EQ(answer_of(a), (Lines{d_dname, "www.d.dname.test. 300 IN CNAME www.target.dname.test.",
				       "www.target.dname.test. 3600 IN A 192.0.2.11"}));
	// The octets: question "www.d.dname.test" at 12 (18 octets), answer at 34.
	// DNAME owner -> "d.dname.test" in the question (16), its RDATA written
	// out; CNAME owner -> the question; CNAME target "www" "target" ->
	// "dname.test" in the question (18); the A record's owner -> the CNAME
	// target (77). TTLs 300 (the DNAME's, also the CNAME's) and 3600.
	const Bytes expect = concat({
		{0xc0, 16, 0, 39, 0, 1, 0, 0, 0x01, 0x2c, 0, 19},
		wire_name("target.dname.test"),
		{0xc0, 12, 0, 5, 0, 1, 0, 0, 0x01, 0x2c, 0, 13, 3, 'w', 'w', 'w', 6, 't', 'a', 'r', 'g', 'e', 't', 0xc0, 18},
		{0xc0, 77, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 11},
	});
	ASSERT_EQ(a.bytes.size(), 34 + expect.size() + 11);
	EXPECT_EQ(Bytes(a.bytes.begin() + 34, a.bytes.end() - 11), expect);
}

TEST_F(DnameAnswer, OwnerKeepsTheClientsCaseTheTargetIsLowercase)
{
	const Answered mixed = ask("WwW.D.dNaMe.TEST", rrtype::a);
	// "dname.test" in the target is a pointer into the question, so it reads
	// in the client's case (NSD's octets too); the DNAME's RDATA is written
	// out as the zone has it.
	EXPECT_EQ(answer_of(mixed), (Lines{"D.dNaMe.TEST. 300 IN DNAME target.dname.test.",
					   "WwW.D.dNaMe.TEST. 300 IN CNAME www.target.dNaMe.TEST.",
					   "www.target.dNaMe.TEST. 3600 IN A 192.0.2.11"}));
	// Everything after the question is the same octets whatever the
	// client's case (the in-kernel answers are stored per lowercase name).
	const Answered lower = ask("www.d.dname.test", rrtype::a);
	const size_t question = 12 + 18 + 4;
	EXPECT_EQ(Bytes(mixed.bytes.begin() + question, mixed.bytes.end()),
		  Bytes(lower.bytes.begin() + question, lower.bytes.end()));
}

TEST_F(DnameAnswer, NegativeAnswersAtTheTarget)
{
	const Answered nx = ask("a.b.d.dname.test", rrtype::a);
	expect_header(nx, rcode::nxdomain, true, 2, 1, 1);
	EXPECT_EQ(answer_of(nx), (Lines{d_dname, "a.b.d.dname.test. 300 IN CNAME a.b.target.dname.test."}));
	EXPECT_EQ(Decoded(nx.bytes).authority(), (Lines{dname_soa}));
	const Answered nodata = ask("www.d.dname.test", rrtype::txt);
	expect_header(nodata, rcode::noerror, true, 2, 1, 1);
	EXPECT_EQ(Decoded(nodata.bytes).authority(), (Lines{dname_soa}));
}

TEST_F(DnameAnswer, TheOwnerItselfIsOrdinaryData)
{
	const Answered dname = ask("d.dname.test", rrtype::dname);
	expect_header(dname, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(answer_of(dname), (Lines{d_dname}));
	const Answered txt = ask("d.dname.test", rrtype::txt);
	expect_header(txt, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(answer_of(txt), (Lines{"d.dname.test. 3600 IN TXT \"beside the DNAME\""}));
	const Answered nodata = ask("d.dname.test", rrtype::a);
	expect_header(nodata, rcode::noerror, true, 0, 1, 1);
	EXPECT_EQ(Decoded(nodata.bytes).authority(), (Lines{dname_soa}));
}

TEST_F(DnameAnswer, BelowTheOwnerEveryTypeIsRedirected)
{
	// A DNAME query below the owner is redirected too (RFC 6672 3.1, NSD).
	const Answered dname = ask("x.d.dname.test", rrtype::dname);
	expect_header(dname, rcode::nxdomain, true, 2, 1, 1);
	EXPECT_EQ(answer_of(dname), (Lines{d_dname, "x.d.dname.test. 300 IN CNAME x.target.dname.test."}));
	// A CNAME query gets the synthesized CNAME, not followed.
	const Answered cname = ask("www.d.dname.test", rrtype::cname);
	expect_header(cname, rcode::noerror, true, 2, 0, 1);
	EXPECT_EQ(answer_of(cname), (Lines{d_dname, "www.d.dname.test. 300 IN CNAME www.target.dname.test."}));
	// ANY at the target: the lowest type there (UDP).
	const Answered any = ask("www.d.dname.test", rrtype::any);
	expect_header(any, rcode::noerror, true, 3, 0, 1);
}

TEST_F(DnameAnswer, ChainsThroughCnamesReferralsAndOtherZones)
{
	// DNAME, then a CNAME in the zone.
	const Answered cname = ask("alias.d.dname.test", rrtype::a);
	expect_header(cname, rcode::noerror, true, 4, 0, 1);
	EXPECT_EQ(answer_of(cname), (Lines{d_dname, "alias.d.dname.test. 300 IN CNAME alias.target.dname.test.",
					   "alias.target.dname.test. 3600 IN CNAME www.target.dname.test.",
					   "www.target.dname.test. 3600 IN A 192.0.2.11"}));
	// DNAME, then a zone cut: a referral, AA=1 as the answer has records.
	const Answered cut = ask("host.cut.d.dname.test", rrtype::a);
	expect_header(cut, rcode::noerror, true, 2, 1, 1);
	EXPECT_EQ(Decoded(cut.bytes).authority(), (Lines{"cut.target.dname.test. 3600 IN NS ns.elsewhere.test."}));
	// DNAME into another zone we serve: its data and TTLs.
	const Answered other = ask("www.other.dname.test", rrtype::a);
	expect_header(other, rcode::noerror, true, 3, 0, 1);
	EXPECT_EQ(answer_of(other), (Lines{"other.dname.test. 3600 IN DNAME other.test.",
					   "www.other.dname.test. 3600 IN CNAME www.other.test.",
					   "www.other.test. 600 IN A 192.0.2.20"}));
	// DNAME -> CNAME -> DNAME, crossing into other.test and back.
	const Answered hop = ask("hop.other.dname.test", rrtype::a);
	expect_header(hop, rcode::noerror, true, 6, 0, 1);
	EXPECT_EQ(answer_of(hop), (Lines{"other.dname.test. 3600 IN DNAME other.test.",
					 "hop.other.dname.test. 3600 IN CNAME hop.other.test.",
					 "hop.other.test. 600 IN CNAME www.d.dname.test.", d_dname,
					 "www.d.dname.test. 300 IN CNAME www.target.dname.test.",
					 "www.target.dname.test. 3600 IN A 192.0.2.11"}));
	// DNAME -> DNAME.
	const Answered twice = ask("www.back.other.test", rrtype::aaaa);
	expect_header(twice, rcode::noerror, true, 5, 0, 1);
	EXPECT_EQ(answer_of(twice), (Lines{"back.other.test. 600 IN DNAME d.dname.test.",
					   "www.back.other.test. 600 IN CNAME www.d.dname.test.", d_dname,
					   "www.d.dname.test. 300 IN CNAME www.target.dname.test.",
					   "www.target.dname.test. 3600 IN AAAA 2001:db8::11"}));
	// The target in no zone of ours: the chain ends after the CNAME.
	const Answered out = ask("www.out.dname.test", rrtype::a);
	expect_header(out, rcode::noerror, true, 2, 0, 1);
	EXPECT_EQ(line(answer_of(out), 1), "www.out.dname.test. 3600 IN CNAME www.elsewhere.test.");
}

TEST_F(DnameAnswer, CnameThenDnameCompressesAgainstTheChain)
{
	const Answered a = ask("to-d.dname.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 4, 0, 1);
	EXPECT_EQ(answer_of(a), (Lines{"to-d.dname.test. 3600 IN CNAME host.d.dname.test.", d_dname,
				       "host.d.dname.test. 300 IN CNAME host.target.dname.test.",
				       "host.target.dname.test. 3600 IN A 192.0.2.10"}));
	// Question "to-d.dname.test" at 12 (17 octets); the CNAME's RDATA at 45
	// holds "host" "d" -> 17; the DNAME owner at 54 -> 50 ("d.dname.test").
	// The synthesized CNAME at 85: its owner -> 45, its target "host"
	// "target" -> 17; the A record's owner -> that target (97). NSD's octets.
	EXPECT_EQ(Bytes(a.bytes.begin() + 54, a.bytes.begin() + 56), (Bytes{0xc0, 50}));
	const Bytes synthesized = concat({{0xc0, 45, 0, 5, 0, 1, 0, 0, 0x01, 0x2c, 0, 14},
					  {4, 'h', 'o', 's', 't', 6, 't', 'a', 'r', 'g', 'e', 't', 0xc0, 17},
					  {0xc0, 97, 0, 1}});
	ASSERT_GE(a.bytes.size(), 85 + synthesized.size());
	EXPECT_EQ(Bytes(a.bytes.begin() + 85, a.bytes.begin() + 85 + synthesized.size()), synthesized);
}

TEST_F(DnameAnswer, OwnersAtDifferentDepthsAndLongerTargets)
{
	const Answered deep = ask("x.deep.x.dname.test", rrtype::txt);
	expect_header(deep, rcode::nxdomain, true, 2, 1, 1);
	EXPECT_EQ(line(answer_of(deep), 1), "x.deep.x.dname.test. 3600 IN CNAME x.target.dname.test.");
	const Answered far = ask("A.far.dname.test", rrtype::a);
	expect_header(far, rcode::nxdomain, true, 2, 1, 1);
	EXPECT_EQ(answer_of(far), (Lines{"far.dname.test. 3600 IN DNAME a.b.c.target.dname.test.",
					 "A.far.dname.test. 3600 IN CNAME a.a.b.c.target.dname.test."}));
	// The target's own data (an ordinary name, no DNAME above it).
	expect_header(ask("target.dname.test", rrtype::txt), rcode::noerror, true, 1, 0, 1);
}

TEST_F(DnameAnswer, DnameAtTheApex)
{
	const Answered a = ask("www.apex.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 3, 0, 1);
	EXPECT_EQ(answer_of(a), (Lines{"apex.test. 900 IN DNAME target.dname.test.",
				       "www.apex.test. 900 IN CNAME www.target.dname.test.",
				       "www.target.dname.test. 3600 IN A 192.0.2.11"}));
	// The apex answers from its own data.
	expect_header(ask("apex.test", rrtype::txt), rcode::noerror, true, 1, 0, 1);
	expect_header(ask("apex.test", rrtype::dname), rcode::noerror, true, 1, 0, 1);
	expect_header(ask("apex.test", rrtype::soa), rcode::noerror, true, 1, 0, 1);
	// The negative answer after it is the target zone's.
	const Answered nx = ask("nothere.apex.test", rrtype::a);
	expect_header(nx, rcode::nxdomain, true, 2, 1, 1);
	EXPECT_EQ(Decoded(nx.bytes).authority(), (Lines{dname_soa}));
}

TEST_F(DnameAnswer, LoopsEndAsNsdEndsThem)
{
	// a.loop1 -> a.loop2 -> a.loop1: each DNAME once, both CNAMEs, then stop.
	const Answered loop = ask("a.loop1.dname.test", rrtype::a);
	expect_header(loop, rcode::noerror, true, 4, 0, 1);
	EXPECT_EQ(answer_of(loop), (Lines{"loop1.dname.test. 3600 IN DNAME loop2.dname.test.",
					  "a.loop1.dname.test. 3600 IN CNAME a.loop2.dname.test.",
					  "loop2.dname.test. 3600 IN DNAME loop1.dname.test.",
					  "a.loop2.dname.test. 3600 IN CNAME a.loop1.dname.test."}));
	// A target below its own owner: once, then the DNAME met again ends it.
	const Answered self = ask("a.self.dname.test", rrtype::a);
	expect_header(self, rcode::noerror, true, 2, 0, 1);
	EXPECT_EQ(answer_of(self), (Lines{"self.dname.test. 3600 IN DNAME x.self.dname.test.",
					  "a.self.dname.test. 3600 IN CNAME a.x.self.dname.test."}));
}

TEST_F(DnameAnswer, SynthesizedNameLongerThan255OctetsIsYxdomain)
{
	// long DNAME: a 140-octet target for a 17-octet owner. 115 octets
	// before the owner make exactly 255: still a name.
	const std::string fits = label(63) + "." + label(50) + ".long.dname.test";
	const Answered ok = ask(fits, rrtype::a);
	expect_header(ok, rcode::nxdomain, true, 2, 1, 1);
	const std::string long_target = label(63) + "." + label(63) + ".dname.test.";
	EXPECT_EQ(line(answer_of(ok), 1),
		  fits + ". 3600 IN CNAME " + label(63) + "." + label(50) + "." + long_target);
	// One more octet: YXDOMAIN (RFC 6672 2.2), the DNAME answered, no CNAME,
	// no SOA.
	const Answered yx = ask(label(63) + "." + label(51) + ".long.dname.test", rrtype::a);
	expect_header(yx, rcode::yxdomain, true, 1, 0, 1);
	EXPECT_EQ(answer_of(yx), (Lines{"long.dname.test. 3600 IN DNAME " + long_target}));
}

TEST_F(DnameAnswer, SignedZoneAddsTheDnamesRrsigsNotTheCnames)
{
	const Answered plain = ask("www.signed.dname.test", rrtype::a);
	expect_header(plain, rcode::noerror, true, 3, 0, 1);
	const Answered a = ask("www.signed.dname.test", rrtype::a, true);
	expect_header(a, rcode::noerror, true, 4, 0, 1);
	EXPECT_EQ(answer_of(a),
		  (Lines{"signed.dname.test. 3600 IN DNAME target.dname.test.",
			 "signed.dname.test. 3600 IN RRSIG DNAME 8 3 300 20300101000000 20200101000000 4242 dname.test. "
			 "AQIDBAUGBwgJCgsMDQ4PEA==",
			 "www.signed.dname.test. 3600 IN CNAME www.target.dname.test.",
			 "www.target.dname.test. 3600 IN A 192.0.2.11"}));
}

TEST_F(DnameAnswer, AZoneCutAboveWins)
{
	// dn.sub has a DNAME, below the cut at sub: a referral (AA=0).
	for (const char *name : {"x.dn.sub.dname.test", "dn.sub.dname.test"}) {
		const Answered a = ask(name, rrtype::a);
		expect_header(a, rcode::noerror, false, 0, 1, 1);
		EXPECT_EQ(Decoded(a.bytes).authority(), (Lines{"sub.dname.test. 3600 IN NS ns.elsewhere.test."})) << name;
	}
}

TEST_F(DnameAnswer, WhatDoesNotFitIsLeftOutWholeWithTc)
{
	// Header and question 34 octets, DNAME 31, synthesized CNAME 25, A 16,
	// OPT 11: 117 (as NSD's).
	const QuerySpec s{.name = "www.d.dname.test", .flags = 0, .edns = true};
	EXPECT_EQ(ask(s).bytes.size(), 117u);
	// Room for the DNAME but not the synthesized CNAME.
	const Answered cut = ask(s, Transport::udp, 34 + 31 + 24 + 11);
	expect_header(cut, rcode::noerror, true, 1, 0, 1, true);
	EXPECT_EQ(answer_of(cut), (Lines{d_dname}));
	// Not even the DNAME.
	expect_header(ask(s, Transport::udp, 34 + 30 + 11), rcode::noerror, true, 0, 0, 1, true);
}

TEST(DnameChain, SynthesizedCnamesCountAsLinks)
{
	// d1 -> d2 -> ... -> d17 -> end: 17 DNAMEs to reach x.end.
	std::string text = "$ORIGIN chain.test.\n@ SOA ns hm 1 2 3 4 5\nx.end A 192.0.2.1\n";
	for (int i = 1; i <= 17; i++)
		text += "d" + std::to_string(i) + " DNAME " + (i == 17 ? "end" : "d" + std::to_string(i + 1)) + "\n";
	auto set = test::load_set({test::write_file(test::temp_dir(), "chain.zone", text)});
	ASSERT_TRUE(set);
	// 16 links (16 DNAMEs and 16 CNAMEs), then the chain stops.
	const Answered cut = ask_set(*set, {.name = "x.d1.chain.test", .flags = 0});
	expect_header(cut, rcode::noerror, true, 32, 0, 0);
	EXPECT_EQ(Decoded(cut.bytes).answer().back(), "x.d16.chain.test. 3600 IN CNAME x.d17.chain.test.");
	// From d3, 15 links reach the data.
	const Answered whole = ask_set(*set, {.name = "x.d3.chain.test", .flags = 0});
	expect_header(whole, rcode::noerror, true, 31, 0, 0);
	EXPECT_EQ(Decoded(whole.bytes).answer().back(), "x.end.chain.test. 3600 IN A 192.0.2.1");
}

// --- zone loading ---

// The error loading `records` (after line 2, the SOA), without the file's
// path; "" if the zone loaded.
std::string load_error(const std::string &records)
{
	const std::string path = test::write_file(test::temp_dir(), "d.zone",
						  "$ORIGIN example.test.\n@ SOA ns1.other.test. hm 1 2 3 4 5\n" + records);
	auto z = load_zone(path, "example.test.");
	if (z.ok())
		return "";
	const std::string &m = z.error().message;
	EXPECT_EQ(m.rfind(path + ":", 0), 0u) << m;
	return m.substr(std::min(m.size(), path.size()));
}

TEST(DnameLoad, NamesBelowADnameAreRefused)
{
	EXPECT_EQ(load_error("d DNAME t\nbelow.d A 192.0.2.1\n"),
		  ": below.d.example.test. is below the DNAME at d.example.test. (names below a DNAME are "
			 "never answered, RFC 6672 2.4)");
	// Deeper, or a zone cut: refused alike; the smallest name is named.
	EXPECT_EQ(load_error("x.y.d NS ns.other.test.\nd DNAME t\nb.d A 192.0.2.1\n"),
		  ": b.d.example.test. is below the DNAME at d.example.test. (names below a DNAME are never "
			 "answered, RFC 6672 2.4)");
	// Below a DNAME at the apex: in-zone name server addresses too.
	const std::string apex = load_error("@ NS ns1\n@ DNAME t.other.test.\nns1 A 192.0.2.1\n");
	EXPECT_EQ(apex, ": ns1.example.test. is below the DNAME at example.test. (names below a DNAME are "
			       "never answered, RFC 6672 2.4)");
	// Beside it and next to it is fine; so are names holding only NSEC3.
	EXPECT_EQ(load_error("d DNAME t\nd TXT \"x\"\nd2 A 192.0.2.1\nt A 192.0.2.2\n"), "");
	EXPECT_EQ(load_error("@ DNAME t.other.test.\n@ NS ns1.other.test.\n"
			     "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A\n"),
		  "");
}

TEST(DnameLoad, DnameBesideNsOnlyAtTheApex)
{
	EXPECT_EQ(load_error("sub NS ns.other.test.\nsub DNAME t\n"),
		  ": DNAME and NS at sub.example.test., which is not the apex (RFC 6672 5.2: the DNAME belongs "
			 "at the apex of the delegated zone)");
	EXPECT_EQ(load_error("@ NS ns1.other.test.\n@ DNAME t.other.test.\n"), "");
}

TEST(DnameLoad, DnameIsASingletonAndExcludesCname)
{
	EXPECT_EQ(load_error("d DNAME t\nd DNAME u\n"),
		  ":4: more than one DNAME at d.example.test. (RFC 6672 2.4)");
	EXPECT_EQ(load_error("d DNAME t\nd DNAME t\n"), "");  // a duplicate is dropped
	EXPECT_EQ(load_error("d DNAME t\nd CNAME u\n"), ":4: CNAME and other data (DNAME) at d.example.test.");
	EXPECT_EQ(load_error("d CNAME u\nd DNAME t\n"), ":4: CNAME and other data (DNAME) at d.example.test.");
}

}  // namespace
}  // namespace xdpdns::dns
