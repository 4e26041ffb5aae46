// One authoritative zone in memory, built once at load time and read-only
// afterwards (shared between worker threads without locks).
//
// Nodes are found by their lowercase uncompressed wire name, and include the
// empty non-terminals between the apex and every owner name, so "does this
// name exist" is one lookup in an open-addressing hash table with a
// std::string_view key (no allocation per query). RDATA is kept in
// uncompressed wire form, as the zone file gave it (case of embedded names
// as written); RRSIGs are attached to the RRset they cover.
//
// Storage is built for zones of millions of records: names and RDATA live
// in one arena (ZoneArena: large mmap'd blocks), and RRsets, RDATA
// references and nodes in three flat arrays; a Node or an RRset holds only
// views into them. Per record that is its bytes plus 8 octets of reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/wire.h"
#include "dns/zone_arena.h"

namespace xdpdns::dns {

class DenialIndex;

// One RDATA: a view of its octets in the zone's arena (stored after a
// two-octet length). Converts to std::span<const uint8_t>.
class Rdata {
public:
	using value_type = uint8_t;
	using const_iterator = const uint8_t *;
	using iterator = const uint8_t *;

	Rdata() = default;
	// p: two octets of length (network order), then the octets.
	explicit Rdata(const uint8_t *p) : p_(p) {}

	const uint8_t *data() const { return p_ + 2; }
	size_t size() const { return static_cast<size_t>(p_[0]) << 8 | p_[1]; }
	bool empty() const { return size() == 0; }
	const uint8_t *begin() const { return data(); }
	const uint8_t *end() const { return data() + size(); }
	uint8_t operator[](size_t i) const { return data()[i]; }
	std::span<const uint8_t> span() const { return {data(), size()}; }
	operator std::span<const uint8_t>() const { return span(); }

	friend bool operator==(const Rdata &a, std::span<const uint8_t> b)
	{
		return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
	}

private:
	static constexpr uint8_t no_octets[2] = {0, 0};
	const uint8_t *p_ = no_octets;
};

// A read-only view of consecutive elements of one of the zone's arrays.
template <class T>
class Slice {
public:
	using value_type = T;
	using const_iterator = const T *;
	using iterator = const T *;

	Slice() = default;
	Slice(const T *first, uint32_t count) : first_(first), count_(count) {}

	const T *begin() const { return first_; }
	const T *end() const { return first_ + count_; }
	size_t size() const { return count_; }
	bool empty() const { return count_ == 0; }
	const T &operator[](size_t i) const { return first_[i]; }
	const T &front() const { return first_[0]; }
	const T &back() const { return first_[count_ - 1]; }

private:
	const T *first_ = nullptr;
	uint32_t count_ = 0;
};

struct RRset {
	uint16_t type = 0;
	uint32_t ttl = 0;      // TTL of the first record read (RFC 2181 5.2)
	uint32_t sig_ttl = 0;  // TTL of the first RRSIG read
	Slice<Rdata> rdata;    // zone-file order, duplicates removed
	Slice<Rdata> sigs;     // RDATA of the RRSIGs covering `type`, file order
};

struct Node {
	Slice<RRset> rrsets;        // sorted by type code
	bool delegation = false;    // NS at a name below the apex: a zone cut

	const RRset *find(uint16_t type) const;
	bool empty() const { return rrsets.empty(); }
};

class Zone {
public:
	// origin: uncompressed wire name (any case; stored lowercase).
	explicit Zone(std::span<const uint8_t> origin);
	Zone(const Zone &) = delete;
	Zone &operator=(const Zone &) = delete;

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
	// nullptr before finish(). NSEC3 records live there, not in the nodes:
	// their owner names are not names of the zone (RFC 5155 7.2.8).
	const DenialIndex *denial() const { return denial_.get(); }

	// Every node (with the empty non-terminals), in no particular order,
	// and the lowercase wire name of one of them.
	std::span<const Node> nodes() const { return nodes_; }
	std::span<const uint8_t> name_of(const Node &node) const;
	// Octets held for names and RDATA (mapped arena blocks).
	size_t arena_bytes() const { return arena_.bytes_mapped(); }

	// --- building (zone loading only; not thread-safe) ---

	// Sets the origin when it was not known at construction (the owner of
	// the file's SOA). Before finish() only.
	void set_origin(std::span<const uint8_t> origin);

	// Room for about `records` records (from the file size, say), so that
	// building does not copy its arrays as they grow.
	void reserve(size_t records);

	// Adds one record read at `line` of the file (0: none). Records are
	// checked when the zone is finished, in the order they were added.
	// Throws std::bad_alloc when memory runs out.
	void add(std::span<const uint8_t> owner, uint16_t rrclass, uint16_t type, uint32_t ttl,
		 std::span<const uint8_t> rdata, int line = 0);

	// Checks every record in the order added and stops at the first fault:
	// name outside the origin, class other than IN, malformed RDATA of a
	// type whose layout answers rely on, SOA below the apex or a second
	// SOA, CNAME next to other data (a DNAME too), several CNAMEs or
	// DNAMEs; then a zone without an SOA at the apex, names below a DNAME
	// or a DNAME beside NS below the apex (check_dnames). The message
	// states the cause only; error_line() gives the line of the faulty
	// record (0 for a whole-zone fault). Exact duplicates are dropped. Then attaches RRSIGs
	// (those covering a type absent at their name are dropped), creates
	// the empty non-terminals, marks zone cuts, builds the index and
	// moves the NSEC3 RRsets into the denial index.
	Result<void> finish();
	int error_line() const { return error_line_; }

private:
	struct Pending {  // one record between add() and finish()
		uint32_t node;
		uint16_t type;
		uint16_t rrclass;
		uint32_t ttl;
		int32_t line;
		const uint8_t *rdata;  // length-prefixed, in arena_
	};
	struct Slot {
		uint32_t node_plus_one;  // 0: free
		uint32_t hash;
	};

	static uint32_t hash_of(std::string_view lower_wire_name);
	std::string_view key_of(uint32_t node) const;
	uint32_t lookup_slot(std::string_view key, uint32_t hash) const;
	uint32_t intern(std::span<const uint8_t> lower_name);  // node id of a name, added if new
	void grow_index(size_t nodes);
	std::optional<std::pair<size_t, std::string>> check_records() const;
	std::optional<std::pair<size_t, std::string>> check_node(std::span<const uint32_t> records) const;
	std::string where(size_t record) const;
	// RFC 6672: no names below a DNAME (2.4), no DNAME beside NS below the
	// apex (5.2). The zone is refused, as NSD and Knot refuse it.
	Result<void> check_dnames() const;

	ZoneArena arena_;
	std::vector<uint8_t> origin_;  // lowercase
	std::vector<Node> nodes_;
	std::vector<const uint8_t *> names_;  // per node: lowercase wire name in arena_
	std::vector<Slot> slots_;             // open addressing, power-of-two size
	std::vector<RRset> rrsets_;
	std::vector<Rdata> rdatas_;
	const Node *apex_ = nullptr;
	const RRset *soa_ = nullptr;
	uint32_t negative_ttl_ = 0;
	bool signed_ = false;
	int error_line_ = 0;
	std::shared_ptr<const DenialIndex> denial_;

	// Building only (emptied by finish()).
	std::vector<Pending> pending_;
	std::vector<std::pair<uint32_t, std::vector<uint8_t>>> written_owner_;  // where case differs
	std::vector<uint8_t> last_owner_;
	uint32_t last_node_ = 0;
	size_t interned_ = 0;  // names_ entries while building
};

// Reads a zone file. Entries are split as ldns does (ZoneText) and the
// common record types are converted by zone_fast_rr; everything else, and
// every error, goes through ldns (ldns_rr_new_frm_str: $ORIGIN, $TTL,
// owner inheritance as ldns handles them; $INCLUDE is refused). origin: the
// zone's name as text ("example.test."); when absent, the owner of the
// file's SOA record. Every error reads "FILE:LINE: cause" (or "FILE: cause"
// for whole-zone checks such as a missing SOA).
Result<std::shared_ptr<const Zone>> load_zone(const std::string &path,
					      std::optional<std::string> origin = std::nullopt);

// Wire form of a presentation name ("example.test." or "example.test"),
// lowercase; empty vector if invalid.
std::vector<uint8_t> name_from_text(const std::string &text);

// Presentation form of an uncompressed wire name, e.g. "example.test.".
std::string name_to_text(std::span<const uint8_t> name);

}  // namespace xdpdns::dns
