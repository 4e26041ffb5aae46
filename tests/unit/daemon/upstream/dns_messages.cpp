#include "dns_messages.h"

#include "dns/wire.h"

#include <gtest/gtest.h>

namespace xdpdns::daemon::test {

namespace {

void put16(Bytes &b, std::uint16_t v)
{
	b.push_back(static_cast<std::uint8_t>(v >> 8));
	b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes &b, std::uint32_t v)
{
	put16(b, static_cast<std::uint16_t>(v >> 16));
	put16(b, static_cast<std::uint16_t>(v));
}

void set16(Bytes &b, std::size_t off, std::uint16_t v)
{
	b[off] = static_cast<std::uint8_t>(v >> 8);
	b[off + 1] = static_cast<std::uint8_t>(v);
}

void put_opt(Bytes &b, std::uint16_t cls, bool do_bit)
{
	b.push_back(0);
	put16(b, 41);
	put16(b, cls);
	put32(b, do_bit ? 0x8000u : 0u);
	put16(b, 0);
}

// Skips a possibly compressed name (test data only: no loop checks).
std::size_t skip_name(std::span<const std::uint8_t> m, std::size_t off)
{
	while (off < m.size()) {
		const std::uint8_t l = m[off];
		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2;
		off += 1 + l;
	}
	return m.size();
}

}  // namespace

Bytes wire_name(std::string_view text)
{
	Bytes out;
	while (!text.empty()) {
		const std::size_t dot = text.find('.');
		const std::string_view label = text.substr(0, dot);
		out.push_back(static_cast<std::uint8_t>(label.size()));
		out.insert(out.end(), label.begin(), label.end());
		if (dot == std::string_view::npos)
			break;
		text.remove_prefix(dot + 1);
	}
	out.push_back(0);
	return out;
}

Bytes make_query(const QuerySpec &spec)
{
	Bytes m;
	put16(m, spec.id);
	put16(m, spec.flags);
	put16(m, 1);
	put16(m, 0);
	put16(m, 0);
	put16(m, spec.opt ? 1 : 0);
	const Bytes name = wire_name(spec.name);
	m.insert(m.end(), name.begin(), name.end());
	put16(m, spec.type);
	put16(m, 1);
	if (spec.opt)
		put_opt(m, spec.bufsize, spec.do_bit);
	return m;
}

dns::Query parse(const Bytes &msg)
{
	dns::Query q;
	EXPECT_EQ(dns::parse_query(msg, q), dns::ParseResult::ok);
	return q;
}

Bytes make_answer(std::span<const std::uint8_t> query, const AnswerSpec &spec)
{
	Bytes question = question_of(query);
	if (spec.lowercase)
		for (std::size_t i = 0; i + 4 < question.size(); i++)
			question[i] = dns::ascii_lower(question[i]);
	Bytes m;
	m.reserve(spec.big + 1024);  // also keeps g++ 12 from a false -Warray-bounds
	m.assign(query.begin(), query.begin() + 12);
	const std::uint16_t flags = static_cast<std::uint16_t>(
		(u16(query, 2) & ~dns::flag::rcode_mask) | dns::flag::qr | dns::flag::ra |
		(spec.tc ? dns::flag::tc : 0) | spec.rcode);
	set16(m, 2, flags);
	set16(m, 4, 1);
	set16(m, 6, 0);
	set16(m, 8, 0);
	set16(m, 10, spec.opt ? 1 : 0);
	m.insert(m.end(), question.begin(), question.end());
	std::uint16_t an = 0;
	if (spec.tc || spec.rcode) {
		// no records
	} else if (spec.big == 0) {
		put16(m, 0xc00c);
		put16(m, 1);
		put16(m, 1);
		put32(m, 300);
		put16(m, 4);
		m.insert(m.end(), {192, 0, 2, 53});
		an = 1;
	} else {
		std::uint8_t fill = 'a';
		while (m.size() < spec.big) {
			put16(m, 0xc00c);
			put16(m, 16);
			put16(m, 1);
			put32(m, 300);
			put16(m, 256);
			m.push_back(255);
			m.insert(m.end(), 255, fill);
			fill = fill == 'z' ? 'a' : static_cast<std::uint8_t>(fill + 1);
			an++;
		}
	}
	set16(m, 6, an);
	if (spec.opt)
		put_opt(m, spec.opt_class, spec.opt_do);
	return m;
}

std::uint16_t u16(std::span<const std::uint8_t> msg, std::size_t off)
{
	return static_cast<std::uint16_t>(msg[off] << 8 | msg[off + 1]);
}

Bytes question_of(std::span<const std::uint8_t> msg)
{
	const std::size_t end = skip_name(msg, 12) + 4;
	return Bytes(msg.begin() + 12, msg.begin() + static_cast<std::ptrdiff_t>(end));
}

std::size_t find_opt(std::span<const std::uint8_t> msg)
{
	std::size_t pos = skip_name(msg, 12) + 4;
	const unsigned counts = u16(msg, 6) + u16(msg, 8);
	const unsigned ar = u16(msg, 10);
	for (unsigned i = 0; i < counts + ar && pos < msg.size(); i++) {
		const std::size_t owner = pos;
		pos = skip_name(msg, pos);
		if (pos + 10 > msg.size())
			return 0;
		if (i >= counts && u16(msg, pos) == 41)
			return owner;
		pos += 10 + u16(msg, pos + 8);
	}
	return 0;
}

}  // namespace xdpdns::daemon::test
