// NOTIFY (RFC 1996) as the workers receive it: the XDP program hands every
// opcode other than QUERY to the daemon, and the UDP path gives NOTIFYs to
// this check. Accepted only for a secondary zone, from one of its
// primaries' addresses, and with a valid TSIG when the zone has a key; the
// answer is a NOTIFY response (QR=1, AA=1, question echoed, signed when the
// request was). An accepted NOTIFY wakes the manager (an atomic flag per
// zone and an eventfd write: nothing here waits on the manager).
// Others get REFUSED (not a primary's address), NOTAUTH (a zone we are not
// secondary for, or TSIG missing or wrong) or FORMERR.
#pragma once

#include "daemon/secondary/zone_spec.h"
#include "net/address.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace xdpdns::secondary {

class NotifyCheck {
public:
	// wake(i): zone i of `zones` was notified.
	NotifyCheck(const std::vector<ZoneSpec> &zones, std::function<void(std::size_t)> wake);

	enum class Verdict { accepted, refused };
	struct Outcome {
		Verdict verdict = Verdict::refused;
		std::size_t size = 0;  // the answer written into `out`; 0: none
	};
	// msg: the NOTIFY as received; from: its source address (IPv4 mapped).
	Outcome handle(std::span<const std::uint8_t> msg, const net::IpAddress &from, std::span<std::uint8_t> out,
		       std::uint64_t now_s) const;

private:
	struct Entry {
		std::vector<std::uint8_t> origin;
		std::vector<net::IpAddress> primaries;
		std::shared_ptr<const TsigKey> key;
	};
	std::vector<Entry> zones_;
	std::function<void(std::size_t)> wake_;
};

}  // namespace xdpdns::secondary
