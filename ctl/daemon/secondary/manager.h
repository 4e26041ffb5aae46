// The secondary zones' manager: one thread of its own that keeps every
// secondary zone fresh (SOA refresh/retry/expire timers, NOTIFY wake-ups),
// transfers it (IXFR from the serial held, AXFR when there is none or the
// IXFR fails), builds the new Zone off the answer path, publishes it and
// writes it to the state directory. Answering never waits on it: the
// daemon swaps a complete new zone set in (install callback) and the old
// one serves until then.
#pragma once

#include "common/result.h"
#include "daemon/secondary/notify.h"
#include "daemon/secondary/records.h"
#include "daemon/secondary/zone_spec.h"
#include "daemon/secondary/zone_store.h"
#include "dns/zone.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace xdpdns::secondary {

class Manager {
public:
	struct Published {
		std::vector<std::uint8_t> origin;
		std::shared_ptr<const dns::Zone> zone;  // nullptr: not answerable (SERVFAIL)
	};

	// Reads the state directory (a zone found there serves at once, unless
	// it has expired meanwhile). `install` runs on the manager's thread
	// whenever published() changed.
	static Result<std::unique_ptr<Manager>> create(std::vector<ZoneSpec> zones, std::string state_dir,
						       std::function<void()> install);
	~Manager();

	std::vector<Published> published() const;

	void start();
	void stop();

	// For the workers: the NOTIFY check, which wakes this thread.
	const NotifyCheck &notify_check() const { return *notify_; }

	// Transfer and SOA-query time-out (tests shorten it).
	void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

private:
	using Clock = std::chrono::steady_clock;
	struct State {
		ZoneSpec spec;
		std::vector<Record> records;
		std::shared_ptr<const dns::Zone> zone;
		std::optional<SoaTimers> soa;
		bool expired = false;
		Clock::time_point last_ok{};
		Clock::time_point next_check{};
		std::atomic<bool> notified{false};
	};

	Manager(std::string state_dir, std::function<void()> install);
	void run();
	void wake(std::size_t zone);
	// True when what is published changed.
	bool refresh(State &z, const char *why);
	bool check_expiry(State &z, Clock::time_point now);
	Result<std::string> refresh_from(State &z, std::size_t primary, bool &changed);
	Clock::duration retry_of(const State &z) const;

	ZoneStore store_;
	std::function<void()> install_;
	std::vector<std::unique_ptr<State>> zones_;
	std::unique_ptr<NotifyCheck> notify_;
	mutable std::mutex published_mu_;  // zone and expired of every State, read by published()
	std::chrono::milliseconds timeout_{5000};
	int event_fd_ = -1;
	std::atomic<bool> stop_{false};
	std::thread thread_;
};

}  // namespace xdpdns::secondary
