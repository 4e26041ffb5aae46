#include "dns/zone_fast_rr.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <string>

#include "dns/wire.h"

// Last: ldns/common.h redefines bool/true/false.
#include <ldns/ldns.h>

namespace xdpdns::dns {

namespace {

constexpr uint32_t ldns_default_ttl = 3600;

bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

// Splits `line` at spaces and tabs (as ldns_bget_token with "\t\n ").
class Tokens {
public:
	explicit Tokens(std::string_view s) : s_(s) {}
	bool next(std::string_view &tok)
	{
		while (pos_ < s_.size() && is_blank(s_[pos_]))
			pos_++;
		if (pos_ == s_.size())
			return false;
		const size_t from = pos_;
		while (pos_ < s_.size() && !is_blank(s_[pos_]))
			pos_++;
		tok = s_.substr(from, pos_ - from);
		return true;
	}
	bool done()
	{
		std::string_view t;
		return !next(t);
	}
	// What follows the current token, leading blanks skipped (ends at the
	// line's end, so it is NUL-terminated).
	std::string_view rest()
	{
		while (pos_ < s_.size() && is_blank(s_[pos_]))
			pos_++;
		return s_.substr(pos_);
	}

private:
	std::string_view s_;
	size_t pos_ = 0;
};

bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '*';
}

bool iequals(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); i++) {
		char x = a[i];
		if (x >= 'a' && x <= 'z')
			x = static_cast<char>(x - 'a' + 'A');
		if (x != b[i])
			return false;
	}
	return true;
}

// Appends the wire form of a plain name ("www", "ns1.example.net."):
// letters, digits, '-', '_', '*' only; relative names end in origin.
bool put_name(std::string_view text, std::span<const uint8_t> origin, std::vector<uint8_t> &out)
{
	if (text == "@") {
		if (origin.empty())
			return false;
		out.insert(out.end(), origin.begin(), origin.end());
		return true;
	}
	if (text.empty() || text.size() > 253 || text[0] == '.')
		return false;
	const bool absolute = text.back() == '.';
	if (absolute)
		text.remove_suffix(1);
	const size_t start = out.size();
	size_t label_at = out.size();
	out.push_back(0);
	for (const char c : text) {
		if (c == '.') {
			const size_t len = out.size() - label_at - 1;
			if (len == 0 || len > 63)
				return false;
			out[label_at] = static_cast<uint8_t>(len);
			label_at = out.size();
			out.push_back(0);
		} else if (name_char(c)) {
			out.push_back(static_cast<uint8_t>(c));
		} else {
			return false;
		}
	}
	const size_t len = out.size() - label_at - 1;
	if (len == 0 || len > 63)
		return false;
	out[label_at] = static_cast<uint8_t>(len);
	if (absolute)
		out.push_back(0);
	else if (origin.empty())
		return false;  // no origin yet: ldns reports the relative name
	else
		out.insert(out.end(), origin.begin(), origin.end());
	return out.size() - start <= max_name_len;
}

// A decimal number of at most `digits` digits, no sign, no more than max.
bool number(std::string_view t, size_t digits, uint32_t max, uint32_t &v)
{
	if (t.empty() || t.size() > digits)
		return false;
	uint64_t x = 0;
	for (const char c : t) {
		if (c < '0' || c > '9')
			return false;
		x = x * 10 + static_cast<uint64_t>(c - '0');
	}
	if (x > max)
		return false;
	v = static_cast<uint32_t>(x);
	return true;
}

void put16(std::vector<uint8_t> &out, uint32_t v)
{
	out.push_back(static_cast<uint8_t>(v >> 8));
	out.push_back(static_cast<uint8_t>(v));
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool address(int family, std::string_view t, std::vector<uint8_t> &out)
{
	std::array<char, INET6_ADDRSTRLEN + 1> buf;
	if (t.size() >= buf.size())
		return false;
	std::memcpy(buf.data(), t.data(), t.size());
	buf[t.size()] = '\0';
	uint8_t bytes[16];
	if (inet_pton(family, buf.data(), bytes) != 1)
		return false;
	out.insert(out.end(), bytes, bytes + (family == AF_INET ? 4 : 16));
	return true;
}

// The type mnemonics of signed zones, then ldns's table (and TYPEnnn).
uint16_t any_type_code(std::string_view t)
{
	static constexpr struct {
		const char *name;
		uint16_t code;
	} common[] = {{"A", 1},	     {"NS", 2},	   {"CNAME", 5},      {"SOA", 6},     {"PTR", 12},
		      {"MX", 15},    {"TXT", 16},  {"AAAA", 28},      {"SRV", 33},    {"NAPTR", 35},
		      {"DNAME", 39}, {"DS", 43},   {"RRSIG", 46},     {"NSEC", 47},   {"DNSKEY", 48},
		      {"NSEC3", 50}, {"NSEC3PARAM", 51}, {"TLSA", 52}, {"CDS", 59},   {"CDNSKEY", 60},
		      {"SVCB", 64},  {"HTTPS", 65}, {"CAA", 257}};
	for (const auto &c : common)
		if (iequals(t, c.name))
			return c.code;
	char buf[32];
	if (t.empty() || t.size() >= sizeof buf)
		return 0;
	std::memcpy(buf, t.data(), t.size());
	buf[t.size()] = '\0';
	return static_cast<uint16_t>(ldns_get_rr_type_by_name(buf));
}

// YYYYMMDDHHmmSS as ldns_str2rdf_time reads it (the same range checks,
// days counted on from the 1st of the month as ldns_mktime_from_utc does).
bool put_time(std::string_view t, std::vector<uint8_t> &out)
{
	if (t.size() != 14)
		return false;
	for (const char c : t)
		if (c < '0' || c > '9')
			return false;
	auto num = [&](size_t at, size_t n) {
		int v = 0;
		for (size_t i = at; i < at + n; i++)
			v = v * 10 + (t[i] - '0');
		return v;
	};
	const int year = num(0, 4), mon = num(4, 2), mday = num(6, 2), hour = num(8, 2), min = num(10, 2),
		  sec = num(12, 2);
	if (year < 1970 || year > 2105 || mon < 1 || mon > 12 || mday < 1 || mday > 31 || hour > 23 ||
	    min > 59 || sec > 59)
		return false;
	// Days from 1970-01-01 to year-mon-01 (proleptic Gregorian).
	const int y = mon <= 2 ? year - 1 : year;
	const int era = y / 400;
	const int yoe = y - era * 400;
	const int mp = (mon + 9) % 12;
	const int doy = (153 * mp + 2) / 5;
	const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	const int64_t days = int64_t(era) * 146097 + doe - 719468 + (mday - 1);
	const auto v = static_cast<uint32_t>(days * 86400 + hour * 3600 + min * 60 + sec);
	put16(out, v >> 16);
	put16(out, v & 0xffff);
	return true;
}

// Base64 with blanks between the groups; strict (canonical padding, zero
// trailing bits), anything else left to ldns.
bool put_base64(std::string_view t, std::vector<uint8_t> &out)
{
	auto value = [](char c) -> int {
		if (c >= 'A' && c <= 'Z')
			return c - 'A';
		if (c >= 'a' && c <= 'z')
			return c - 'a' + 26;
		if (c >= '0' && c <= '9')
			return c - '0' + 52;
		if (c == '+')
			return 62;
		if (c == '/')
			return 63;
		return -1;
	};
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t n = 0;
	for (const char c : t) {
		if (is_blank(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		const int v = value(c);
		if (v < 0 || pad)
			return false;
		acc = acc << 6 | static_cast<uint32_t>(v);
		bits += 6;
		n++;
		if (bits >= 8) {
			bits -= 8;
			out.push_back(static_cast<uint8_t>(acc >> bits));
			acc &= (1u << bits) - 1;
		}
	}
	if (n == 0 || (n + static_cast<size_t>(pad)) % 4 != 0 || pad > 2 || acc != 0)
		return false;
	return (n % 4 == 0 && pad == 0) || (n % 4 == 2 && pad == 2) || (n % 4 == 3 && pad == 1);
}

// The NSEC3 next hashed owner: base32hex, a multiple of 8 characters
// (no padding), with its length octet.
bool put_base32hex(std::string_view t, std::vector<uint8_t> &out)
{
	if (t.empty() || t.size() % 8 != 0 || t.size() / 8 * 5 > 255)
		return false;
	out.push_back(static_cast<uint8_t>(t.size() / 8 * 5));
	uint64_t acc = 0;
	int bits = 0;
	for (const char c : t) {
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else
			return false;
		acc = acc << 5 | static_cast<uint64_t>(v);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out.push_back(static_cast<uint8_t>(acc >> bits));
			acc &= (uint64_t(1) << bits) - 1;
		}
	}
	return true;
}

// The type bitmap of NSEC/NSEC3 (RFC 4034 4.1.2): the rest of the line.
bool put_type_bitmap(Tokens &t, std::vector<uint8_t> &out)
{
	std::array<uint8_t, 256 * 32> bits{};
	std::array<bool, 256> used{};
	std::string_view tok;
	bool any = false;
	while (t.next(tok)) {
		const uint16_t type = any_type_code(tok);
		if (type == 0)
			return false;
		bits[type >> 3] |= static_cast<uint8_t>(0x80 >> (type & 7));
		used[type >> 8] = true;
		any = true;
	}
	if (!any)
		return false;
	for (size_t w = 0; w < 256; w++) {
		if (!used[w])
			continue;
		size_t len = 32;
		while (len > 0 && bits[w * 32 + len - 1] == 0)
			len--;
		out.push_back(static_cast<uint8_t>(w));
		out.push_back(static_cast<uint8_t>(len));
		out.insert(out.end(), bits.begin() + static_cast<long>(w * 32), bits.begin() + static_cast<long>(w * 32 + len));
	}
	return true;
}

// type covered, algorithm, labels, original TTL, expiration, inception,
// key tag, signer, signature (base64, the rest of the line).
bool rrsig(Tokens &t, std::span<const uint8_t> origin, std::vector<uint8_t> &out)
{
	std::string_view tok;
	uint32_t v;
	if (!t.next(tok) || (v = any_type_code(tok)) == 0)
		return false;
	put16(out, v);
	for (const size_t digits : {3u, 3u}) {
		if (!t.next(tok) || !number(tok, digits, 255, v))
			return false;
		out.push_back(static_cast<uint8_t>(v));
	}
	if (!t.next(tok) || !number(tok, 9, 999999999, v))
		return false;
	put16(out, v >> 16);
	put16(out, v & 0xffff);
	for (int i = 0; i < 2; i++) {
		// YYYYMMDDHHmmSS only (ldns also reads plain seconds).
		if (!t.next(tok) || !put_time(tok, out))
			return false;
	}
	if (!t.next(tok) || !number(tok, 5, 0xffff, v) )
		return false;
	put16(out, v);
	if (!t.next(tok) || !put_name(tok, origin, out))
		return false;
	return put_base64(t.rest(), out);
}

// hash algorithm, flags, iterations, salt, next hashed owner, types.
bool nsec3(Tokens &t, std::vector<uint8_t> &out)
{
	std::string_view tok;
	uint32_t v;
	for (const uint32_t max : {255u, 255u, 65535u}) {
		if (!t.next(tok) || !number(tok, 5, max, v))
			return false;
		if (max == 65535u)
			put16(out, v);
		else
			out.push_back(static_cast<uint8_t>(v));
	}
	if (!t.next(tok))
		return false;
	if (tok == "-") {
		out.push_back(0);
	} else {
		if (tok.size() % 2 != 0 || tok.size() > 510)
			return false;
		out.push_back(static_cast<uint8_t>(tok.size() / 2));
		for (size_t i = 0; i < tok.size(); i += 2) {
			const int hi = hex_value(tok[i]), lo = hex_value(tok[i + 1]);
			if (hi < 0 || lo < 0)
				return false;
			out.push_back(static_cast<uint8_t>(hi << 4 | lo));
		}
	}
	if (!t.next(tok) || !put_base32hex(tok, out))
		return false;
	return put_type_bitmap(t, out);
}

bool rdata(uint16_t type, Tokens &t, std::span<const uint8_t> origin, std::vector<uint8_t> &out)
{
	std::string_view a, b;
	switch (type) {
	case rrtype::a:
	case rrtype::aaaa:
		return t.next(a) && address(type == rrtype::a ? AF_INET : AF_INET6, a, out) && t.done();
	case rrtype::ns:
	case rrtype::cname:
	case rrtype::ptr:
		return t.next(a) && put_name(a, origin, out) && t.done();
	case rrtype::mx: {
		uint32_t pref;
		if (!t.next(a) || !number(a, 5, 0xffff, pref) || !t.next(b))
			return false;
		put16(out, pref);
		return put_name(b, origin, out) && t.done();
	}
	case rrtype::ds: {
		// key tag, algorithm and digest type as numbers; the digest in hex,
		// possibly cut by spaces (the last field takes the rest).
		uint32_t tag, alg, digest_type;
		std::string_view c;
		if (!t.next(a) || !number(a, 5, 0xffff, tag) || !t.next(b) || !number(b, 3, 255, alg) ||
		    !t.next(c) || !number(c, 3, 255, digest_type))
			return false;
		put16(out, tag);
		out.push_back(static_cast<uint8_t>(alg));
		out.push_back(static_cast<uint8_t>(digest_type));
		size_t nibbles = 0;
		int high = -1;
		std::string_view h;
		while (t.next(h)) {
			for (const char ch : h) {
				const int v = hex_value(ch);
				if (v < 0)
					return false;
				if (high < 0) {
					high = v;
				} else {
					out.push_back(static_cast<uint8_t>(high << 4 | v));
					high = -1;
				}
				nibbles++;
			}
		}
		return nibbles > 0 && high < 0 && nibbles / 2 <= 0xffff;
	}
	case rrtype::rrsig:
		return rrsig(t, origin, out);
	case rrtype::nsec3:
		return nsec3(t, out);
	default:
		return false;
	}
}

uint16_t type_code(std::string_view t)
{
	static constexpr struct {
		const char *name;
		uint16_t code;
	} known[] = {{"A", rrtype::a},	   {"NS", rrtype::ns},   {"CNAME", rrtype::cname}, {"PTR", rrtype::ptr},
		     {"MX", rrtype::mx},   {"AAAA", rrtype::aaaa}, {"DS", rrtype::ds},
		     {"RRSIG", rrtype::rrsig}, {"NSEC3", rrtype::nsec3}};
	for (const auto &k : known)
		if (iequals(t, k.name))
			return k.code;
	return 0;
}

// ldns's classes (and CLASSnnn): a token that is one of them is a class.
bool is_class_name(std::string_view t)
{
	for (const char *c : {"IN", "CH", "HS", "NONE", "ANY", "CS"})
		if (iequals(t, c))
			return true;
	return t.size() > 5 && iequals(t.substr(0, 5), "CLASS");
}

}  // namespace

bool fast_parse_record(std::string_view line, std::span<const uint8_t> origin, uint32_t default_ttl,
		       std::span<const uint8_t> prev, FastRecord &out)
{
	if (line.empty())
		return false;
	Tokens t(line);
	std::string_view owner, tok;
	out.owner.clear();
	if (is_blank(line[0])) {
		// No owner: the previous record's (ldns: else the origin).
		if (prev.empty() || !t.next(tok))
			return false;
		out.owner.assign(prev.begin(), prev.end());
		out.owner_set = false;
	} else {
		if (!t.next(owner) || !t.next(tok))
			return false;
		if (owner[0] == '@' && owner.size() > 1)
			return false;
		if (!put_name(owner, origin, out.owner))
			return false;
		out.owner_set = true;
	}

	if (tok[0] >= '0' && tok[0] <= '9') {
		if (!number(tok, 9, 999999999, out.ttl) || !t.next(tok))
			return false;
	} else {
		out.ttl = default_ttl ? default_ttl : ldns_default_ttl;
	}
	out.rrclass = rrclass::in;
	if (iequals(tok, "IN")) {
		if (!t.next(tok))
			return false;
	} else if (is_class_name(tok)) {
		return false;
	}
	out.type = type_code(tok);
	if (out.type == 0)
		return false;
	out.rdata.clear();
	return rdata(out.type, t, origin, out.rdata);
}

}  // namespace xdpdns::dns
