// The per-query path must not touch the heap: this binary replaces malloc,
// calloc and realloc (which operator new uses too) with counting ones, so C
// libraries are seen as well (OpenSSL's SHA-1 for NSEC3 hashes), hence its
// own executable; it runs parse_query(), answer(), the error/TC writers and
// the upstream codec over queries that reach every branch, DNSSEC proofs
// from NSEC, NSEC3 and NSEC3 opt-out zones included.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

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
	Bytes out(max_message), fwd(512), restored(max_message);

	// The counter works: one vector, one allocation.
	counting = true;
	{
		std::vector<int> probe(3);
		EXPECT_EQ(allocations.load(), 1u);
	}
	allocations = 0;

	size_t answered = 0;
	for (const Bytes &m : queries) {
		Query q;
		switch (parse_query(m, q)) {
		case ParseResult::ok:
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
	EXPECT_EQ(answered, 2 * sets.size() * (queries.size() - 2));
}

}  // namespace
}  // namespace xdpdns::dns
