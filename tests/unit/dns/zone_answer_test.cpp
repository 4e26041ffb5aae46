// answer(): every case of the zone backend, with exact header fields and
// records decoded by ldns (an independent decoder, which also proves the
// compression pointers right).
#include <gtest/gtest.h>

#include <algorithm>

#include "dns/query.h"
#include "dns/zone_backend.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::Decoded;
using test::make_query;
using test::QuerySpec;
using test::wire_name;
using Lines = std::vector<std::string>;

struct Answered {
	Bytes bytes;
	AnswerInfo info;

	uint16_t flags() const { return test::field(bytes, hdr::flags); }
	uint16_t count(size_t off) const { return test::field(bytes, off); }
};

// Line i of a section, or "" when there is none (never index past the end).
std::string line(const Lines &lines, size_t i)
{
	return i < lines.size() ? lines[i] : std::string();
}

const std::string soa_line = "zone.test. 600 IN SOA ns1.zone.test. hostmaster.zone.test. 2024010101 7200 3600 1209600 600";
const std::string soa_sig_line = "zone.test. 600 IN RRSIG SOA 8 2 3600 20300101000000 20200101000000 4242 zone.test. EBESExQVFhcYGRobHB0eHw==";

class ZoneAnswer : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		zones_ = test::load_set({std::string(XDPDNS_TEST_ZONES) + "/zone.test.zone",
					 std::string(XDPDNS_TEST_ZONES) + "/inner.zone.test.zone"});
	}
	static void TearDownTestSuite() { zones_.reset(); }

	static Answered ask(const QuerySpec &s, Transport t = Transport::udp, uint16_t edns_size = 1232,
			    size_t out_size = max_message)
	{
		const Bytes m = make_query(s);
		Query q;
		EXPECT_EQ(parse_query(m, q), ParseResult::ok);
		Bytes out(out_size, 0xa5);
		const AnswerInfo info = answer(*zones_, q, t, out, edns_size);
		out.resize(info.size);
		return {out, info};
	}
	static Answered ask(const std::string &name, uint16_t type, Transport t = Transport::udp)
	{
		return ask(QuerySpec{.name = name, .type = type, .flags = 0, .edns = true}, t);
	}

	// Checks RCODE, AA, counts, QR, and that the rest of the flags are 0
	// (the test queries have RD=CD=0).
	static void expect_header(const Answered &a, uint8_t rcode, bool aa, uint16_t an, uint16_t ns,
				  uint16_t ar)
	{
		ASSERT_GE(a.bytes.size(), 12u);
		EXPECT_EQ(test::field(a.bytes, hdr::id), 0x1234);
		EXPECT_EQ(a.flags(), flag::qr | (aa ? flag::aa : 0) | rcode);
		EXPECT_EQ(a.count(hdr::qdcount), 1);
		EXPECT_EQ(a.count(hdr::ancount), an);
		EXPECT_EQ(a.count(hdr::nscount), ns);
		EXPECT_EQ(a.count(hdr::arcount), ar);
		EXPECT_EQ(a.info.rcode, rcode);
		EXPECT_EQ(a.info.aa, aa);
		EXPECT_EQ(a.info.size, a.bytes.size());
	}

	static std::shared_ptr<const ZoneSet> zones_;
};
std::shared_ptr<const ZoneSet> ZoneAnswer::zones_;

TEST_F(ZoneAnswer, ExactMatch)
{
	const Answered a = ask("www.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 2, 0, 1);
	Decoded d(a.bytes);
	ASSERT_TRUE(d.ok());
	EXPECT_EQ(d.answer(), (Lines{"www.zone.test. 3600 IN A 192.0.2.10", "www.zone.test. 3600 IN A 192.0.2.11"}));
	EXPECT_TRUE(d.authority().empty());  // minimal responses: no NS
	EXPECT_TRUE(d.has_edns());
	EXPECT_EQ(d.edns_udp_size(), 1232);
}

TEST_F(ZoneAnswer, QuestionAndOwnerKeepTheClientsCase)
{
	const Answered a = ask("WwW.ZoNe.TeSt", rrtype::a);
	Decoded d(a.bytes);
	EXPECT_EQ(d.question(), (Lines{"WwW.ZoNe.TeSt. IN A"}));
	EXPECT_EQ(line(d.answer(), 0), "WwW.ZoNe.TeSt. 3600 IN A 192.0.2.10");
	// The question is copied byte for byte.
	const Bytes n = wire_name("WwW.ZoNe.TeSt");
	EXPECT_TRUE(std::equal(n.begin(), n.end(), a.bytes.begin() + 12));
}

TEST_F(ZoneAnswer, HeaderCopiesRdAndCdOnly)
{
	const Answered a = ask({.name = "www.zone.test", .flags = flag::rd | flag::cd | flag::ad | flag::tc});
	EXPECT_EQ(a.flags(), flag::qr | flag::aa | flag::rd | flag::cd);
}

TEST_F(ZoneAnswer, NodataHasTheSoaWithTheNegativeTtl)
{
	const Answered a = ask("www.zone.test", rrtype::mx);
	expect_header(a, rcode::noerror, true, 0, 1, 1);
	Decoded d(a.bytes);
	EXPECT_EQ(d.authority(), (Lines{soa_line}));
}

TEST_F(ZoneAnswer, Nxdomain)
{
	const Answered a = ask("nothere.zone.test", rrtype::a);
	expect_header(a, rcode::nxdomain, true, 0, 1, 1);
	EXPECT_EQ(Decoded(a.bytes).authority(), (Lines{soa_line}));
}

TEST_F(ZoneAnswer, EmptyNonTerminalsAreNodata)
{
	for (const char *ent : {"c.zone.test", "b.c.zone.test", "a.b.c.zone.test"}) {
		const Answered a = ask(ent, rrtype::a);
		expect_header(a, rcode::noerror, true, 0, 1, 1);
	}
	expect_header(ask("x.a.b.c.zone.test", rrtype::a), rcode::nxdomain, true, 0, 1, 1);
	expect_header(ask("deep.a.b.c.zone.test", rrtype::a), rcode::noerror, true, 1, 0, 1);
}

TEST_F(ZoneAnswer, CnameChainInsideTheZone)
{
	const Answered a = ask("alias2.zone.test", rrtype::aaaa);
	expect_header(a, rcode::noerror, true, 3, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"alias2.zone.test. 3600 IN CNAME alias.zone.test.",
						    "alias.zone.test. 3600 IN CNAME www.zone.test.",
						    "www.zone.test. 3600 IN AAAA 2001:db8::10"}));
}

TEST_F(ZoneAnswer, CnameQueryIsNotFollowed)
{
	const Answered a = ask("alias.zone.test", rrtype::cname);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"alias.zone.test. 3600 IN CNAME www.zone.test."}));
}

TEST_F(ZoneAnswer, CnameToNodataAndNxdomain)
{
	const Answered nodata = ask("alias.zone.test", rrtype::mx);
	expect_header(nodata, rcode::noerror, true, 1, 1, 1);
	EXPECT_EQ(Decoded(nodata.bytes).authority(), (Lines{soa_line}));

	const Answered nx = ask("dangling.zone.test", rrtype::a);  // RFC 6604: rcode of the last name
	expect_header(nx, rcode::nxdomain, true, 1, 1, 1);
	EXPECT_EQ(Decoded(nx.bytes).answer(), (Lines{"dangling.zone.test. 3600 IN CNAME nothere.zone.test."}));
}

TEST_F(ZoneAnswer, CnameOutOfTheZoneStops)
{
	const Answered a = ask("out.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"out.zone.test. 3600 IN CNAME www.elsewhere.test."}));
}

TEST_F(ZoneAnswer, CnameLoopStops)
{
	const Answered a = ask("loop1.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 2, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"loop1.zone.test. 3600 IN CNAME loop2.zone.test.",
						    "loop2.zone.test. 3600 IN CNAME loop1.zone.test."}));
}

TEST_F(ZoneAnswer, CnameChainIsBoundedTo16Links)
{
	const Answered a = ask("c01.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 16, 0, 1);
	const Lines ans = Decoded(a.bytes).answer();
	EXPECT_EQ(ans.size(), 16u);
	EXPECT_EQ(line(ans, 15), "c16.zone.test. 3600 IN CNAME c17.zone.test.");
	// 15 links reach the data.
	const Answered b = ask("c05.zone.test", rrtype::a);
	expect_header(b, rcode::noerror, true, 16, 0, 1);
	EXPECT_EQ(line(Decoded(b.bytes).answer(), 15), "c20.zone.test. 3600 IN A 192.0.2.99");
}

TEST_F(ZoneAnswer, WildcardOwnerIsTheQueryName)
{
	const Answered a = ask("Q.wc.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"Q.wc.zone.test. 3600 IN A 192.0.2.20"}));
	const Answered deeper = ask("a.b.wc.zone.test", rrtype::txt);
	EXPECT_EQ(Decoded(deeper.bytes).answer(), (Lines{"a.b.wc.zone.test. 3600 IN TXT \"wild\""}));
	// Wildcard NODATA, and the wildcard's parent is an empty non-terminal.
	expect_header(ask("q.wc.zone.test", rrtype::mx), rcode::noerror, true, 0, 1, 1);
	expect_header(ask("wc.zone.test", rrtype::a), rcode::noerror, true, 0, 1, 1);
	// The literal "*" name matches itself.
	expect_header(ask("*.wc.zone.test", rrtype::a), rcode::noerror, true, 1, 0, 1);
}

TEST_F(ZoneAnswer, WildcardCname)
{
	const Answered a = ask("x.wild.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 3, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"x.wild.zone.test. 3600 IN CNAME www.zone.test.",
						    "www.zone.test. 3600 IN A 192.0.2.10",
						    "www.zone.test. 3600 IN A 192.0.2.11"}));
}

TEST_F(ZoneAnswer, ReferralWithGlue)
{
	const Answered a = ask("host.sub.zone.test", rrtype::a);
	// AA=0; NS in authority; A records of the targets, then AAAA.
	expect_header(a, rcode::noerror, false, 0, 3, 4);
	Decoded d(a.bytes);
	EXPECT_EQ(d.authority(), (Lines{"sub.zone.test. 3600 IN NS ns.sub.zone.test.",
					"sub.zone.test. 3600 IN NS ns1.zone.test.",
					"sub.zone.test. 3600 IN NS ns.outside.test."}));
	EXPECT_EQ(d.additional(), (Lines{"ns.sub.zone.test. 3600 IN A 192.0.2.30",
					 "ns1.zone.test. 3600 IN A 192.0.2.1",
					 "ns.sub.zone.test. 3600 IN AAAA 2001:db8::30"}));
	EXPECT_TRUE(d.answer().empty());
}

TEST_F(ZoneAnswer, ReferralAtTheCutAndBelowOccludedData)
{
	expect_header(ask("sub.zone.test", rrtype::ns), rcode::noerror, false, 0, 3, 4);
	expect_header(ask("sub.zone.test", rrtype::a), rcode::noerror, false, 0, 3, 4);
	expect_header(ask("deeper.sub.zone.test", rrtype::a), rcode::noerror, false, 0, 3, 4);
	expect_header(ask("ns.sub.zone.test", rrtype::a), rcode::noerror, false, 0, 3, 4);
	expect_header(ask("sub.zone.test", rrtype::any, Transport::tcp), rcode::noerror, false, 0, 3, 4);
}

TEST_F(ZoneAnswer, ReferralWithDsWhenDnssecOk)
{
	const Answered a = ask({.name = "host.sub.zone.test", .flags = 0, .edns = true, .do_bit = true});
	expect_header(a, rcode::noerror, false, 0, 5, 4);
	const Lines auth = Decoded(a.bytes).authority();
	EXPECT_EQ(auth.size(), 5u);
	EXPECT_EQ(line(auth, 3).rfind("sub.zone.test. 3600 IN DS 12345 8 2 ", 0), 0u);
	EXPECT_EQ(line(auth, 4).rfind("sub.zone.test. 3600 IN RRSIG DS ", 0), 0u);
	// A cut without DS: NS only (no NSEC proof).
	expect_header(ask({.name = "x.nods.zone.test", .flags = 0, .edns = true, .do_bit = true}),
		      rcode::noerror, false, 0, 1, 1 + 1);
}

TEST_F(ZoneAnswer, DsIsAnsweredFromTheParentSide)
{
	const Answered a = ask("sub.zone.test", rrtype::ds);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(line(Decoded(a.bytes).answer(), 0).rfind("sub.zone.test. 3600 IN DS 12345 8 2 ", 0), 0u);
	const Answered none = ask("nods.zone.test", rrtype::ds);
	expect_header(none, rcode::noerror, true, 0, 1, 1);
	EXPECT_EQ(Decoded(none.bytes).authority(), (Lines{soa_line}));
	// Below the cut a DS query is referred like any other.
	expect_header(ask("x.sub.zone.test", rrtype::ds), rcode::noerror, false, 0, 3, 4);
}

TEST_F(ZoneAnswer, CnameIntoADelegation)
{
	const Answered a = ask("to-sub.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 1, 3, 4);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"to-sub.zone.test. 3600 IN CNAME host.sub.zone.test."}));
}

TEST_F(ZoneAnswer, CnameIntoAnotherZoneWeServe)
{
	const Answered a = ask("to-inner.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 2, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"to-inner.zone.test. 3600 IN CNAME host.inner.zone.test.",
						    "host.inner.zone.test. 300 IN A 192.0.2.50"}));
	// The negative answer is the child zone's.
	const Answered nx = ask("to-inner-nx.zone.test", rrtype::a);
	expect_header(nx, rcode::nxdomain, true, 1, 1, 1);
	EXPECT_EQ(line(Decoded(nx.bytes).authority(), 0),
		  "inner.zone.test. 300 IN SOA ns1.zone.test. hostmaster.zone.test. 1 7200 3600 1209600 900");
}

TEST_F(ZoneAnswer, NsAnswerCarriesTheTargetsAddresses)
{
	const Answered a = ask("zone.test", rrtype::ns);
	expect_header(a, rcode::noerror, true, 2, 0, 3);
	EXPECT_EQ(Decoded(a.bytes).additional(),
		  (Lines{"ns1.zone.test. 3600 IN A 192.0.2.1", "ns2.zone.test. 3600 IN AAAA 2001:db8::2"}));
}

TEST_F(ZoneAnswer, MxHasNoAdditionalData)
{
	const Answered a = ask("mx.zone.test", rrtype::mx);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"mx.zone.test. 3600 IN MX 10 mail.zone.test."}));
}

TEST_F(ZoneAnswer, DnssecOkAddsRrsigsInSignedZones)
{
	const Answered plain = ask("signed.zone.test", rrtype::a);
	expect_header(plain, rcode::noerror, true, 1, 0, 1);
	const Answered a = ask({.name = "signed.zone.test", .flags = 0, .edns = true, .do_bit = true});
	expect_header(a, rcode::noerror, true, 2, 0, 1);
	Decoded d(a.bytes);
	EXPECT_EQ(line(d.answer(), 1),
		  "signed.zone.test. 3600 IN RRSIG A 8 3 3600 20300101000000 20200101000000 4242 zone.test. AQIDBAUGBwgJCgsMDQ4PEA==");
	EXPECT_TRUE(d.edns_do());
	// Negative answers: SOA and its RRSIG, both with the negative TTL.
	const Answered neg = ask({.name = "nothere.zone.test", .flags = 0, .edns = true, .do_bit = true});
	expect_header(neg, rcode::nxdomain, true, 0, 2, 1);
	EXPECT_EQ(Decoded(neg.bytes).authority(), (Lines{soa_line, soa_sig_line}));
	// An RRset without RRSIGs stays alone.
	expect_header(ask({.name = "www.zone.test", .flags = 0, .edns = true, .do_bit = true}), rcode::noerror,
		      true, 2, 0, 1);
}

TEST_F(ZoneAnswer, RrsigQuery)
{
	const Answered a = ask("signed.zone.test", rrtype::rrsig);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	EXPECT_EQ(line(Decoded(a.bytes).answer(), 0).rfind("signed.zone.test. 3600 IN RRSIG A 8 3 ", 0), 0u);
	expect_header(ask("www.zone.test", rrtype::rrsig), rcode::noerror, true, 0, 1, 1);
}

TEST_F(ZoneAnswer, AnyOverUdpIsTheLowestTypeOnly)
{
	const Answered a = ask("www.zone.test", rrtype::any);
	expect_header(a, rcode::noerror, true, 2, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"www.zone.test. 3600 IN A 192.0.2.10", "www.zone.test. 3600 IN A 192.0.2.11"}));
	// At the apex NS (2) is the lowest, with its targets' addresses.
	const Answered apex = ask("zone.test", rrtype::any);
	expect_header(apex, rcode::noerror, true, 2, 0, 3);
}

TEST_F(ZoneAnswer, AnyOverTcpIsEveryRrsetByType)
{
	const Answered a = ask("www.zone.test", rrtype::any, Transport::tcp);
	expect_header(a, rcode::noerror, true, 4, 0, 1);
	EXPECT_EQ(Decoded(a.bytes).answer(), (Lines{"www.zone.test. 3600 IN A 192.0.2.10",
						    "www.zone.test. 3600 IN A 192.0.2.11",
						    "www.zone.test. 3600 IN TXT \"v=www\"",
						    "www.zone.test. 3600 IN AAAA 2001:db8::10"}));
	expect_header(ask("c.zone.test", rrtype::any, Transport::tcp), rcode::noerror, true, 0, 1, 1);
	expect_header(ask("alias.zone.test", rrtype::any, Transport::tcp), rcode::noerror, true, 1, 0, 1);
}

TEST_F(ZoneAnswer, Refused)
{
	for (const QuerySpec &s : {QuerySpec{.name = "nowhere.invalid", .flags = 0, .edns = true},
				   QuerySpec{.name = "www.zone.test", .qclass = rrclass::ch, .flags = 0, .edns = true},
				   QuerySpec{.name = "www.zone.test", .qclass = rrclass::any, .flags = 0, .edns = true},
				   QuerySpec{.name = "zone.test", .type = rrtype::axfr, .flags = 0, .edns = true},
				   QuerySpec{.name = "zone.test", .type = rrtype::ixfr, .flags = 0, .edns = true}}) {
		const Answered a = ask(s);
		expect_header(a, rcode::refused, false, 0, 0, 1);
		EXPECT_EQ(a.bytes.size(), 12 + wire_name(s.name).size() + 4 + 11) << s.name;
	}
	const Answered plain = ask({.name = "test", .flags = 0});  // parent of every zone
	expect_header(plain, rcode::refused, false, 0, 0, 0);
}

TEST_F(ZoneAnswer, LongestMatchingZoneAnswers)
{
	const Answered a = ask("host.inner.zone.test", rrtype::a);
	expect_header(a, rcode::noerror, true, 1, 0, 1);
	const Answered nx = ask("nothere.inner.zone.test", rrtype::a);
	expect_header(nx, rcode::nxdomain, true, 0, 1, 1);
	EXPECT_EQ(Decoded(nx.bytes).authority(),
		  (Lines{"inner.zone.test. 300 IN SOA ns1.zone.test. hostmaster.zone.test. 1 7200 3600 1209600 900"}));
}

TEST_F(ZoneAnswer, EdnsIsEchoedOnlyWhenAsked)
{
	const Answered none = ask({.name = "www.zone.test", .flags = 0});
	expect_header(none, rcode::noerror, true, 2, 0, 0);
	EXPECT_FALSE(Decoded(none.bytes).has_edns());
	const Answered big = ask({.name = "www.zone.test", .flags = 0, .edns = true, .bufsize = 512, .do_bit = true},
				 Transport::udp, 1400);
	Decoded d(big.bytes);
	EXPECT_TRUE(d.has_edns());
	EXPECT_EQ(d.edns_udp_size(), 1400);  // ours, not the client's
	EXPECT_TRUE(d.edns_do());
	// The OPT is the last record: root, type 41, class 1400, TTL 0x00008000, rdlength 0.
	const Bytes tail(big.bytes.end() - 11, big.bytes.end());
	EXPECT_EQ(tail, (Bytes{0, 0, 41, 0x05, 0x78, 0, 0, 0x80, 0, 0, 0}));
}

// Octets of the RDATA of the first answer record (owner compressed to a pointer).
Bytes first_answer_rdata(const Answered &a, size_t question_len)
{
	const size_t rr = 12 + question_len + 4;
	const size_t rdlen = test::field(a.bytes, rr + 2 + 8);
	return Bytes(a.bytes.begin() + rr + 12, a.bytes.begin() + rr + 12 + rdlen);
}

TEST_F(ZoneAnswer, CompressionOfOwnersAndRdataNames)
{
	// MX: preference, then "mail" + pointer to "zone.test" in the question.
	const Answered mx = ask("mx.zone.test", rrtype::mx);
	EXPECT_EQ(test::field(mx.bytes, 12 + 14 + 4), 0xc00c);  // owner -> question
	EXPECT_EQ(first_answer_rdata(mx, 14), (Bytes{0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 15}));
	// CNAME target compressed, and the next owner points at it.
	const Answered cn = ask("alias.zone.test", rrtype::a);
	EXPECT_EQ(first_answer_rdata(cn, 17), (Bytes{3, 'w', 'w', 'w', 0xc0, 18}));
	const size_t second_owner = 12 + 17 + 4 + 12 + 6;
	EXPECT_EQ(test::field(cn.bytes, second_owner), 0xc000 | (12 + 17 + 4 + 12));
	// SRV target never compressed (RFC 2782 / RFC 3597 4).
	const Answered srv = ask("srv.zone.test", rrtype::srv);
	Bytes expect{0, 0, 0, 5, 0x13, 0xc4};
	const Bytes target = wire_name("www.zone.test");
	expect.insert(expect.end(), target.begin(), target.end());
	EXPECT_EQ(first_answer_rdata(srv, 15), expect);
	// SOA in authority: owner -> question suffix, both names compressed.
	const Answered neg = ask("nothere.zone.test", rrtype::a);
	Decoded d(neg.bytes);
	EXPECT_EQ(d.authority(), (Lines{soa_line}));
	EXPECT_EQ(test::field(neg.bytes, 12 + 19 + 4), 0xc000 | 20);
}

TEST_F(ZoneAnswer, DeterministicOutput)
{
	const std::vector<std::pair<QuerySpec, Transport>> queries = {
		{{.name = "www.zone.test", .flags = 0, .edns = true}, Transport::udp},
		{{.name = "host.sub.zone.test", .flags = 0, .edns = true, .do_bit = true}, Transport::udp},
		{{.name = "x.wild.zone.test"}, Transport::udp},
		{{.name = "c01.zone.test"}, Transport::tcp},
		{{.name = "www.zone.test", .type = rrtype::any}, Transport::tcp},
		{{.name = "nothere.zone.test", .flags = 0, .edns = true, .do_bit = true}, Transport::udp},
	};
	std::vector<Bytes> first;
	for (const auto &[s, t] : queries)
		first.push_back(ask(s, t).bytes);
	// Again, in reverse order, into buffers with other garbage.
	for (size_t i = queries.size(); i-- > 0;) {
		const Bytes m = make_query(queries[i].first);
		Query q;
		ASSERT_EQ(parse_query(m, q), ParseResult::ok);
		Bytes out(max_message, static_cast<uint8_t>(i * 37));
		out.resize(answer(*zones_, q, queries[i].second, out).size);
		EXPECT_EQ(out, first[i]) << queries[i].first.name;
	}
}

TEST_F(ZoneAnswer, SmallBufferDropsWholeRrsetsAndSetsTc)
{
	const QuerySpec s{.name = "www.zone.test", .flags = 0, .edns = true};
	const size_t question = 12 + 15 + 4;
	// Room for header, question and OPT only.
	const Answered a = ask(s, Transport::udp, 1232, question + 11);
	EXPECT_EQ(a.bytes.size(), question + 11);
	EXPECT_EQ(a.flags(), flag::qr | flag::aa | flag::tc);
	EXPECT_EQ(a.count(hdr::ancount), 0);
	EXPECT_EQ(a.count(hdr::arcount), 1);
	EXPECT_TRUE(Decoded(a.bytes).ok());
	// Not even the question: nothing.
	EXPECT_EQ(ask(s, Transport::udp, 1232, question - 1).info.size, 0u);
	// Referral whose glue does not fit: NS kept, glue left out, no TC.
	const QuerySpec r{.name = "host.sub.zone.test", .flags = 0};
	const size_t full = ask(r).bytes.size();
	const Answered cut = ask(r, Transport::udp, 1232, full - 1);
	EXPECT_EQ(cut.flags() & flag::tc, 0);
	EXPECT_EQ(cut.count(hdr::nscount), 3);
	EXPECT_LT(cut.count(hdr::arcount), 3);
	EXPECT_TRUE(Decoded(cut.bytes).ok());
}

TEST(ZoneAnswerUnsigned, StrayRrsigsAreNotAddedWithoutASignedApex)
{
	const std::string path = test::write_file(
		test::temp_dir(), "u.zone",
		"$ORIGIN u.test.\n@ SOA ns hm 1 2 3 4 5\nh A 192.0.2.1\n"
		"h RRSIG A 8 3 3600 20300101000000 20200101000000 1 u.test. AQIDBA==\n");
	auto set = test::load_set({path});
	ASSERT_TRUE(set);
	const Bytes m = make_query({.name = "h.u.test", .edns = true, .do_bit = true});
	Query q;
	ASSERT_EQ(parse_query(m, q), ParseResult::ok);
	Bytes out(512);
	const AnswerInfo info = answer(*set, q, Transport::udp, out);
	out.resize(info.size);
	EXPECT_EQ(test::field(out, hdr::ancount), 1);
}

}  // namespace
}  // namespace xdpdns::dns
