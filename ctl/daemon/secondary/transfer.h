// The transfer client: an SOA query, AXFR (RFC 5936) and IXFR (RFC 1995)
// over TCP to one primary, on ordinary kernel sockets, with a time-out on
// the connection and on every read. Every message is checked (ID, QR,
// RCODE, question, TSIG when a key is set) and the stream must end as the
// protocol says (the closing SOA); anything else is an Error whose message
// names the cause, and nothing of the transfer is used.
#pragma once

#include "common/endpoint.h"
#include "common/result.h"
#include "daemon/secondary/records.h"
#include "daemon/secondary/tsig.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace xdpdns::secondary {

struct TransferTarget {
	Endpoint primary;
	std::vector<std::uint8_t> origin;  // lowercase wire
	const TsigKey *key = nullptr;      // sign and verify when set
	std::chrono::milliseconds timeout{5000};  // connect, and each read/write
};

// The primary's SOA serial for the zone (a TCP query).
Result<std::uint32_t> query_serial(const TransferTarget &t);

struct TransferResult {
	enum class Kind { up_to_date, full, incremental } kind = Kind::full;
	std::uint32_t serial = 0;
	std::vector<Record> records;  // full: the zone (closing SOA not repeated)
	std::vector<Diff> diffs;      // incremental
};

// IXFR from `soa` (the SOA record we hold) when given, else AXFR. An IXFR
// answered with a whole zone (AXFR style) gives Kind::full.
Result<TransferResult> transfer(const TransferTarget &t, const Record *soa);

// The IXFR/AXFR answer records, as received over all messages, turned into
// a result (also used by the tests): `have` is the serial we asked from
// (IXFR) or nullopt (AXFR). Returns nullopt while more records are needed.
class TransferAssembler {
public:
	TransferAssembler(std::span<const std::uint8_t> origin, std::optional<std::uint32_t> have);
	// Feeds one message's answer records; true once the closing SOA came
	// (records after it are an error).
	Result<bool> feed(std::vector<Record> records);
	// The result once feed() returned true.
	TransferResult take();

private:
	Result<void> one(Record &&r);

	std::vector<std::uint8_t> origin_;
	std::optional<std::uint32_t> have_;
	enum class Phase { first, second, axfr, ixfr_deleted, ixfr_added, done } phase_ = Phase::first;
	Record first_soa_;
	std::uint32_t final_serial_ = 0;
	std::uint32_t current_new_ = 0;  // serial the current diff leads to
	TransferResult r_;
};

}  // namespace xdpdns::secondary
