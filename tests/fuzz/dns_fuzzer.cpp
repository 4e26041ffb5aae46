// libFuzzer target for the per-query DNS code: parse_query(), the error and
// TC=1 writers, answer() from the example zone (UDP and TCP, full and small
// buffers) and the upstream codec (the input also plays an upstream reply).
// Besides the sanitizers, it checks properties every answer must have:
// it fits the buffer, is deterministic, and is a well-formed reply to the
// query (match_reply() accepts it, restore_reply() can walk all its records).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "dns/dns_cookie.h"
#include "dns/query.h"
#include "dns/response.h"
#include "dns/upstream_codec.h"
#include "dns/zone_backend.h"

using namespace xdpdns::dns;

namespace {

std::shared_ptr<const ZoneSet> zones;
bool selftest = false;

void check(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "dns_fuzzer: property violated: %s\n", what);
		std::abort();
	}
}

uint8_t out_a[max_message];
uint8_t out_b[max_message];
uint8_t out_c[max_message];

void check_answer(const Query &q, std::span<const uint8_t> ans, size_t cap)
{
	check(ans.size() <= cap, "answer larger than its buffer");
	if (ans.empty())
		return;
	check(ans.size() >= header_size, "answer shorter than a header");
	if (!q.has_question)
		return;  // header-only error answers: nothing more to check
	check(match_reply(ans, q.id, q), "answer does not match its query");
	const size_t n = restore_reply(ans, out_c, q, q.has_opt);
	check(n != 0, "answer is not a well-formed message");
}

void fuzz_answer(const Query &q, Transport t, size_t cap)
{
	const AnswerInfo a = answer(*zones, q, t, std::span<uint8_t>(out_a, cap));
	check_answer(q, {out_a, a.size}, cap);
	const AnswerInfo b = answer(*zones, q, t, std::span<uint8_t>(out_b, cap));
	check(a.size == b.size && std::memcmp(out_a, out_b, a.size) == 0, "answer is not deterministic");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	selftest = std::getenv("XDPDNS_FUZZ_SELFTEST") != nullptr;
	auto zone = load_zone(XDPDNS_EXAMPLE_ZONE);
	if (!zone) {
		std::fprintf(stderr, "dns_fuzzer: %s\n", zone.error().message.c_str());
		std::exit(2);
	}
	auto set = ZoneSet::build({*zone});
	if (!set) {
		std::fprintf(stderr, "dns_fuzzer: %s\n", set.error().message.c_str());
		std::exit(2);
	}
	zones = *set;
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// Proves that a crash fails the CTest run (tests/fuzz/CMakeLists.txt).
	if (selftest && size == 6 && std::memcmp(data, "crash!", 6) == 0)
		__builtin_trap();
	if (size > max_message)
		return 0;
	const std::span<const uint8_t> msg(data, size);

	Query q;
	const ParseResult r = parse_query(msg, q);
	switch (r) {
	case ParseResult::drop:
		check(size < header_size || (data[2] & 0x80), "dropped a query");
		break;
	case ParseResult::formerr:
		check_answer(q, {out_a, write_error(q, rcode::formerr, out_a)}, max_message);
		break;
	case ParseResult::notimp:
		check(q.opcode != opcode::query, "NOTIMP for a QUERY");
		write_error(q, rcode::notimp, out_a);
		break;
	case ParseResult::badvers:
		check(q.has_opt && q.edns_version > 0, "BADVERS without an OPT of version > 0");
		check(write_error(q, rcode::badvers, out_a) != 0, "BADVERS answer not written");
		break;
	case ParseResult::ok: {
		check(q.has_question && q.qname_len >= 1, "ok without a question");
		if (q.cookie_len || q.cookie_malformed) {
			// DNS Cookies: the answers below then carry our COOKIE.
			CookieSecrets secrets;
			secrets.current = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
			const uint8_t ip[4] = {192, 0, 2, 1};
			const CookieOutcome o = apply_cookie(q, secrets, ip, 1700000000, true, {true, true});
			check((o.verdict == CookieVerdict::malformed) == q.cookie_malformed, "cookie verdict");
			check(o.verdict == CookieVerdict::malformed || q.reply_cookie_len == 24, "no reply cookie");
			if (o.badcookie)
				check_answer(q, {out_a, write_badcookie(q, out_a)}, max_message);
		}
		check(q.udp_size >= min_udp_size, "UDP size below 512");
		const size_t tc = write_truncated(q, out_a);
		check(tc != 0, "TC=1 answer not written");
		check_answer(q, {out_a, tc}, max_message);
		fuzz_answer(q, Transport::udp, max_message);
		fuzz_answer(q, Transport::tcp, max_message);
		// A small buffer exercises the "does not fit" paths.
		fuzz_answer(q, Transport::udp, header_size + (size % 600));

		const size_t fwd = write_forward_query(q, 0x5a5a, out_b);
		check(fwd != 0, "forwarded query not written");
		Query fq;
		check(parse_query({out_b, fwd}, fq) == ParseResult::ok, "forwarded query does not parse");
		check(fq.has_opt && fq.udp_size == upstream_edns_size, "forwarded query lacks our OPT");
		// The input as an upstream reply to this query.
		if (match_reply(msg, q.id, q))
			restore_reply(msg, out_c, q, q.has_opt);
		break;
	}
	}
	// And the input as a reply to some query, whatever it was.
	tc_bit(msg);
	if (q.has_question) {
		restore_reply(msg, out_c, q, false);
		restore_reply(msg, std::span<uint8_t>(out_c, size % 512), q, true);
	}
	return 0;
}
