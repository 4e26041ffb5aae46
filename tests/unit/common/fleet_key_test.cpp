#include "common/cookie_key.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace xdpdns {
namespace {

std::string error_of(std::string_view text)
{
	auto r = parse_fleet_key(text, "k.txt");
	EXPECT_FALSE(r.ok()) << "accepted: " << text;
	return r ? std::string("<accepted>") : r.error().message;
}

TEST(FleetKey, ThirtyTwoHexDigitsAreTheKeyOctets)
{
	auto k = parse_fleet_key("000102030405060708090a0b0c0d0e0f\n", "k.txt");
	ASSERT_TRUE(k.ok()) << k.error().message;
	EXPECT_EQ(k->k0, 0x0706050403020100ull);
	EXPECT_EQ(k->k1, 0x0f0e0d0c0b0a0908ull);
	// The paper's key and empty message give the paper's first vector.
	EXPECT_EQ(siphash24(*k, {}), 0x726fdb47dd0e0e31ull);
	auto upper = parse_fleet_key("000102030405060708090A0B0C0D0E0F", "k.txt");
	ASSERT_TRUE(upper.ok());
	EXPECT_EQ(upper->k1, k->k1);
}

TEST(FleetKey, TwoWordsAreK0K1)
{
	for (const char *text : {"0706050403020100 0f0e0d0c0b0a0908",
				 "0x0706050403020100 0x0F0E0D0C0B0A0908\n",
				 "# fleet key of example.net\n\n   0706050403020100\t0f0e0d0c0b0a0908  # 2026\n\n"}) {
		auto k = parse_fleet_key(text, "k.txt");
		ASSERT_TRUE(k.ok()) << text << ": " << k.error().message;
		EXPECT_EQ(k->k0, 0x0706050403020100ull);
		EXPECT_EQ(k->k1, 0x0f0e0d0c0b0a0908ull);
	}
}

TEST(FleetKey, ClearErrors)
{
	EXPECT_EQ(error_of(""),
		  "fleet key k.txt: no key (expected 32 hex digits, or 'k0 k1' as two 16-digit hex words)");
	EXPECT_EQ(error_of("# only a comment\n"), error_of(""));
	EXPECT_EQ(error_of("000102030405060708090a0b0c0d0e0\n"),
		  "fleet key k.txt:1: expected 32 hex digits, got 31 characters");
	EXPECT_EQ(error_of("\n000102030405060708090a0b0c0d0eXY"),
		  "fleet key k.txt:2: '000102030405060708090a0b0c0d0eXY' is not hexadecimal");
	EXPECT_EQ(error_of("070605040302010 0f0e0d0c0b0a0908"),
		  "fleet key k.txt:1: 'k0 k1' must be two words of exactly 16 hex digits");
	EXPECT_EQ(error_of("0706050403020100 0f0e0d0c0b0a09zz"),
		  "fleet key k.txt:1: 'k0 k1' must be two words of exactly 16 hex digits");
	EXPECT_EQ(error_of("a b c"),
		  "fleet key k.txt:1: expected 32 hex digits, or 'k0 k1' as two 16-digit hex words; got 3 fields");
	EXPECT_EQ(error_of("000102030405060708090a0b0c0d0e0f\n# next\n000102030405060708090a0b0c0d0e0f\n"),
		  "fleet key k.txt:3: more than one key line (first on line 1)");
	EXPECT_EQ(error_of("00000000000000000000000000000000"), "fleet key k.txt:1: the key is all zero");
}

TEST(FleetKey, LoadsAFileAndNamesMissingOnes)
{
	char path[] = "/tmp/xdpdns-fleet-key-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	close(fd);
	{
		std::ofstream f(path);
		f << "# shared by ns1 and ns2\n0706050403020100 0f0e0d0c0b0a0908\n";
	}
	auto k = load_fleet_key_file(path);
	std::remove(path);
	ASSERT_TRUE(k.ok()) << k.error().message;
	EXPECT_EQ(k->k0, 0x0706050403020100ull);

	auto missing = load_fleet_key_file(path);
	ASSERT_FALSE(missing.ok());
	EXPECT_EQ(missing.error().message, std::string("fleet key ") + path + ": No such file or directory");
}

}  // namespace
}  // namespace xdpdns
