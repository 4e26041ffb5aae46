#include "common/cookie_key.h"

#include <xdpdns/cookie.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace xdpdns {
namespace {

// Key 00 01 .. 0f of the SipHash paper: k0, k1 are its little-endian halves.
constexpr xdpdns_siphash_key kPaperKey = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

// Message of n octets 00 01 .. (n-1), as little-endian 64-bit words.
std::vector<std::uint64_t> paper_message(unsigned n)
{
	std::vector<std::uint64_t> w(n / 8);
	for (unsigned i = 0; i < n; i++)
		w[i / 8] |= std::uint64_t{i} << (8 * (i % 8));
	return w;
}

// The published SipHash-2-4 vectors (reference implementation, vectors.h,
// as 64-bit little-endian values) for the lengths our word interface takes.
TEST(SipHash, PaperVectorsForWholeWordLengths)
{
	const struct {
		unsigned len;
		std::uint64_t hash;
	} vectors[] = {
		{0, 0x726fdb47dd0e0e31ull},  {8, 0x93f5f5799a932462ull},  {16, 0x3f2acc7f57c29bdbull},
		{24, 0xb8ad50c6f649af94ull}, {32, 0x7127512f72f27cceull}, {40, 0x0e3ea96b5304a7d0ull},
		{48, 0xe612a3cb9ecba951ull}, {56, 0xb78dbfaf3a8d83bdull},
	};
	for (const auto &v : vectors) {
		auto msg = paper_message(v.len);
		EXPECT_EQ(siphash24(kPaperKey, msg), v.hash) << "length " << v.len;
	}
}

// The cookie message is a SipHash-2-4 octet string of 17 (IPv4) or 41
// (IPv6) octets; inputs whose message is the paper's 00 01 .. (n-1) must
// hash to the paper's vectors for those lengths.
TEST(SipHash, CookieMessagesHashAsThePaperSays)
{
	xdpdns_cookie_input in{};
	// IPv4: ::ffff:0.1.2.3 -> ::ffff:4.5.6.7, ports 0x0809 / 0x0a0b,
	// epoch octets 0c 0d 0e 0f, MSS index octet 0x10.
	in.client_addr[10] = in.client_addr[11] = 0xff;
	in.server_addr[10] = in.server_addr[11] = 0xff;
	for (int i = 0; i < 4; i++) {
		in.client_addr[12 + i] = static_cast<std::uint8_t>(i);
		in.server_addr[12 + i] = static_cast<std::uint8_t>(4 + i);
	}
	in.client_port = htons(0x0809);
	in.server_port = htons(0x0a0b);
	in.epoch = 0x0f0e0d0c;
	in.mss_index = 0x10;
	ASSERT_TRUE(xdpdns_cookie_input_v4(&in));
	EXPECT_EQ(xdpdns_cookie_hash(&kPaperKey, &in), 0x699ae9f52cbe4794ull);  // vector 17

	// IPv6: addresses 00..0f and 10..1f, ports 0x2021 / 0x2223, epoch
	// octets 24..27, MSS index octet 0x28.
	for (int i = 0; i < 16; i++) {
		in.client_addr[i] = static_cast<std::uint8_t>(i);
		in.server_addr[i] = static_cast<std::uint8_t>(16 + i);
	}
	in.client_port = htons(0x2021);
	in.server_port = htons(0x2223);
	in.epoch = 0x27262524;
	in.mss_index = 0x28;
	ASSERT_FALSE(xdpdns_cookie_input_v4(&in));
	EXPECT_EQ(xdpdns_cookie_hash(&kPaperKey, &in), 0xad0c42d6fc585992ull);  // vector 41
}

TEST(SipHash, KeyMatters)
{
	auto msg = paper_message(48);
	xdpdns_siphash_key other = kPaperKey;
	other.k1 ^= 1;
	EXPECT_NE(siphash24(kPaperKey, msg), siphash24(other, msg));
}

CookieTuple tuple_v4()
{
	CookieTuple t;
	in_addr a;
	inet_pton(AF_INET, "192.0.2.1", &a);
	t.client_addr[10] = t.client_addr[11] = 0xff;
	std::memcpy(&t.client_addr[12], &a, 4);
	inet_pton(AF_INET, "198.51.100.53", &a);
	t.server_addr[10] = t.server_addr[11] = 0xff;
	std::memcpy(&t.server_addr[12], &a, 4);
	t.client_port = 40000;
	t.server_port = 53;
	return t;
}

xdpdns_keys three_keys()
{
	xdpdns_keys k{};
	k.current = 1;
	k.slot[0] = {0x1111111111111111ull, 0x2222222222222222ull};
	k.slot[1] = {0x3333333333333333ull, 0x4444444444444444ull};
	k.slot[2] = {0x5555555555555555ull, 0x6666666666666666ull};
	return k;
}

// The short form needs both addresses IPv4-mapped.
TEST(SipHash, ShortFormOnlyForTwoMappedAddresses)
{
	auto v4_form = [](const CookieTuple &t) {
		const xdpdns_cookie_input in = cookie_input(t, 1, 1);
		return xdpdns_cookie_input_v4(&in) != 0;
	};
	const CookieTuple t = tuple_v4();
	EXPECT_TRUE(v4_form(t));
	CookieTuple u = t;
	u.server_addr[11] = 0xfe;  // ::fffe:...: not mapped
	EXPECT_FALSE(v4_form(u));
	u = t;
	u.client_addr[0] = 0x20;
	EXPECT_FALSE(v4_form(u));
	u = t;
	u.client_addr[9] = 1;
	EXPECT_FALSE(v4_form(u));
}

TEST(Cookie, InputLayoutHasPortsInNetworkOrder)
{
	xdpdns_cookie_input in = cookie_input(tuple_v4(), 7, 3);
	auto *bytes = reinterpret_cast<const std::uint8_t *>(&in);
	EXPECT_EQ(bytes[32], 40000 >> 8);
	EXPECT_EQ(bytes[33], 40000 & 0xff);
	EXPECT_EQ(bytes[34], 0);
	EXPECT_EQ(bytes[35], 53);
	EXPECT_EQ(in.epoch, 7u);
	EXPECT_EQ(in.mss_index, 3u);
	EXPECT_EQ(in.pad, 0u);
	EXPECT_EQ(std::memcmp(in.client_addr, tuple_v4().client_addr.data(), 16), 0);
}

// The cookie is the documented function of the hash: top 28 bits of
// SipHash over the message, MSS index, epoch bit. The IPv4 message, 17
// octets: 192.0.2.1, 198.51.100.53, ports 40000 and 53, epoch
// little-endian, MSS index: two whole words and a tail octet.
TEST(Cookie, LayoutIsHashMssIndexEpochBit)
{
	xdpdns_keys keys = three_keys();
	const auto &key = keys.slot[keys.current];
	CookieTuple t = tuple_v4();
	for (std::uint32_t epoch : {1000u, 1001u}) {
		std::uint32_t c = make_cookie(key, t, epoch, 1460);
		xdpdns_cookie_input in = cookie_input(t, epoch, 6);  // 1460 is table entry 6
		const std::uint8_t msg[17] = {192, 0, 2, 1, 198, 51, 100, 53, 40000 >> 8, 40000 & 0xff, 0, 53,
					      static_cast<std::uint8_t>(epoch), static_cast<std::uint8_t>(epoch >> 8), 0, 0, 6};
		std::uint64_t w0 = 0, w1 = 0;
		for (int i = 7; i >= 0; i--) {
			w0 = w0 << 8 | msg[i];
			w1 = w1 << 8 | msg[8 + i];
		}
		xdpdns_sip s;
		xdpdns_sip_init(&s, &key);
		xdpdns_sip_block(&s, w0);
		xdpdns_sip_block(&s, w1);
		const std::uint64_t h = xdpdns_sip_final(&s, 17, msg[16]);
		EXPECT_EQ(xdpdns_cookie_hash(&key, &in), h);
		EXPECT_EQ(c, (static_cast<std::uint32_t>(h) & 0xfffffff0u) | (6u << 1) | (epoch & 1));
	}
}

TEST(Cookie, CheckAcceptsCurrentAndPreviousEpochOnly)
{
	xdpdns_keys keys = three_keys();
	CookieTuple t = tuple_v4();
	const std::uint32_t epoch = 123456;
	std::uint32_t c = make_cookie(keys.slot[keys.current], t, epoch, 1460);
	EXPECT_EQ(check_cookie(keys, t, c, epoch), 1460u);
	EXPECT_EQ(check_cookie(keys, t, c, epoch + 1), 1460u);
	EXPECT_EQ(check_cookie(keys, t, c, epoch + 2), 0u);
	EXPECT_EQ(check_cookie(keys, t, c, epoch - 1), 0u);
}

TEST(Cookie, CheckAcceptsCurrentAndPreviousKeyOnly)
{
	xdpdns_keys keys = three_keys();  // current 1: previous 0, oldest 2
	CookieTuple t = tuple_v4();
	const std::uint32_t epoch = 77;
	EXPECT_EQ(check_cookie(keys, t, make_cookie(keys.slot[1], t, epoch, 1220), epoch), 1220u);
	EXPECT_EQ(check_cookie(keys, t, make_cookie(keys.slot[0], t, epoch, 1220), epoch), 1220u);
	EXPECT_EQ(check_cookie(keys, t, make_cookie(keys.slot[2], t, epoch, 1220), epoch), 0u);
	keys.current = 0;  // previous wraps to slot 2
	EXPECT_EQ(check_cookie(keys, t, make_cookie(keys.slot[2], t, epoch, 1220), epoch), 1220u);
	keys.current = 3;  // corrupt index: nothing validates
	EXPECT_EQ(check_cookie(keys, t, make_cookie(keys.slot[0], t, epoch, 1220), epoch), 0u);
}

TEST(Cookie, AnyTupleChangeInvalidates)
{
	xdpdns_keys keys = three_keys();
	const CookieTuple t = tuple_v4();
	std::uint32_t c = make_cookie(keys.slot[keys.current], t, 5, 1460);
	CookieTuple u = t;
	u.client_port++;
	EXPECT_EQ(check_cookie(keys, u, c, 5), 0u);
	u = t;
	u.server_port = 5353;
	EXPECT_EQ(check_cookie(keys, u, c, 5), 0u);
	u = t;
	u.client_addr[15] ^= 1;
	EXPECT_EQ(check_cookie(keys, u, c, 5), 0u);
	u = t;
	u.server_addr[12] ^= 0x80;
	EXPECT_EQ(check_cookie(keys, u, c, 5), 0u);
	EXPECT_EQ(check_cookie(keys, t, c ^ 0x100, 5), 0u);
}

TEST(Cookie, MssRoundsDownToTheTable)
{
	xdpdns_keys keys = three_keys();
	CookieTuple t = tuple_v4();
	const struct {
		std::uint32_t announced, carried;
	} cases[] = {{64, 64},     {100, 64},    {300, 256},   {535, 256},   {536, 536},
		     {1219, 536},  {1220, 1220}, {1400, 1360}, {1500, 1460}, {1460, 1460},
		     {9000, 8960}, {65535, 8960}};
	for (const auto &c : cases) {
		std::uint32_t cookie = make_cookie(keys.slot[keys.current], t, 9, c.announced);
		EXPECT_EQ(check_cookie(keys, t, cookie, 9), c.carried) << c.announced;
	}
}

TEST(Cookie, RandomTuplesRoundTrip)
{
	std::mt19937_64 rng(42);
	xdpdns_keys keys = three_keys();
	for (int i = 0; i < 1000; i++) {
		CookieTuple t;
		for (auto &b : t.client_addr)
			b = static_cast<std::uint8_t>(rng());
		for (auto &b : t.server_addr)
			b = static_cast<std::uint8_t>(rng());
		t.client_port = static_cast<std::uint16_t>(rng());
		t.server_port = static_cast<std::uint16_t>(rng());
		auto epoch = static_cast<std::uint32_t>(rng() | 2);
		std::uint32_t c = make_cookie(keys.slot[keys.current], t, epoch, 1440);
		ASSERT_EQ(check_cookie(keys, t, c, epoch), 1440u);
		ASSERT_EQ(check_cookie(keys, t, c, epoch + 2), 0u);
	}
}

TEST(Epoch, DividesRealtimeSecondsByTheEpochLength)
{
	EXPECT_EQ(epoch_of(640ull * 1000000000ull, 64), 10u);
	EXPECT_EQ(epoch_of(640ull * 1000000000ull - 1, 64), 9u);
	EXPECT_EQ(epoch_of(640ull * 1000000000ull, 0), 10u);  // 0: the default 64 s
	// 2024-01-01T00:00:00Z, 1704067200 s: 26,626,050 epochs of 64 s.
	EXPECT_EQ(epoch_of(1704067200ull * 1000000000ull, 64), 26626050u);
	EXPECT_EQ(epoch_of(1704067200ull * 1000000000ull, 1), 1704067200u);
}

TEST(Epoch, MillisecondsToTheNextBoundary)
{
	EXPECT_EQ(ms_to_next_epoch(640ull * 1000000000ull, 64), 64000u);  // on a boundary: a whole epoch
	EXPECT_EQ(ms_to_next_epoch(703ull * 1000000000ull, 64), 1000u);
	EXPECT_EQ(ms_to_next_epoch(703999999999ull, 64), 1u);  // rounded up: never early
	EXPECT_EQ(ms_to_next_epoch(703999000001ull, 64), 1u);
	EXPECT_EQ(ms_to_next_epoch(703998999999ull, 64), 2u);
	EXPECT_EQ(ms_to_next_epoch(5ull * 1000000000ull + 1, 0), 59000u);  // 0: the default 64 s
}

TEST(RandomKeys, ThreeDistinctSlotsCurrentZero)
{
	auto k = random_keys();
	ASSERT_TRUE(k.ok()) << k.error().message;
	EXPECT_EQ(k->current, 0u);
	EXPECT_EQ(k->generation, 0u);
	EXPECT_NE(std::memcmp(&k->slot[0], &k->slot[1], sizeof(k->slot[0])), 0);
	EXPECT_NE(std::memcmp(&k->slot[1], &k->slot[2], sizeof(k->slot[0])), 0);
	auto a = random_key(), b = random_key();
	ASSERT_TRUE(a.ok() && b.ok());
	EXPECT_FALSE(a->k0 == b->k0 && a->k1 == b->k1);
}

}  // namespace
}  // namespace xdpdns
