// The per-query path must not touch the heap: this binary replaces malloc,
// calloc and realloc (which operator new uses too) with counting ones, so C
// libraries are seen as well (OpenSSL's SHA-1 for NSEC3 hashes), hence its
// own executable; it runs parse_query(), answer(), the error/TC writers and
// the upstream codec over queries that reach every branch, DNSSEC proofs
// from NSEC, NSEC3 and NSEC3 opt-out zones included, and DNS Cookies
// (apply_cookie, BADCOOKIE) for queries with every kind of COOKIE option.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "dns/dns_cookie.h"
#include "dns/query.h"
#include "dns/response.h"
#include "dns/upstream_codec.h"
#include "dns/zone_backend.h"
#include "test_support.h"

// The replacements below pair malloc with free, which GCC cannot see
// through operator new.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> counting{false};
std::atomic<size_t> allocations{0};
}  // namespace

extern "C" {
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

static void count_allocation()
{
	if (counting.load(std::memory_order_relaxed))
		allocations.fetch_add(1, std::memory_order_relaxed);
}
void *malloc(size_t n)
{
	count_allocation();
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
	count_allocation();
	return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
	count_allocation();
	return __libc_realloc(p, n);
}
}

void *operator new(size_t n)
{
	if (void *p = std::malloc(n ? n : 1))
		return p;
	throw std::bad_alloc();
}
void *operator new[](size_t n)
{
	return operator new(n);
}
void operator delete(void *p) noexcept
{
	std::free(p);
}
void operator delete[](void *p) noexcept
{
	std::free(p);
}
void operator delete(void *p, size_t) noexcept
{
	std::free(p);
}
void operator delete[](void *p, size_t) noexcept
{
	std::free(p);
}

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::make_query;
using test::QuerySpec;

TEST(NoAllocation, PerQueryPath)
{
	const std::string dir = XDPDNS_TEST_ZONES;
	auto zones = test::load_set({dir + "/zone.test.zone", dir + "/inner.zone.test.zone", XDPDNS_EXAMPLE_ZONE,
				     dir + "/dname.test.zone", dir + "/other.test.zone", dir + "/apex.test.zone"});
	ASSERT_TRUE(zones);
	// DNAME: synthesis, chains across zones, loops, YXDOMAIN.
	const std::string yxdomain = std::string(63, 'l') + "." + std::string(51, 'l') + ".long.dname.test";
	std::vector<std::shared_ptr<const ZoneSet>> sets = {zones};
	for (const char *flavour : {"nsec", "nsec3", "nsec3-optout"})
		sets.push_back(test::load_set({dir + "/signed/dnssec.test." + flavour + ".zone"}));
	std::vector<Bytes> queries;
	for (const char *name : {"www.zone.test", "WwW.ZoNe.TeSt", "nothere.zone.test", "c.zone.test",
				 "alias2.zone.test", "loop1.zone.test", "c01.zone.test", "x.wild.zone.test",
				 "q.wc.zone.test", "host.sub.zone.test", "to-sub.zone.test", "signed.zone.test",
				 "zone.test", "host.inner.zone.test", "nowhere.invalid", "big4000.example.test",
				 "x.y.wild.example.test", "WwW.D.dname.test", "hop.other.dname.test", "to-d.dname.test",
				 "www.back.other.test", "a.loop1.dname.test", "a.self.dname.test", "www.apex.test",
				 "www.signed.dname.test", "host.cut.d.dname.test", yxdomain.c_str()}) {
		for (uint16_t type : {rrtype::a, rrtype::txt, rrtype::ns, rrtype::ds, rrtype::any, rrtype::rrsig,
				      rrtype::cname, rrtype::dname, rrtype::axfr}) {
			queries.push_back(make_query({.name = name, .type = type}));
			queries.push_back(make_query({.name = name, .type = type, .edns = true, .do_bit = true}));
		}
	}
	// Every proof kind (tests/unit/dns/zones/dnssec.test.zone).
	for (const char *name : {"host", "nothere", "x.y.host", "ent", "x.wild", "a.b.wild", "*.wild",
				 "host.ins", "ins", "x.kid.deleg", "deleg", "secure", "www", "dangling", "towild",
				 "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"}) {
		for (uint16_t type : {rrtype::a, rrtype::txt, rrtype::ds, rrtype::nsec3}) {
			const std::string n = std::string(name) + ".dnssec.test";
			queries.push_back(make_query({.name = n, .type = type, .edns = true, .do_bit = true}));
			queries.push_back(make_query({.name = n, .type = type}));
		}
	}
	queries.push_back(make_query({.name = "www.zone.test", .edns = true, .version = 1}));
	queries.push_back(Bytes(12, 0));

	// DNS Cookies: client only, a valid server cookie (made before the
	// counting starts), a forged one, an unknown version, a malformed length.
	CookieSecrets secrets;
	secrets.current = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
	secrets.accepted[0] = {1, 2};
	secrets.accepted_count = 1;
	const uint8_t client_ip[4] = {192, 0, 2, 7};
	const uint32_t now = 1700000000;
	const CookiePolicy require{true, true};
	auto with_cookie = [](const char *name, const Bytes &cookie) {
		Bytes m = make_query({.name = name, .type = rrtype::a});
		Bytes rdata = {0, 10, 0, static_cast<uint8_t>(cookie.size())};
		rdata.insert(rdata.end(), cookie.begin(), cookie.end());
		test::append_opt(m, 1232, 0, false, rdata);
		return m;
	};
	const Bytes client = {1, 2, 3, 4, 5, 6, 7, 8};
	Bytes valid;
	{
		Bytes first = with_cookie("www.zone.test", client);
		Query q;
		EXPECT_EQ(parse_query(first, q), ParseResult::ok);
		apply_cookie(q, secrets, client_ip, now, true, {});
		valid.assign(q.reply_cookie.begin(), q.reply_cookie.begin() + q.reply_cookie_len);
	}
	Bytes forged = valid;
	forged.back() ^= 1;
	Bytes version2 = valid;
	version2[8] = 2;
	const size_t cookie_queries_from = queries.size();
	for (const char *name : {"www.zone.test", "big4000.example.test", "nothere.zone.test", "nowhere.invalid"})
		for (const Bytes &c : {client, valid, forged, version2, Bytes(12, 9), Bytes(41, 9)})
			queries.push_back(with_cookie(name, c));
	Bytes out(max_message), fwd(512), restored(max_message);

	// The counter works: one vector, one allocation.
	counting = true;
	{
		std::vector<int> probe(3);
		EXPECT_EQ(allocations.load(), 1u);
	}
	allocations = 0;

	size_t answered = 0, cookies_checked = 0;
	for (const Bytes &m : queries) {
		Query q;
		switch (parse_query(m, q)) {
		case ParseResult::ok:
			if (q.cookie_len || q.cookie_malformed) {
				const CookieOutcome o = apply_cookie(q, secrets, client_ip, now, true, require);
				cookies_checked++;
				if (o.verdict == CookieVerdict::malformed)
					write_error(q, rcode::formerr, out);
				else if (o.badcookie)
					write_badcookie(q, out);
				apply_cookie(q, secrets, client_ip, now, false, require);  // TCP: answered
			}
			for (const auto &set : sets) {
				for (Transport t : {Transport::udp, Transport::tcp}) {
					const AnswerInfo a = answer(*set, q, t, out);
					answered += a.size != 0;
					restore_reply({out.data(), a.size}, restored, q, q.has_opt);
				}
			}
			write_truncated(q, out);
			write_forward_query(q, 1, fwd);
			match_reply(out, q.id, q);
			break;
		case ParseResult::badvers:
			write_error(q, rcode::badvers, out);
			break;
		default:
			write_error(q, rcode::formerr, out);
		}
	}
	counting = false;
	EXPECT_EQ(allocations.load(), 0u);
	EXPECT_EQ(cookies_checked, queries.size() - cookie_queries_from);
	EXPECT_EQ(answered, 2 * sets.size() * (queries.size() - 2));
}

}  // namespace
}  // namespace xdpdns::dns
