// Transferred zones on disk (--state-dir): one master-format file per zone,
// written to a temporary file, fsync'ed and renamed over the old one, so a
// crash leaves either the old or the new zone, never half of one. The
// file's modification time is when the zone was last known current (a
// transfer or an SOA check that found the serial unchanged): a restart
// serves the file at once and counts the expire timer from there.
#pragma once

#include "common/result.h"
#include "daemon/secondary/records.h"

#include <ctime>
#include <span>
#include <string>
#include <vector>

namespace xdpdns::secondary {

class ZoneStore {
public:
	explicit ZoneStore(std::string dir) : dir_(std::move(dir)) {}

	// Creates the directory (mode 0750) when missing.
	Result<void> prepare() const;

	// DIR/<origin without the final dot>.zone ("root.zone" for the root);
	// characters other than letters, digits, '-', '_' and '.' are %XX.
	std::string path_of(std::span<const std::uint8_t> origin) const;

	Result<void> save(std::span<const std::uint8_t> origin, std::span<const Record> records,
			  const std::string &note) const;

	struct Loaded {
		std::vector<Record> records;
		std::time_t verified = 0;  // the file's mtime
	};
	// ENOENT when there is no file; other Errors name the file and line.
	Result<Loaded> load(std::span<const std::uint8_t> origin) const;

	// Marks the zone as verified current now (its mtime).
	void touch(std::span<const std::uint8_t> origin) const;

private:
	std::string dir_;
};

}  // namespace xdpdns::secondary
