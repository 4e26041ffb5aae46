#include "daemon/secondary/notify.h"

#include "daemon/secondary/wire_walk.h"
#include "dns/wire.h"
#include "dns/zone.h"

#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace xdpdns::secondary {

namespace {

net::IpAddress address_of(const Endpoint &e)
{
	if (e.family() == AF_INET) {
		const auto *sin = reinterpret_cast<const sockaddr_in *>(&e.addr);
		std::array<std::uint8_t, 4> v4;
		std::memcpy(v4.data(), &sin->sin_addr, 4);
		return net::IpAddress::from_v4(v4);
	}
	const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(&e.addr);
	std::array<std::uint8_t, 16> v6;
	std::memcpy(v6.data(), &sin6->sin6_addr, 16);
	return net::IpAddress::from_v6(v6);
}

}  // namespace

NotifyCheck::NotifyCheck(const std::vector<ZoneSpec> &zones, std::function<void(std::size_t)> wake)
	: wake_(std::move(wake))
{
	for (const ZoneSpec &z : zones) {
		Entry e{z.origin, {}, z.key};
		for (const Endpoint &p : z.primaries)
			e.primaries.push_back(address_of(p));
		zones_.push_back(std::move(e));
	}
}

NotifyCheck::Outcome NotifyCheck::handle(std::span<const std::uint8_t> msg, const net::IpAddress &from,
					 std::span<std::uint8_t> out, std::uint64_t now_s) const
{
	// The header and the question, as the answer echoes them.
	if (msg.size() < dns::header_size)
		return {};
	std::size_t qend = dns::header_size;
	std::vector<std::uint8_t> qname;
	const bool has_question = dns::load_be16(msg.data() + dns::hdr::qdcount) == 1 &&
				  read_name(msg, qend, &qname) && qend + 4 <= msg.size();
	if (has_question)
		qend += 4;
	else
		qend = dns::header_size;

	std::vector<std::uint8_t> answer(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(qend));
	auto finish = [&](std::uint8_t rcode, bool aa, std::span<const std::uint8_t> request_mac,
			  const TsigKey *key) -> std::size_t {
		const std::uint16_t flags = dns::load_be16(msg.data() + dns::hdr::flags);
		std::uint16_t f = static_cast<std::uint16_t>(dns::flag::qr | (flags & dns::flag::opcode_mask) | rcode);
		if (aa)
			f |= dns::flag::aa;
		dns::store_be16(answer.data() + dns::hdr::flags, f);
		dns::store_be16(answer.data() + dns::hdr::qdcount, has_question ? 1 : 0);
		dns::store_be16(answer.data() + dns::hdr::ancount, 0);
		dns::store_be16(answer.data() + dns::hdr::nscount, 0);
		dns::store_be16(answer.data() + dns::hdr::arcount, 0);
		if (key)
			tsig_sign(answer, *key, request_mac, now_s);
		if (answer.size() > out.size())
			return 0;
		std::memcpy(out.data(), answer.data(), answer.size());
		return answer.size();
	};

	if (!has_question)
		return {Verdict::refused, finish(dns::rcode::formerr, false, {}, nullptr)};
	const Entry *zone = nullptr;
	std::size_t index = 0;
	for (std::size_t i = 0; i < zones_.size(); i++)
		if (zones_[i].origin == qname) {
			zone = &zones_[i];
			index = i;
		}
	const auto from_text = net::format_address(from);
	if (!zone) {
		spdlog::debug("NOTIFY for {} from {}: not a secondary zone here (NOTAUTH)", dns::name_to_text(qname),
			     from_text.view());
		return {Verdict::refused, finish(9 /* NOTAUTH */, false, {}, nullptr)};
	}
	bool known = false;
	for (const auto &p : zone->primaries)
		known = known || p == from;
	if (!known) {
		// debug: a spoofed source must not fill the log.
		spdlog::debug("NOTIFY for {} from {}: not one of its primaries (REFUSED)", dns::name_to_text(qname),
			     from_text.view());
		return {Verdict::refused, finish(dns::rcode::refused, false, {}, nullptr)};
	}
	std::vector<std::uint8_t> mac;
	if (zone->key) {
		auto v = tsig_verify_request(msg, *zone->key, now_s);
		if (!v) {
			spdlog::warn("NOTIFY for {} from {}: {} (NOTAUTH)", dns::name_to_text(qname), from_text.view(),
				     v.error().message);
			return {Verdict::refused, finish(9 /* NOTAUTH */, false, {}, nullptr)};
		}
		mac = std::move(*v);
	}
	wake_(index);
	spdlog::info("NOTIFY for {} from {}: accepted", dns::name_to_text(qname), from_text.view());
	return {Verdict::accepted, finish(dns::rcode::noerror, true, mac, zone->key.get())};
}

}  // namespace xdpdns::secondary
