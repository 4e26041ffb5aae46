// DNSSEC denial of existence (dns/denial_index.h, dns/denial_proof.h and
// their call sites in answer()): the NSEC3 hash against RFC 5155's own
// vectors, canonical order against RFC 4034's example, and every proof kind
// for NSEC, NSEC3 and NSEC3 opt-out, checked record by record on answers
// decoded by ldns: owner, type, and what the record proves about the name
// (an NSEC covers it, an NSEC3's hash range holds its hash or its hash is
// the owner's, a type bitmap lacks the type). The zones are
// tests/unit/dns/zones/dnssec.test.zone signed once and committed
// (zones/signed/, expiring 2090): these tests check answer shapes and do not
// validate signatures; tests/netns/test_dnssec_unbound.sh validates zones
// signed at test time.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "dns/denial_index.h"
#include "dns/nsec3_hash.h"
#include "dns/query.h"
#include "dns/zone_backend.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::Decoded;
using test::make_query;
using test::wire_name;
using Lines = std::vector<std::string>;

std::string b32hex(const Nsec3Hash &h)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	std::string s;
	uint64_t acc = 0;
	unsigned bits = 0;
	for (uint8_t b : h) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			s += digits[(acc >> bits) & 31];
		}
	}
	return s;
}

Nsec3Hash hash_of(const std::string &name, const std::string &salt_hex, uint16_t iterations)
{
	Bytes salt;
	for (size_t i = 0; i + 1 < salt_hex.size(); i += 2)
		salt.push_back(static_cast<uint8_t>(std::stoi(salt_hex.substr(i, 2), nullptr, 16)));
	Bytes n = wire_name(name);
	lower_name(n, n.data());
	return nsec3_hash(n, salt, iterations);
}

TEST(Nsec3Hash, Rfc5155AppendixAVectors)
{
	// RFC 5155 Appendix A: salt aabbccdd, 12 iterations.
	const std::pair<const char *, const char *> vectors[] = {
		{"example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
		{"a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
		{"ai.example", "gjeqe526plbf1g8mklp59enfd789njgi"},
		{"ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
		{"w.example", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
		{"*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
		{"x.w.example", "b4um86eghhds6nea196smvmlo4ors995"},
		{"XX.Example", "t644ebqk9bibcna874givr6joj62mlhv"},
	};
	for (const auto &[name, hash] : vectors)
		EXPECT_EQ(b32hex(hash_of(name, "aabbccdd", 12)), hash) << name;
}

TEST(Nsec3Hash, OwnerLabelDecodesEitherCase)
{
	Nsec3Hash h;
	ASSERT_TRUE(nsec3_owner_hash(wire_name("0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM.example"), h));
	EXPECT_EQ(h, hash_of("example", "aabbccdd", 12));
	ASSERT_TRUE(nsec3_owner_hash(wire_name("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example"), h));
	EXPECT_EQ(h, hash_of("example", "aabbccdd", 12));
	EXPECT_FALSE(nsec3_owner_hash(wire_name("0p9mhaveqvm6t7vbl5lop2u3t2rp3to.example"), h));   // 31
	EXPECT_FALSE(nsec3_owner_hash(wire_name("0p9mhaveqvm6t7vbl5lop2u3t2rp3toz.example"), h));  // not base32hex
	EXPECT_FALSE(nsec3_owner_hash(wire_name("www.example"), h));
}

TEST(CanonicalOrder, Rfc4034Section61Example)
{
	// RFC 4034 6.1, lowercased ("\001" and "\200" as their octets).
	std::vector<Bytes> names = {wire_name("example"), wire_name("a.example"),
				    wire_name("yljkjljk.a.example"), wire_name("z.a.example"),
				    wire_name("zabc.a.example"), wire_name("z.example")};
	names.push_back(test::concat({{1, 0x01}, wire_name("z.example")}));
	names.push_back(wire_name("*.z.example"));
	names.push_back(test::concat({{1, 0x80}, wire_name("z.example")}));
	for (size_t i = 0; i < names.size(); i++)
		for (size_t j = 0; j < names.size(); j++)
			EXPECT_EQ(canonical_compare(names[i], names[j]) < 0, i < j) << i << " " << j;
}

// One record of a decoded section: "owner ttl class type rdata...".
struct Rec {
	std::string owner;
	std::string type;
	std::vector<std::string> rdata;
};

Rec parse(const std::string &line)
{
	std::istringstream in(line);
	Rec r;
	std::string ttl, cls, f;
	in >> r.owner >> ttl >> cls >> r.type;
	while (in >> f)
		r.rdata.push_back(f);
	std::transform(r.owner.begin(), r.owner.end(), r.owner.begin(), ::tolower);
	return r;
}

std::vector<Rec> parse_all(const Lines &lines)
{
	std::vector<Rec> out;
	for (const std::string &l : lines)
		out.push_back(parse(l));
	return out;
}

std::string types_of(const std::vector<Rec> &recs)
{
	std::string s;
	for (const Rec &r : recs)
		s += (s.empty() ? "" : " ") + (r.type == "RRSIG" ? "RRSIG(" + r.rdata[0] + ")" : r.type);
	return s;
}

Bytes lower_wire(const std::string &text)
{
	Bytes n = wire_name(text);
	lower_name(n, n.data());
	return n;
}

bool has_type(const Rec &r, const std::string &type, size_t first_type_field)
{
	return std::find(r.rdata.begin() + static_cast<long>(first_type_field), r.rdata.end(), type) !=
	       r.rdata.end();
}

// owner < name < next in canonical order (next == apex: the last NSEC).
bool nsec_covers(const Rec &nsec, const std::string &name, const std::string &apex)
{
	const Bytes o = lower_wire(nsec.owner), n = lower_wire(name), x = lower_wire(nsec.rdata[0]);
	return canonical_compare(o, n) < 0 &&
	       (canonical_compare(n, x) < 0 || canonical_compare(x, lower_wire(apex)) == 0);
}

class Signed {
public:
	explicit Signed(const std::string &flavour) : flavour_(flavour)
	{
		zones_ = test::load_set({std::string(XDPDNS_TEST_ZONES) + "/signed/dnssec.test." + flavour + ".zone"});
		const Zone *z = zones_->find(lower_wire("dnssec.test"));
		const DenialIndex *d = z ? z->denial() : nullptr;
		if (d && d->kind() == DenialIndex::Kind::nsec3) {
			for (uint8_t b : d->salt()) {
				char h[3];
				std::snprintf(h, sizeof h, "%02x", b);
				salt_ += h;
			}
			iterations_ = d->iterations();
		}
	}

	struct Reply {
		Bytes bytes;
		std::vector<Rec> answer, authority, additional;
		uint8_t rcode() const { return bytes[3] & 0x0f; }
	};

	Reply ask(const std::string &name, uint16_t type, bool do_bit = true) const
	{
		const Bytes m = make_query({.name = name, .type = type, .flags = 0, .edns = true, .do_bit = do_bit});
		Query q;
		EXPECT_EQ(parse_query(m, q), ParseResult::ok);
		Reply r{Bytes(max_message)};
		r.bytes.resize(answer(*zones_, q, Transport::tcp, r.bytes).size);
		Decoded d(r.bytes);
		EXPECT_TRUE(d.ok());
		r.answer = parse_all(d.answer());
		r.authority = parse_all(d.authority());
		r.additional = parse_all(d.additional());
		return r;
	}

	std::string hash(const std::string &name) const { return b32hex(hash_of(name, salt_, iterations_)); }
	std::string owner_hash(const Rec &r) const { return r.owner.substr(0, r.owner.find('.')); }
	// NSEC3 RDATA as ldns prints it: alg flags iterations salt next types...
	bool matches(const Rec &r, const std::string &name) const { return owner_hash(r) == hash(name); }
	bool covers(const Rec &r, const std::string &name) const
	{
		std::string next = r.rdata[4];
		std::transform(next.begin(), next.end(), next.begin(), ::tolower);
		const std::string o = owner_hash(r), h = hash(name);
		return o < next ? (o < h && h < next) : (h > o || h < next);
	}
	bool opt_out(const Rec &r) const { return r.rdata[1] == "1"; }

	std::shared_ptr<const ZoneSet> zones_;
	std::string flavour_;
	std::string salt_;
	uint16_t iterations_ = 0;
};

const std::string apex = "dnssec.test.";

// ---- NSEC ------------------------------------------------------------------

class NsecProofs : public ::testing::Test {
protected:
	static void SetUpTestSuite() { z_ = new Signed("nsec"); }
	static void TearDownTestSuite() { delete z_; }
	static Signed *z_;
};
Signed *NsecProofs::z_;

TEST_F(NsecProofs, NxdomainCoversTheNameAndTheWildcardThenSoa)
{
	const auto r = z_->ask("nothere.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::nxdomain);
	ASSERT_EQ(types_of(r.authority), "NSEC RRSIG(NSEC) NSEC RRSIG(NSEC) SOA RRSIG(SOA)");
	EXPECT_TRUE(nsec_covers(r.authority[0], "nothere.dnssec.test.", apex)) << r.authority[0].owner;
	EXPECT_EQ(r.authority[1].owner, r.authority[0].owner);
	EXPECT_TRUE(nsec_covers(r.authority[2], "*.dnssec.test.", apex)) << r.authority[2].owner;
	EXPECT_EQ(r.authority[4].owner, apex);
}

TEST_F(NsecProofs, NxdomainBelowAnExistingName)
{
	// Closest encloser a.b.ent: the wildcard to deny is *.a.b.ent, covered
	// by the same NSEC as the name (one record, sent once).
	const auto r = z_->ask("x.a.b.ent.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::nxdomain);
	ASSERT_EQ(types_of(r.authority), "NSEC RRSIG(NSEC) SOA RRSIG(SOA)");
	EXPECT_EQ(r.authority[0].owner, "a.b.ent.dnssec.test.");
	EXPECT_TRUE(nsec_covers(r.authority[0], "x.a.b.ent.dnssec.test.", apex));
	EXPECT_TRUE(nsec_covers(r.authority[0], "*.a.b.ent.dnssec.test.", apex));
}

TEST_F(NsecProofs, NodataIsSoaThenTheNamesOwnNsec)
{
	const auto r = z_->ask("host.dnssec.test", rrtype::txt);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	EXPECT_TRUE(r.answer.empty());
	ASSERT_EQ(types_of(r.authority), "SOA RRSIG(SOA) NSEC RRSIG(NSEC)");
	EXPECT_EQ(r.authority[2].owner, "host.dnssec.test.");
	EXPECT_TRUE(has_type(r.authority[2], "A", 1));
	EXPECT_FALSE(has_type(r.authority[2], "TXT", 1));
}

TEST_F(NsecProofs, EmptyNonTerminalNodataIsCoveredByItsPredecessor)
{
	const auto r = z_->ask("b.ent.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	ASSERT_EQ(types_of(r.authority), "SOA RRSIG(SOA) NSEC RRSIG(NSEC)");
	// b.ent sorts between the NSEC's owner and its next name, which is below it.
	const Rec &n = r.authority[2];
	EXPECT_TRUE(nsec_covers(n, "b.ent.dnssec.test.", apex)) << n.owner << " " << n.rdata[0];
	EXPECT_EQ(n.rdata[0], "a.b.ent.dnssec.test.");
}

TEST_F(NsecProofs, WildcardAnswerCarriesTheNsecCoveringTheName)
{
	const auto r = z_->ask("x.wild.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	ASSERT_EQ(types_of(r.answer), "A RRSIG(A)");
	EXPECT_EQ(r.answer[0].owner, "x.wild.dnssec.test.");
	EXPECT_EQ(r.answer[1].rdata[2], "3");  // RRSIG labels: the wildcard's, not the name's 4
	ASSERT_EQ(types_of(r.authority), "NSEC RRSIG(NSEC)");
	EXPECT_TRUE(nsec_covers(r.authority[0], "x.wild.dnssec.test.", apex));
}

TEST_F(NsecProofs, WildcardNodataAddsTheWildcardsNsec)
{
	const auto r = z_->ask("x.wild.dnssec.test", rrtype::txt);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	EXPECT_TRUE(r.answer.empty());
	// The NSEC covering x.wild is the wildcard's own (*.wild sorts just
	// before it), so it comes once, before the SOA.
	ASSERT_EQ(types_of(r.authority), "NSEC RRSIG(NSEC) SOA RRSIG(SOA)");
	EXPECT_EQ(r.authority[0].owner, "*.wild.dnssec.test.");
	EXPECT_TRUE(nsec_covers(r.authority[0], "x.wild.dnssec.test.", apex));
	EXPECT_FALSE(has_type(r.authority[0], "TXT", 1));
}

TEST_F(NsecProofs, ReferralToAnUnsignedChildProvesNoDs)
{
	const auto r = z_->ask("host.ins.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	EXPECT_TRUE(r.answer.empty());
	ASSERT_EQ(types_of(r.authority), "NS NSEC RRSIG(NSEC)");
	EXPECT_EQ(r.authority[1].owner, "ins.dnssec.test.");
	EXPECT_TRUE(has_type(r.authority[1], "NS", 1));
	EXPECT_FALSE(has_type(r.authority[1], "DS", 1));
	ASSERT_EQ(types_of(r.additional), "A");  // glue, unsigned
	EXPECT_EQ(r.additional[0].owner, "ns.ins.dnssec.test.");
}

TEST_F(NsecProofs, ReferralToASignedChildHasTheDsNoProof)
{
	const auto r = z_->ask("x.secure.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.authority), "NS DS RRSIG(DS)");
}

TEST_F(NsecProofs, DsNodataAtACut)
{
	const auto r = z_->ask("ins.dnssec.test", rrtype::ds);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	ASSERT_EQ(types_of(r.authority), "SOA RRSIG(SOA) NSEC RRSIG(NSEC)");
	EXPECT_EQ(r.authority[2].owner, "ins.dnssec.test.");
	EXPECT_FALSE(has_type(r.authority[2], "DS", 1));
}

TEST_F(NsecProofs, CnameToNothingProvesTheTargetsAbsence)
{
	const auto r = z_->ask("dangling.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::nxdomain);
	ASSERT_EQ(types_of(r.answer), "CNAME RRSIG(CNAME)");
	ASSERT_GE(r.authority.size(), 3u);
	EXPECT_TRUE(nsec_covers(r.authority[0], "nothere.dnssec.test.", apex));
}

TEST_F(NsecProofs, NoProofsWithoutDo)
{
	for (const char *name : {"nothere.dnssec.test", "host.dnssec.test", "x.wild.dnssec.test",
				 "host.ins.dnssec.test"}) {
		const auto r = z_->ask(name, rrtype::txt, false);
		for (const Rec &x : r.authority)
			EXPECT_TRUE(x.type == "SOA" || x.type == "NS") << name << " " << x.type;
		EXPECT_TRUE(r.answer.empty()) << name;
	}
}

// ---- NSEC3 -----------------------------------------------------------------

class Nsec3Proofs : public ::testing::Test {
protected:
	static void SetUpTestSuite() { z_ = new Signed("nsec3"); }
	static void TearDownTestSuite() { delete z_; }
	static Signed *z_;
};
Signed *Nsec3Proofs::z_;

TEST_F(Nsec3Proofs, TheZonesChainParameters)
{
	EXPECT_EQ(z_->salt_, "5a17");
	EXPECT_EQ(z_->iterations_, 5);
}

TEST_F(Nsec3Proofs, NxdomainIsTheClosestEncloserProofThenSoa)
{
	const auto r = z_->ask("nothere.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::nxdomain);
	// Next closer covered, closest encloser (the apex) matched, wildcard
	// at the closest encloser covered; each once.
	const std::string t = types_of(r.authority);
	ASSERT_TRUE(t == "NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3) SOA RRSIG(SOA)" ||
		    t == "NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3) SOA RRSIG(SOA)")
		<< t;
	EXPECT_TRUE(z_->covers(r.authority[0], "nothere.dnssec.test"));
	EXPECT_TRUE(z_->matches(r.authority[2], "dnssec.test"));
	const Rec &wild = t.size() > 60 ? r.authority[4] : r.authority[0];
	EXPECT_TRUE(z_->covers(wild, "*.dnssec.test"));
	EXPECT_EQ(r.authority[r.authority.size() - 2].type, "SOA");
}

TEST_F(Nsec3Proofs, NxdomainTwoLabelsBelowTheClosestEncloser)
{
	const auto r = z_->ask("x.y.host.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::nxdomain);
	ASSERT_GE(r.authority.size(), 6u);
	EXPECT_TRUE(z_->covers(r.authority[0], "y.host.dnssec.test"));  // next closer, not the qname
	EXPECT_TRUE(z_->matches(r.authority[2], "host.dnssec.test"));
	bool wild = false;
	for (const Rec &x : r.authority)
		wild = wild || (x.type == "NSEC3" && z_->covers(x, "*.host.dnssec.test"));
	EXPECT_TRUE(wild);
}

TEST_F(Nsec3Proofs, NodataIsSoaThenTheMatchingNsec3)
{
	const auto r = z_->ask("host.dnssec.test", rrtype::txt);
	ASSERT_EQ(types_of(r.authority), "SOA RRSIG(SOA) NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->matches(r.authority[2], "host.dnssec.test"));
	EXPECT_TRUE(has_type(r.authority[2], "AAAA", 5));
	EXPECT_FALSE(has_type(r.authority[2], "TXT", 5));
}

TEST_F(Nsec3Proofs, EmptyNonTerminalNodataComesBeforeTheSoa)
{
	const auto r = z_->ask("ent.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	ASSERT_EQ(types_of(r.authority), "NSEC3 RRSIG(NSEC3) SOA RRSIG(SOA)");
	EXPECT_TRUE(z_->matches(r.authority[0], "ent.dnssec.test"));
	EXPECT_EQ(r.authority[0].rdata.size(), 5u);  // no types at all
}

TEST_F(Nsec3Proofs, WildcardAnswerCoversTheNextCloserName)
{
	const auto r = z_->ask("a.b.wild.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.answer), "A RRSIG(A)");
	ASSERT_EQ(types_of(r.authority), "NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->covers(r.authority[0], "b.wild.dnssec.test"));
}

TEST_F(Nsec3Proofs, WildcardNodata)
{
	const auto r = z_->ask("x.wild.dnssec.test", rrtype::txt);
	ASSERT_EQ(types_of(r.authority), "NSEC3 RRSIG(NSEC3) SOA RRSIG(SOA) NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->covers(r.authority[0], "x.wild.dnssec.test"));
	EXPECT_TRUE(z_->matches(r.authority[4], "wild.dnssec.test"));
	EXPECT_TRUE(z_->matches(r.authority[6], "*.wild.dnssec.test"));
	EXPECT_FALSE(has_type(r.authority[6], "TXT", 5));
}

TEST_F(Nsec3Proofs, ReferralToAnUnsignedChildMatchesTheCut)
{
	const auto r = z_->ask("host.ins.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.authority), "NS NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->matches(r.authority[1], "ins.dnssec.test"));
	EXPECT_TRUE(has_type(r.authority[1], "NS", 5));
	EXPECT_FALSE(has_type(r.authority[1], "DS", 5));
}

TEST_F(Nsec3Proofs, QueriesForNsec3OwnerNamesAreNxdomain)
{
	const std::string owner = z_->hash("host.dnssec.test") + ".dnssec.test";
	for (bool do_bit : {true, false}) {
		for (uint16_t type : {rrtype::nsec3, rrtype::a}) {
			const auto r = z_->ask(owner, type, do_bit);
			EXPECT_EQ(r.rcode(), rcode::nxdomain) << do_bit << " " << type;
			EXPECT_TRUE(r.answer.empty());
		}
	}
	const auto r = z_->ask(owner, rrtype::a);
	ASSERT_GE(r.authority.size(), 2u);
	EXPECT_TRUE(z_->covers(r.authority[0], owner));
}

// ---- NSEC3 opt-out (dnssec-signzone -A) ---------------------------------

class Nsec3OptOutProofs : public ::testing::Test {
protected:
	static void SetUpTestSuite() { z_ = new Signed("nsec3-optout"); }
	static void TearDownTestSuite() { delete z_; }
	static Signed *z_;
};
Signed *Nsec3OptOutProofs::z_;

TEST_F(Nsec3OptOutProofs, UnsignedDelegationsHaveNoNsec3)
{
	const Zone *z = z_->zones_->find(lower_wire("dnssec.test"));
	ASSERT_NE(z, nullptr);
	for (const char *name : {"ins.dnssec.test", "kid.deleg.dnssec.test", "deleg.dnssec.test"})
		EXPECT_FALSE(z->denial()->nsec3_find(lower_wire(name)).exact) << name;
	EXPECT_TRUE(z->denial()->nsec3_find(lower_wire("secure.dnssec.test")).exact);
}

TEST_F(Nsec3OptOutProofs, ReferralIsTheClosestProvableEncloserProof)
{
	// ins: the apex is the closest provable encloser, ins the next closer,
	// covered by an opt-out NSEC3.
	auto r = z_->ask("host.ins.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.authority), "NS NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->matches(r.authority[1], "dnssec.test"));
	EXPECT_TRUE(z_->covers(r.authority[3], "ins.dnssec.test"));
	EXPECT_TRUE(z_->opt_out(r.authority[3]));

	// kid.deleg: deleg has no NSEC3 either, so the next closer is deleg.
	r = z_->ask("x.kid.deleg.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.authority), "NS NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->matches(r.authority[1], "dnssec.test"));
	EXPECT_TRUE(z_->covers(r.authority[3], "deleg.dnssec.test"));
	EXPECT_TRUE(z_->opt_out(r.authority[3]));
}

TEST_F(Nsec3OptOutProofs, DsQueryAtAnOptedOutCut)
{
	const auto r = z_->ask("ins.dnssec.test", rrtype::ds);
	EXPECT_EQ(r.rcode(), rcode::noerror);
	ASSERT_EQ(types_of(r.authority), "SOA RRSIG(SOA) NSEC3 RRSIG(NSEC3) NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->matches(r.authority[2], "dnssec.test"));
	EXPECT_TRUE(z_->covers(r.authority[4], "ins.dnssec.test"));
}

TEST_F(Nsec3OptOutProofs, SignedDelegationStillHasItsDs)
{
	const auto r = z_->ask("x.secure.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.authority), "NS DS RRSIG(DS)");
}

TEST_F(Nsec3OptOutProofs, NxdomainAndWildcardAsWithoutOptOut)
{
	auto r = z_->ask("nothere.dnssec.test", rrtype::a);
	EXPECT_EQ(r.rcode(), rcode::nxdomain);
	EXPECT_TRUE(z_->covers(r.authority[0], "nothere.dnssec.test"));
	r = z_->ask("x.wild.dnssec.test", rrtype::a);
	ASSERT_EQ(types_of(r.authority), "NSEC3 RRSIG(NSEC3)");
	EXPECT_TRUE(z_->covers(r.authority[0], "x.wild.dnssec.test"));
}

// ---- DO=0 answers do not change -------------------------------------------

TEST(DenialDoZero, SignedZoneAnswersAsTheUnsignedSourceWithoutDo)
{
	// Without DO, a signed zone answers exactly (octet for octet) as its
	// unsigned source does, for every answer kind the proofs exist for.
	auto plain = test::load_set({std::string(XDPDNS_TEST_ZONES) + "/dnssec.test.zone"});
	for (const char *flavour : {"nsec", "nsec3", "nsec3-optout"}) {
		auto sig = test::load_set({std::string(XDPDNS_TEST_ZONES) + "/signed/dnssec.test." + flavour + ".zone"});
		for (const char *name : {"host", "nothere", "x.a.b.ent", "ent", "b.ent", "x.wild", "a.b.wild",
					 "*.wild", "host.ins", "x.kid.deleg", "ins", "deleg", "www", "dangling",
					 "towild"}) {
			for (uint16_t type : {rrtype::a, rrtype::txt, rrtype::ds}) {
				for (bool edns : {false, true}) {
					const Bytes m = make_query({.name = std::string(name) + ".dnssec.test",
								    .type = type, .flags = 0, .edns = edns});
					Query q;
					ASSERT_EQ(parse_query(m, q), ParseResult::ok);
					Bytes a(max_message), b(max_message);
					a.resize(answer(*plain, q, Transport::udp, a).size);
					b.resize(answer(*sig, q, Transport::udp, b).size);
					EXPECT_EQ(a, b) << flavour << " " << name << " " << type;
				}
			}
		}
	}
}

}  // namespace
}  // namespace xdpdns::dns
