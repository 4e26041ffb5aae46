// One authoritative zone in memory, built once at load time and read-only
// afterwards (shared between worker threads without locks).
//
// Nodes are keyed by their lowercase uncompressed wire name and include the
// empty non-terminals between the apex and every owner name, so "does this
// name exist" is a single hash lookup with a std::string_view key (no
// allocation per query). RDATA is kept in uncompressed wire form, as ldns
// produced it (case of embedded names as written in the file); RRSIGs are
// attached to the RRset they cover.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "dns/wire.h"

namespace xdpdns::dns {

using Rdata = std::vector<uint8_t>;

class DenialIndex;

struct RRset {
	uint16_t type = 0;
	uint32_t ttl = 0;           // TTL of the first record read (RFC 2181 5.2)
	std::vector<Rdata> rdata;   // zone-file order, duplicates removed
	uint32_t sig_ttl = 0;
	std::vector<Rdata> sigs;    // RDATA of the RRSIGs covering `type`
};

struct Node {
	std::vector<RRset> rrsets;  // sorted by type code
	bool delegation = false;    // NS at a name below the apex: a zone cut

	const RRset *find(uint16_t type) const;
	bool empty() const { return rrsets.empty(); }
};

class Zone {
public:
	// origin: uncompressed wire name (any case; stored lowercase).
	explicit Zone(std::span<const uint8_t> origin);

	std::span<const uint8_t> origin() const;  // lowercase wire
	const Node *find(std::string_view lower_wire_name) const;
	const Node *find(std::span<const uint8_t> lower_wire_name) const
	{
		return find(as_key(lower_wire_name));
	}
	const Node &apex() const { return *apex_; }
	const RRset &soa() const { return *soa_; }
	uint32_t negative_ttl() const { return negative_ttl_; }  // min(SOA TTL, MINIMUM), RFC 2308
	// A signed zone has a DNSKEY RRset at the apex with RRSIGs. Only then do
	// DO=1 queries get RRSIGs (as NSD does): a few stray RRSIGs do not make
	// a zone signed.
	bool is_signed() const { return signed_; }
	size_t node_count() const { return nodes_.size(); }
	// NSEC/NSEC3 records for denial of existence (dns/denial_index.h);
	// nullptr before finish(). NSEC3 records live there, not in the nodes.
	const DenialIndex *denial() const { return denial_.get(); }

	// --- building (zone loading only; not thread-safe) ---

	// Adds one record. The error message states the cause only (the loader
	// adds file:line): name outside the origin, class other than IN, SOA
	// below the apex or a second SOA, CNAME next to other data (a DNAME
	// too), several CNAMEs or DNAMEs, malformed RRSIG. An exact duplicate
	// is ignored.
	Result<void> add(std::span<const uint8_t> owner, uint16_t rrclass, uint16_t type, uint32_t ttl,
			 std::span<const uint8_t> rdata);

	// Attaches RRSIGs, moves NSEC3 RRsets into the denial index (a name
	// with nothing else is no name), creates empty non-terminals, marks zone
	// cuts, checks the SOA and the DNAMEs (check_dnames). RRSIGs covering a
	// type absent at their name are dropped.
	Result<void> finish();

private:
	struct NameHash {
		using is_transparent = void;
		size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
	};
	using NodeMap = std::unordered_map<std::string, Node, NameHash, std::equal_to<>>;

	struct PendingSig {
		std::string owner;
		uint16_t covered;
		uint32_t ttl;
		Rdata rdata;
	};

	// RFC 6672: no names below a DNAME (2.4; names holding only NSEC3
	// records excepted, as NSD does), no DNAME beside NS below the apex
	// (5.2). The zone is refused, as NSD and Knot refuse it.
	Result<void> check_dnames() const;

	std::string origin_;
	NodeMap nodes_;
	std::vector<PendingSig> sigs_;
	const Node *apex_ = nullptr;
	const RRset *soa_ = nullptr;
	uint32_t negative_ttl_ = 0;
	bool signed_ = false;
	std::shared_ptr<const DenialIndex> denial_;
};

// Reads a zone file with ldns, one record at a time (ldns_rr_new_frm_fp_l:
// $ORIGIN, $TTL, owner inheritance and line numbers as ldns handles them;
// $INCLUDE is refused). origin: the zone's name as text ("example.test.");
// when absent, the owner of the file's SOA record. Every error reads
// "FILE:LINE: cause" (or "FILE: cause" for whole-zone checks such as a
// missing SOA).
Result<std::shared_ptr<const Zone>> load_zone(const std::string &path,
					      std::optional<std::string> origin = std::nullopt);

// Wire form of a presentation name ("example.test." or "example.test"),
// lowercase; empty vector if invalid.
std::vector<uint8_t> name_from_text(const std::string &text);

// Presentation form of an uncompressed wire name, e.g. "example.test.".
std::string name_to_text(std::span<const uint8_t> name);

}  // namespace xdpdns::dns
