#include "daemon/secondary/manager.h"

#include "daemon/secondary/transfer.h"
#include "dns/wire.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace xdpdns::secondary {

namespace {

// Before the first SOA is known: how often to try the primaries.
constexpr std::chrono::seconds kRetryWithoutSoa{5};

std::chrono::seconds secs(std::uint32_t s)
{
	return std::chrono::seconds(std::max<std::uint32_t>(s, 1));
}

const Record *apex_soa(const std::vector<Record> &records, std::span<const std::uint8_t> origin)
{
	for (const Record &r : records)
		if (r.type == dns::rrtype::soa && dns::names_equal_ci(r.owner, origin))
			return &r;
	return nullptr;
}

}  // namespace

Manager::Manager(std::string state_dir, std::function<void()> install)
	: store_(std::move(state_dir)), install_(std::move(install))
{
}

Manager::~Manager()
{
	stop();
	if (event_fd_ >= 0)
		::close(event_fd_);
}

Result<std::unique_ptr<Manager>> Manager::create(std::vector<ZoneSpec> zones, std::string state_dir,
						 std::function<void()> install)
{
	std::unique_ptr<Manager> m(new Manager(std::move(state_dir), std::move(install)));
	if (auto r = m->store_.prepare(); !r)
		return r.error();
	m->event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->event_fd_ < 0)
		return sys_error(errno, "eventfd");
	m->notify_ = std::make_unique<NotifyCheck>(zones, [raw = m.get()](std::size_t i) { raw->wake(i); });

	const auto now = Clock::now();
	for (ZoneSpec &spec : zones) {
		auto z = std::make_unique<State>();
		z->spec = std::move(spec);
		z->next_check = now;
		auto loaded = m->store_.load(z->spec.origin);
		if (!loaded) {
			if (loaded.error().err != ENOENT)
				spdlog::error("zone {}: state file not used, transferring anew: {}", z->spec.name,
					      loaded.error().message);
			else
				spdlog::info("zone {}: no state file yet; SERVFAIL until the first transfer", z->spec.name);
		} else {
			auto soa = zone_soa(loaded->records, z->spec.origin);
			auto zone = soa ? build_zone(z->spec.origin, loaded->records)
					: Result<std::shared_ptr<const dns::Zone>>(soa.error());
			if (!zone) {
				spdlog::error("zone {}: state file {} not used, transferring anew: {}", z->spec.name,
					      m->store_.path_of(z->spec.origin), zone.error().message);
			} else {
				const std::time_t age = std::max<std::time_t>(0, std::time(nullptr) - loaded->verified);
				z->records = std::move(loaded->records);
				z->zone = std::move(*zone);
				z->soa = *soa;
				z->last_ok = now - std::chrono::seconds(age);
				z->expired = age >= static_cast<std::time_t>(soa->expire);
				spdlog::info("zone {}: serial {} from the state file ({} records, verified {} s ago{})",
					     z->spec.name, soa->serial, z->records.size(), age,
					     z->expired ? ", expired: SERVFAIL until a transfer" : "");
			}
		}
		m->zones_.push_back(std::move(z));
	}
	return m;
}

std::vector<Manager::Published> Manager::published() const
{
	std::lock_guard lock(published_mu_);
	std::vector<Published> out;
	for (const auto &z : zones_)
		out.push_back({z->spec.origin, z->expired ? nullptr : z->zone});
	return out;
}

void Manager::start()
{
	thread_ = std::thread([this] { run(); });
}

void Manager::stop()
{
	if (!thread_.joinable())
		return;
	stop_ = true;
	const std::uint64_t one = 1;
	(void)!::write(event_fd_, &one, sizeof(one));
	thread_.join();
}

void Manager::wake(std::size_t zone)
{
	zones_[zone]->notified.store(true, std::memory_order_release);
	const std::uint64_t one = 1;
	(void)!::write(event_fd_, &one, sizeof(one));
}

Manager::Clock::duration Manager::retry_of(const State &z) const
{
	if (!z.soa)
		return kRetryWithoutSoa;
	return secs(z.soa->retry);
}

bool Manager::check_expiry(State &z, Clock::time_point now)
{
	if (!z.zone || z.expired || now < z.last_ok + secs(z.soa->expire))
		return false;
	{
		std::lock_guard lock(published_mu_);
		z.expired = true;
	}
	spdlog::error("zone {}: expired (no primary reached for {} s, the SOA expire); SERVFAIL until a transfer",
		      z.spec.name, z.soa->expire);
	return true;
}

// One primary: the SOA serial, then IXFR or AXFR when it is newer. Returns
// what happened for the log, or why it failed.
Result<std::string> Manager::refresh_from(State &z, std::size_t p, bool &changed)
{
	TransferTarget t{z.spec.primaries[p], z.spec.origin, z.spec.key.get(), timeout_};
	auto serial = query_serial(t);
	if (!serial)
		return Error{serial.error().err, "SOA query: " + serial.error().message};
	if (z.soa && !serial_newer(*serial, z.soa->serial)) {
		z.last_ok = Clock::now();
		store_.touch(z.spec.origin);
		if (z.expired) {
			std::lock_guard lock(published_mu_);
			z.expired = false;
			changed = true;
		}
		return "serial " + std::to_string(z.soa->serial) + " is current";
	}

	const auto started = Clock::now();
	const Record *soa = z.zone ? apex_soa(z.records, z.spec.origin) : nullptr;
	const char *how = soa ? "IXFR" : "AXFR";
	std::vector<Record> records;
	Result<TransferResult> r = transfer(t, soa);
	if (r && r->kind == TransferResult::Kind::incremental) {
		auto applied = apply_diffs(z.records, r->diffs);
		if (applied)
			records = std::move(*applied);
		else
			r = applied.error();
	} else if (r && r->kind == TransferResult::Kind::up_to_date) {
		z.last_ok = Clock::now();
		store_.touch(z.spec.origin);
		return "serial " + std::to_string(z.soa->serial) + " is current (IXFR)";
	} else if (r) {
		records = std::move(r->records);
		how = soa ? "IXFR answered as AXFR" : "AXFR";
	}
	if (!r && soa) {
		spdlog::info("zone {}: IXFR from {} failed ({}); trying AXFR", z.spec.name, z.spec.primary_texts[p],
			     r.error().message);
		how = "AXFR";
		r = transfer(t, nullptr);
		if (r)
			records = std::move(r->records);
	}
	if (!r)
		return Error{r.error().err, std::string(how) + ": " + r.error().message};

	auto timers = zone_soa(records, z.spec.origin);
	if (!timers)
		return Error{timers.error().err, std::string(how) + ": " + timers.error().message};
	if (timers->serial != r->serial)
		return Error{EBADMSG, std::string(how) + ": the zone's SOA serial " + std::to_string(timers->serial) +
					      " is not the transferred " + std::to_string(r->serial)};
	auto zone = build_zone(z.spec.origin, records);
	if (!zone)
		return Error{zone.error().err, std::string(how) + ": zone rejected: " + zone.error().message};
	const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();

	{
		std::lock_guard lock(published_mu_);
		z.zone = std::move(*zone);
		z.expired = false;
	}
	const std::uint32_t old_serial = z.soa ? z.soa->serial : 0;
	const bool had = z.soa.has_value();
	z.records = std::move(records);
	z.soa = *timers;
	z.last_ok = Clock::now();
	changed = true;
	std::string note = std::string("serial ") + std::to_string(timers->serial) +
			   (had ? " (was " + std::to_string(old_serial) + ")" : "") + " by " + how + ", " +
			   std::to_string(z.records.size()) + " records in " + std::to_string(ms) + " ms";
	// Installed first (by the caller), then written: answering the new
	// zone does not wait for the disk.
	return note;
}

bool Manager::refresh(State &z, const char *why)
{
	bool changed = false;
	for (std::size_t p = 0; p < z.spec.primaries.size(); p++) {
		const bool had_records = !z.records.empty();
		const std::uint32_t before = z.soa ? z.soa->serial : 0;
		auto r = refresh_from(z, p, changed);
		if (!r) {
			spdlog::warn("zone {}: refresh ({}) from {} failed: {}", z.spec.name, why, z.spec.primary_texts[p],
				     r.error().message);
			continue;
		}
		z.next_check = Clock::now() + secs(z.soa->refresh);
		const bool transferred = !had_records || z.soa->serial != before;
		if (transferred && changed) {
			spdlog::info("zone {}: {} from {}", z.spec.name, *r, z.spec.primary_texts[p]);
			if (install_)
				install_();
			changed = false;
			auto saved = store_.save(z.spec.origin, z.records,
						 "xdpdns secondary zone " + z.spec.name + " serial " +
							 std::to_string(z.soa->serial) + " from " + z.spec.primary_texts[p]);
			if (!saved)
				spdlog::error("zone {}: not written to the state directory: {}", z.spec.name,
					      saved.error().message);
		} else {
			spdlog::debug("zone {}: {} at {}", z.spec.name, *r, z.spec.primary_texts[p]);
		}
		return changed;
	}
	const auto retry = retry_of(z);
	z.next_check = Clock::now() + retry;
	if (z.zone && !z.expired) {
		const auto left = std::chrono::duration_cast<std::chrono::seconds>(z.last_ok + secs(z.soa->expire) -
										  Clock::now()).count();
		spdlog::warn("zone {}: no primary answered; retry in {} s, expires in {} s", z.spec.name,
			     std::chrono::duration_cast<std::chrono::seconds>(retry).count(), std::max<long>(0, left));
	} else {
		spdlog::warn("zone {}: no primary answered; retry in {} s (SERVFAIL meanwhile)", z.spec.name,
			     std::chrono::duration_cast<std::chrono::seconds>(retry).count());
	}
	return changed;
}

void Manager::run()
{
	while (!stop_) {
		bool changed = false;
		for (auto &z : zones_) {
			const bool notified = z->notified.exchange(false, std::memory_order_acq_rel);
			if (notified || Clock::now() >= z->next_check)
				changed |= refresh(*z, notified ? "NOTIFY" : z->soa ? "refresh timer" : "no zone yet");
			if (stop_)
				return;
			changed |= check_expiry(*z, Clock::now());
		}
		if (changed && install_)
			install_();

		auto wait = std::chrono::milliseconds(1000);
		const auto now = Clock::now();
		for (const auto &z : zones_) {
			auto until = z->next_check;
			if (z->zone && !z->expired)
				until = std::min(until, z->last_ok + secs(z->soa->expire));
			wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
		}
		pollfd p{event_fd_, POLLIN, 0};
		if (::poll(&p, 1, static_cast<int>(std::max<long>(0, wait.count()))) > 0) {
			std::uint64_t v;
			(void)!::read(event_fd_, &v, sizeof(v));
		}
	}
}

}  // namespace xdpdns::secondary
