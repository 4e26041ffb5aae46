#include "dns/zone_fast_rr.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "dns/wire.h"

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
		     {"MX", rrtype::mx},   {"AAAA", rrtype::aaaa}, {"DS", rrtype::ds}};
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
		       FastRecord &out)
{
	if (origin.empty() || line.empty() || is_blank(line[0]))
		return false;
	Tokens t(line);
	std::string_view owner, tok;
	if (!t.next(owner) || !t.next(tok))
		return false;
	if (owner[0] == '@' && owner.size() > 1)
		return false;
	out.owner.clear();
	if (!put_name(owner, origin, out.owner))
		return false;
	out.owner_set = true;

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
