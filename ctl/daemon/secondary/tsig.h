// TSIG (RFC 8945) for zone transfers and NOTIFY: signing our requests and
// the NOTIFY responses, verifying a primary's NOTIFY and every message of
// its transfer stream (the first and the last must be signed, up to 99
// unsigned ones may come between, as the RFC allows). HMAC through OpenSSL;
// hmac-sha256 is the one primaries use today, sha1/sha384/sha512 come for
// free from the same code.
#pragma once

#include "common/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace xdpdns::secondary {

struct TsigKey {
	std::string name;                // as configured, e.g. "xfr-key."
	std::vector<std::uint8_t> wire;  // the key name, lowercase wire
	std::string algorithm;           // "hmac-sha256"
	std::vector<std::uint8_t> algorithm_wire;
	std::vector<std::uint8_t> secret;
};

// Checks and decodes a configured key: a domain name, a known algorithm
// (hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512; a trailing dot is
// fine), a base64 secret of at least 1 octet. Errors name the key.
Result<TsigKey> make_tsig_key(const std::string &name, const std::string &algorithm, const std::string &secret_b64);

// Error codes of the TSIG RR (RFC 8945 section 3 / RFC 2845).
namespace tsig_error {
inline constexpr std::uint16_t badsig = 16;
inline constexpr std::uint16_t badkey = 17;
inline constexpr std::uint16_t badtime = 18;
}  // namespace tsig_error

inline constexpr std::uint16_t tsig_fudge = 300;

// The TSIG record at the end of a message.
struct TsigRecord {
	std::size_t offset = 0;            // where the TSIG RR starts in the message
	std::vector<std::uint8_t> key;     // lowercase wire
	std::vector<std::uint8_t> algorithm;
	std::uint64_t time_signed = 0;
	std::uint16_t fudge = 0;
	std::vector<std::uint8_t> mac;
	std::uint16_t original_id = 0;
	std::uint16_t error = 0;
	std::vector<std::uint8_t> other;
};

// The TSIG RR of msg when its last additional record is one; nullopt when
// the message carries none; an Error when the message or the TSIG is
// malformed (or a TSIG is not last).
Result<std::optional<TsigRecord>> find_tsig(std::span<const std::uint8_t> msg);

// Appends a TSIG RR to msg (ARCOUNT incremented) and returns its MAC.
// request_mac: empty for a request, the request's MAC for its response.
std::vector<std::uint8_t> tsig_sign(std::vector<std::uint8_t> &msg, const TsigKey &key,
				    std::span<const std::uint8_t> request_mac, std::uint64_t now_s,
				    std::uint16_t error = 0);

// Verifies a signed request (a NOTIFY) with `key`; returns its MAC (for
// signing the response). The Error says which check failed (no TSIG,
// another key or algorithm, bad MAC, time outside the fudge).
Result<std::vector<std::uint8_t>> tsig_verify_request(std::span<const std::uint8_t> msg, const TsigKey &key,
						      std::uint64_t now_s);

// The responses to one signed request, in order.
class TsigStreamVerifier {
public:
	TsigStreamVerifier(const TsigKey &key, std::vector<std::uint8_t> request_mac)
		: key_(key), prior_mac_(std::move(request_mac)) {}

	// Each message as it arrives.
	Result<void> next(std::span<const std::uint8_t> msg, std::uint64_t now_s);
	// After the last one: it must have been signed.
	Result<void> finish() const;

private:
	const TsigKey &key_;
	std::vector<std::uint8_t> prior_mac_;
	std::vector<std::uint8_t> unsigned_;  // messages since the last signed one
	std::size_t messages_ = 0;
	std::size_t unsigned_count_ = 0;
};

}  // namespace xdpdns::secondary
