#include "daemon/lifecycle/daemon.h"

#include "common/attach.h"
#include "common/cookie_key.h"
#include "common/knobs.h"
#include "common/pinned.h"
#include "common/service_addresses.h"
#include "daemon/config/command_line.h"
#include "daemon/cookies/cookie_secret_store.h"
#include "daemon/cookies/cookie_secrets.h"
#include "common/endpoint.h"
#include "daemon/secondary/manager.h"
#include "daemon/upstream/upstream_backend.h"
#include "dns/zone.h"
#include "dns/zone_set.h"
#include "daemon/io/clock.h"
#include "daemon/io/idle_closer.h"
#include "daemon/io/interface_info.h"
#include "daemon/lifecycle/worker_factory.h"
#include "daemon/metrics/exposition.h"
#include "daemon/metrics/http_server.h"
#include "daemon/dnstap/writer.h"
#include "daemon/dnstap/xdp_tap_reader.h"
#include "daemon/paths/worker.h"

#include <spdlog/spdlog.h>

#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace xdpdns::daemon {

// The config layer checks the setting; the backend opens the sockets.
static_assert(config::kMaxUpstreamSourcePorts == SourcePorts::max_per_family);
static_assert(config::kDefaultUpstreamSourcePorts == UpstreamConfig{}.source_ports);

namespace {

// The configured service addresses (validated text) as the map keys them.
Result<std::vector<Addr16>> service_addresses(const config::DaemonConfig &cfg)
{
	std::vector<Addr16> out;
	for (const auto &text : cfg.addresses) {
		auto a = parse_address(text);
		if (!a)
			return a.error();
		out.push_back(*a);
	}
	if (auto r = check_address_count(out); !r)
		return r.error();
	return normalize_addresses(std::move(out));
}

std::uint64_t monotonic_s()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec);
}

// What one interface holds while the daemon runs.
struct Interface {
	std::string name;
	int ifindex = 0;
	bool attached_by_us = false;
	std::optional<PinnedObjects> pins;
	MapMmap dstats;
	MapMmap rrl;  // the RRL buckets, shared with XDP; outlives the workers
	std::unique_ptr<answers::AnswerMap> answer_map;  // outlives the workers
	std::unique_ptr<IdleCloser> idle_closer;
	std::vector<std::unique_ptr<Worker>> workers;
	std::vector<std::thread> threads;
	std::unique_ptr<dnstap::XdpTapReader> tap_reader;  // XDP's answer copies, when dnstap is on
};

// Frees the zones a reload replaced: once the workers' last snapshot of
// them is gone (a batch holds one for microseconds), then malloc_trim, so
// that the memory goes back to the system now and a large zone is not held
// twice after the swap. Zone names and RDATA are in mmap'd arenas and go
// with the last reference anyway; this returns the arrays malloc kept.
void release_replaced(std::shared_ptr<const dns::ZoneSet> old)
{
	for (int i = 0; i < 2000 && old.use_count() > 1; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	old.reset();
	malloc_trim(0);
}

using ZoneList = std::vector<std::shared_ptr<const dns::Zone>>;

Result<ZoneList> load_zones(const std::vector<config::ZoneFile> &files)
{
	ZoneList zones;
	for (const auto &f : files) {
		auto z = dns::load_zone(f.path, f.origin);
		if (!z)
			return z.error();
		zones.push_back(std::move(*z));
	}
	return zones;
}

// The secondary zones of the configuration as the manager takes them.
Result<std::vector<secondary::ZoneSpec>> secondary_specs(const config::DaemonConfig &cfg)
{
	std::vector<std::shared_ptr<const secondary::TsigKey>> keys;
	for (const auto &k : cfg.tsig_keys) {
		auto key = secondary::make_tsig_key(k.name, k.algorithm, k.secret);
		if (!key)
			return key.error();
		keys.push_back(std::make_shared<const secondary::TsigKey>(std::move(*key)));
	}
	std::vector<secondary::ZoneSpec> out;
	for (const auto &z : cfg.secondaries) {
		secondary::ZoneSpec spec;
		spec.name = z.origin;
		spec.origin = dns::name_from_text(z.origin);
		if (spec.origin.empty())
			return Error{EINVAL, "secondary zone '" + z.origin + "': not a domain name"};
		for (const auto &p : z.primaries) {
			auto ep = parse_endpoint(p.text);
			if (!ep)
				return ep.error();
			spec.primaries.push_back(*ep);
			spec.primary_texts.push_back(p.text);
		}
		if (!z.key.empty()) {
			const auto wire = dns::name_from_text(z.key);
			for (const auto &k : keys)
				if (k->wire == wire)
					spec.key = k;
			if (!spec.key)
				return Error{EINVAL, "secondary zone " + z.origin + ": TSIG key " + z.key + " is not defined"};
		}
		out.push_back(std::move(spec));
	}
	return out;
}

class Daemon {
public:
	Daemon(const config::DaemonConfig &cfg, std::vector<std::string> args)
		: cfg_(cfg), args_(std::move(args)),
		  start_time_s_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count())
	{
	}

	int run();

private:
	Result<void> prepare_backend();
	// Puts the zone files and the secondary zones (those not answerable
	// as SERVFAIL) into service: a new zone set, then every interface's
	// in-kernel answers emptied for it, so XDP never answers from a zone
	// that is out of service. SIGHUP and the secondary manager's thread
	// both come here. The replaced set is freed once the workers let go of
	// it (release_replaced), outside the lock.
	Result<void> install_zones();
	Result<void> swap_zones(std::shared_ptr<const dns::ZoneSet> &replaced);  // install_mu_ held
	Result<void> open_interface(Interface &itf);
	Result<InterfaceShare> share_interface(Interface &itf);
	Result<void> start_workers(Interface &itf);
	void apply_knobs(Interface &itf, const config::DaemonConfig &cfg);
	Result<void> apply_fleet_key(Interface &itf, const config::DaemonConfig &cfg);
	void reload();
	void rotate_keys_if_due();
	int publish_cookie_epochs();
	// DNS Cookie secrets (daemon/cookies/cookie_secrets.h): made once the
	// first interface's config map tells cookie.rotate, then published.
	Result<void> init_dns_cookie_secrets();
	void tick_dns_cookie_secrets();
	std::uint32_t cookie_rotate_s() const;
	void shutdown();
	// The metrics endpoint's view (its thread, under interfaces_mu_).
	metrics::Snapshot metrics_snapshot();

	config::DaemonConfig cfg_;
	std::vector<std::string> args_;
	dns::ZoneSetHandle zones_;
	ZoneList file_zones_;
	std::unique_ptr<secondary::Manager> secondaries_;
	std::mutex install_mu_;
	UpstreamConfig upstream_;
	std::vector<std::unique_ptr<Interface>> interfaces_;
	std::atomic<bool> stop_{false};
	std::uint64_t last_rotation_s_ = 0;
	double start_time_s_ = 0;
	// Held by the main thread while it adds or tears down interfaces and
	// by the metrics thread while it reads them; never by a worker.
	std::mutex interfaces_mu_;
	std::unique_ptr<metrics::HttpServer> metrics_;
	// dnstap: one input queue per worker of every interface.
	Result<void> open_dnstap();
	std::unique_ptr<dnstap::Writer> tap_;
	unsigned tap_queues_used_ = 0;
	CookieSecretStore dns_cookie_store_;
	std::optional<CookieSecretMaker> dns_cookie_maker_;
};

Result<void> Daemon::open_dnstap()
{
	const auto &d = cfg_.dnstap;
	if (!d.enabled())
		return {};
	dnstap::WriterOptions o;
	o.socket_path = d.socket;
	o.file_path = d.file;
	o.identity = d.identity;
	if (o.identity.empty()) {
		char host[256] = {};
		if (gethostname(host, sizeof(host) - 1) == 0)
			o.identity = host;
	}
	o.version = d.version.empty() ? std::string("xdpdns ") + XDPDNS_VERSION : d.version;
	o.queues = static_cast<unsigned>(cfg_.interfaces.size());  // the readers of XDP's copies
	for (const auto &name : cfg_.interfaces) {
		auto q = rx_queue_count(name);
		if (!q)
			return q.error();
		o.queues += *q;
	}
	auto w = dnstap::Writer::open(o);
	if (!w)
		return w.error();
	tap_ = std::move(*w);
	spdlog::info("dnstap to {} {} (queries {}, responses {}, 1 in {})", d.socket.empty() ? "file" : "socket",
		     d.socket.empty() ? d.file : d.socket, d.log_queries ? "on" : "off", d.log_responses ? "on" : "off",
		     d.sample);
	return {};
}

std::uint32_t soa_serial(const dns::Zone &z)
{
	// SOA RDATA: MNAME, RNAME (uncompressed names), then SERIAL.
	const auto &rdata = z.soa().rdata;
	if (rdata.empty())
		return 0;
	const std::span<const std::uint8_t> r = rdata.front();
	std::size_t off = 0;
	for (int name = 0; name < 2; name++) {
		while (off < r.size() && r[off] != 0)
			off += 1 + r[off];
		off++;
	}
	if (off + 4 > r.size())
		return 0;
	return std::uint32_t{r[off]} << 24 | std::uint32_t{r[off + 1]} << 16 | std::uint32_t{r[off + 2]} << 8 | r[off + 3];
}

metrics::Snapshot Daemon::metrics_snapshot()
{
	metrics::Snapshot s;
	s.version = XDPDNS_VERSION;
	s.abi = XDPDNS_ABI_VERSION;
	s.start_time_s = start_time_s_;
	if (auto set = zones_.load())
		for (const auto &z : set->zones())
			s.zones.push_back({dns::name_to_text(z->origin()), soa_serial(*z)});
	std::lock_guard lock(interfaces_mu_);
	for (const auto &itf : interfaces_) {
		if (!itf->pins)
			continue;
		metrics::InterfaceSnapshot i;
		i.name = itf->name;
		if (auto x = itf->pins->read_stats())
			i.xdp = *x;
		if (auto w = itf->pins->read_dstats_workers())
			i.workers = std::move(*w);
		for (const auto &w : itf->workers) {
			i.udp_size.add(metrics::HistogramData::of(w->histograms().udp_size));
			i.tcp_size.add(metrics::HistogramData::of(w->histograms().tcp_size));
			i.tcp_segments.add(metrics::HistogramData::of(w->histograms().tcp_segments));
		}
		if (itf->answer_map)
			i.answers_stored = itf->answer_map->stored();
		if (itf->tap_reader)
			i.xdp_tap = {itf->tap_reader->logged(), itf->tap_reader->dropped()};
		s.interfaces.push_back(std::move(i));
	}
	return s;
}

Result<void> Daemon::prepare_backend()
{
	if (cfg_.zone_backend()) {
		auto files = load_zones(cfg_.zones);
		if (!files)
			return files.error();
		file_zones_ = std::move(*files);
		if (!cfg_.secondaries.empty()) {
			auto specs = secondary_specs(cfg_);
			if (!specs)
				return specs.error();
			for (const auto &spec : *specs)
				for (const auto &z : file_zones_)
					if (dns::names_equal_ci(z->origin(), spec.origin))
						return Error{EINVAL, "zone " + spec.name + " is both a zone file and a secondary zone"};
			auto m = secondary::Manager::create(std::move(*specs), cfg_.state_dir,
							    [this] {
								    if (auto r = install_zones(); !r)
									    spdlog::error("{}", r.error().message);
							    });
			if (!m)
				return m.error();
			secondaries_ = std::move(*m);
		}
		if (auto r = install_zones(); !r)
			return r.error();
		spdlog::info("zone backend: {} zone file(s), {} secondary zone(s)", file_zones_.size(),
			     cfg_.secondaries.size());
		return {};
	}
	for (const auto &u : cfg_.upstreams) {
		auto ep = parse_endpoint(u.text);
		if (!ep)
			return ep.error();
		upstream_.servers.push_back(*ep);
	}
	upstream_.timeout_ms = cfg_.upstream_timeout_ms;
	upstream_.source_ports = cfg_.upstream_source_ports;
	spdlog::info("upstream backend: {} server(s), {} source port(s) per family and worker",
		     upstream_.servers.size(), upstream_.source_ports);
	return {};
}

Result<void> Daemon::install_zones()
{
	std::shared_ptr<const dns::ZoneSet> replaced;
	{
		std::lock_guard lock(install_mu_);
		auto r = swap_zones(replaced);
		if (!r)
			return r;
	}
	release_replaced(std::move(replaced));
	return {};
}

Result<void> Daemon::swap_zones(std::shared_ptr<const dns::ZoneSet> &replaced)
{
	ZoneList zones = file_zones_;
	std::vector<std::vector<std::uint8_t>> unavailable;
	if (secondaries_)
		for (auto &p : secondaries_->published()) {
			if (p.zone)
				zones.push_back(std::move(p.zone));
			else
				unavailable.push_back(std::move(p.origin));
		}
	auto set = dns::ZoneSet::build(std::move(zones), std::move(unavailable));
	if (!set)
		return set.error();
	replaced = zones_.load();
	zones_.store(std::move(*set));
	// No answer of the old zones from XDP once they are out of service.
	for (auto &itf : interfaces_)
		if (itf->answer_map)
			if (auto r = itf->answer_map->set_source(zones_.load().get()); !r)
				spdlog::error("{}: answers map: {}; no in-kernel answers until the next reload", itf->name,
					      r.error().message);
	return {};
}

void Daemon::apply_knobs(Interface &itf, const config::DaemonConfig &cfg)
{
	for (const auto &[name, text] : cfg.knobs) {
		const KnobDef *k = find_knob(name);
		auto v = k ? parse_knob_value(*k, text) : Result<std::uint32_t>(unknown_knob_error(name));
		if (!v) {
			spdlog::error("{}: {}", itf.name, v.error().message);
			continue;
		}
		itf.pins->set_knob(*k, *v);
	}
}

Result<void> Daemon::apply_fleet_key(Interface &itf, const config::DaemonConfig &cfg)
{
	if (cfg.key_source != config::DaemonConfig::KeySource::file)
		return {};
	auto key = load_fleet_key_file(cfg.key_file);
	if (!key)
		return key.error();
	const xdpdns_keys keys = itf.pins->read_keys();
	const auto &cur = keys.slot[keys.current % XDPDNS_KEY_SLOTS];
	if (cur.k0 == key->k0 && cur.k1 == key->k1)
		return {};
	// The old key stays valid as the previous one: connections in progress
	// across the change still validate.
	return itf.pins->rotate_key(*key);
}

Result<void> Daemon::open_interface(Interface &itf)
{
	auto idx = resolve_ifindex(itf.name);
	if (!idx)
		return idx.error();
	itf.ifindex = *idx;
	auto addresses = service_addresses(cfg_);
	if (!addresses)
		return addresses.error();

	auto pins = PinnedObjects::open(itf.name);
	if (pins) {
		spdlog::info("{}: adopting the XDP program attached by xdpdnsctl", itf.name);
		itf.pins.emplace(std::move(*pins));
		auto ports = itf.pins->read_ports();
		if (ports && *ports != cfg_.ports)
			spdlog::warn("{}: keeping the attached service ports; the configured ones differ",
				     itf.name);
		auto attached = itf.pins->read_addresses();
		if (!attached)
			return attached.error();
		if (*attached != *addresses)
			spdlog::warn("{}: keeping the attached service addresses ({}); the configured ones "
				     "({}) differ (xdpdnsctl set addresses changes them)",
				     itf.name, format_address_list(*attached), format_address_list(*addresses));
		apply_knobs(itf, cfg_);
		if (auto r = apply_fleet_key(itf, cfg_); !r)
			return r.error();
		return {};
	}

	AttachOptions opts;
	opts.ifname = itf.name;
	opts.mode = cfg_.mode;
	opts.ports = cfg_.ports;
	opts.addresses = *addresses;
	opts.pmtu_entries = cfg_.pmtu_entries;
	opts.rrl_buckets = cfg_.rrl_buckets;
	auto knobs = config::knob_config(cfg_);
	if (!knobs)
		return knobs.error();
	opts.config = *knobs;
	if (cfg_.key_source == config::DaemonConfig::KeySource::file) {
		auto key = load_fleet_key_file(cfg_.key_file);
		if (!key)
			return key.error();
		opts.key = *key;
	}
	opts.note = [&](std::string_view m) { spdlog::info("{}: {}", itf.name, m); };
	if (auto r = attach(opts); !r)
		return r.error();
	itf.attached_by_us = true;
	spdlog::info("{}: XDP program attached ({} mode, service addresses {})", itf.name,
		     xdp_mode_name(cfg_.mode), format_address_list(*addresses));
	auto opened = PinnedObjects::open(itf.name);
	if (!opened)
		return opened.error();
	itf.pins.emplace(std::move(*opened));
	return {};
}

// What the workers of `itf` share: the link MTU they send (published for
// XDP too), the idle closer, the dstats rows and the answers map.
Result<InterfaceShare> Daemon::share_interface(Interface &itf)
{
	auto mtu = interface_mtu(itf.name);
	if (!mtu)
		return mtu.error();
	// Every frame we send is one UMEM frame: Ethernet, two VLAN tags and
	// the IP packet must fit, so a jumbo MTU is served as the largest packet
	// a frame holds (larger answers are fragmented or cut into segments).
	const std::uint32_t frame_mtu = XskOptions{}.frame_size - 14 - 2 * 4;
	if (*mtu > frame_mtu) {
		spdlog::info("{}: MTU {} is above what one {}-octet AF_XDP frame holds; sending packets of at most {} octets",
			     itf.name, *mtu, XskOptions{}.frame_size, frame_mtu);
		*mtu = frame_mtu;
	}
	// XDP cuts its one-segment TCP answers to the same bound as the workers.
	itf.pins->publish_link_mtu(*mtu);
	try {
		itf.idle_closer = std::make_unique<IdleCloser>(itf.pins->tcp_conns_fd(), itf.ifindex);
	} catch (const std::system_error &e) {
		return Error{e.code().value(), e.what()};
	}
	auto dstats = itf.pins->map_dstats(true);
	if (!dstats)
		return dstats.error();
	itf.dstats = std::move(*dstats);
	auto *rows = itf.dstats.as<std::uint64_t>();
	auto rrl_sets = itf.pins->rrl_set_count();
	if (!rrl_sets)
		return rrl_sets.error();
	auto rrl = itf.pins->map_rrl();
	if (!rrl)
		return rrl.error();
	itf.rrl = std::move(*rrl);

	// In-kernel answers: emptied now (a daemon before us may have died
	// with its map installed), filled from this daemon's zones.
	itf.answer_map = std::make_unique<answers::AnswerMap>(itf.pins->answers_fd(), itf.pins->config_view(),
							      cfg_.answer_entries);
	if (cfg_.zone_backend()) {
		std::lock_guard lock(install_mu_);
		if (auto r = itf.answer_map->set_source(zones_.load().get()); !r)
			return r.error();
		spdlog::info("{}: answers map: up to {} answers, {} MiB at most", itf.name, cfg_.answer_entries,
			     (std::uint64_t{cfg_.answer_entries} * answers::AnswerMap::bytes_per_entry() + (1 << 19)) >> 20);
	}

	InterfaceShare share;
	share.ifname = itf.name;
	share.ifindex = itf.ifindex;
	share.mtu = *mtu;
	share.pins = &*itf.pins;
	share.dstats_rows = rows;
	share.answer_map = itf.answer_map.get();
	share.rrl_sets = itf.rrl.as<xdpdns_rrl_set>();
	share.rrl_set_count = *rrl_sets;
	share.idle_closer = itf.idle_closer.get();
	share.tap = tap_.get();
	share.cookie_secrets = &dns_cookie_store_;
	return share;
}

// One worker per RX queue (worker_factory.cpp), then their threads.
Result<void> Daemon::start_workers(Interface &itf)
{
	auto queues = rx_queue_count(itf.name);
	if (!queues)
		return queues.error();
	auto share = share_interface(itf);
	if (!share)
		return share.error();
	const BackendSource source{&zones_, &upstream_, secondaries_ ? &secondaries_->notify_check() : nullptr};
	share->tap_queue_base = tap_queues_used_;
	if (tap_ && tap_queues_used_ + *queues > tap_->queues())
		share->tap = nullptr;  // queues appeared since the count: no dnstap here
	tap_queues_used_ += *queues;
	for (std::uint32_t q = 0; q < *queues; q++) {
		auto worker = make_worker(cfg_, *share, source, q);
		if (!worker)
			return worker.error();
		itf.workers.push_back(std::move(*worker));
	}
	for (auto &w : itf.workers)
		itf.threads.emplace_back([this, worker = w.get()] { worker->run(stop_); });
	if (tap_ && tap_queues_used_ < tap_->queues()) {
		auto reader = dnstap::XdpTapReader::start(itf.pins->tap_events_fd(), *tap_, tap_queues_used_++, itf.name);
		if (!reader)
			return reader.error();
		itf.tap_reader = std::move(*reader);
	}
	return {};
}

void Daemon::reload()
{
	spdlog::info("SIGHUP: reloading");
	if (!cfg_.zones.empty()) {
		auto files = load_zones(cfg_.zones);
		if (!files) {
			spdlog::error("reload failed, keeping the zones in service: {}", files.error().message);
		} else {
			{
				std::lock_guard lock(install_mu_);
				file_zones_ = std::move(*files);
			}
			if (auto r = install_zones(); !r)
				spdlog::error("reload failed, keeping the zones in service: {}", r.error().message);
			else
				spdlog::info("zones reloaded");
		}
	}
	// The same arguments again: a --config file may have changed. Knobs and
	// the fleet key apply live; interfaces, ports and backends need a restart.
	const auto cmd = config::parse_command_line(args_);
	if (cmd.action != config::Command::Action::run) {
		spdlog::error("reload failed, keeping the running settings: {}", cmd.message);
		return;
	}
	const config::DaemonConfig &fresh = cmd.config;
	for (auto &itf : interfaces_) {
		apply_knobs(*itf, fresh);
		if (auto r = apply_fleet_key(*itf, fresh); !r)
			spdlog::error("{}: {}", itf->name, r.error().message);
	}
	if (dns_cookie_maker_ && dns_cookie_maker_->is_fleet() &&
	    fresh.key_source == config::DaemonConfig::KeySource::file) {
		auto key = load_fleet_key_file(fresh.key_file);
		if (key && dns_cookie_maker_->change_fleet_key(*key, realtime_ns() / 1000000000ull, cookie_rotate_s())) {
			dns_cookie_store_.publish(dns_cookie_maker_->secrets());
			spdlog::info("DNS Cookie secret: derived from the new fleet key (the old one's still accepted)");
		}
	}
	cfg_.knobs = fresh.knobs;
	cfg_.key_source = fresh.key_source;
	cfg_.key_file = fresh.key_file;
	if (!cfg_.zones.empty() && fresh.zones != cfg_.zones)
		spdlog::warn("a changed list of zone files takes a restart; reloaded the running ones");
	if (fresh.secondaries != cfg_.secondaries || fresh.tsig_keys != cfg_.tsig_keys ||
	    fresh.state_dir != cfg_.state_dir)
		spdlog::warn("changed secondary zones, TSIG keys or state directory take a restart; kept the running ones");
	auto now_addrs = service_addresses(cfg_), fresh_addrs = service_addresses(fresh);
	if (now_addrs && fresh_addrs && *now_addrs != *fresh_addrs)
		spdlog::warn("changed service addresses take a restart or `xdpdnsctl set addresses`; "
			     "kept the running ones");
	spdlog::info("settings reloaded ({})", fresh.source);
}

void Daemon::rotate_keys_if_due()
{
	if (cfg_.key_source == config::DaemonConfig::KeySource::file || interfaces_.empty())
		return;
	const std::uint32_t period = interfaces_.front()->pins->read_config().cookie_rotate_s;
	const std::uint64_t now = monotonic_s();
	if (period == 0 || now - last_rotation_s_ < period)
		return;
	last_rotation_s_ = now;
	for (auto &itf : interfaces_) {
		if (auto r = itf->pins->rotate_key(); !r)
			spdlog::error("{}: cookie key rotation: {}", itf->name, r.error().message);
		else
			spdlog::debug("{}: cookie key rotated", itf->name);
	}
	// The DNS Cookie secret rolls over with the TCP keys (the old one
	// stays accepted).
	if (dns_cookie_maker_) {
		if (auto r = dns_cookie_maker_->rotate(); !r) {
			spdlog::error("DNS Cookie secret rotation: {}", r.error().message);
		} else {
			dns_cookie_store_.publish(dns_cookie_maker_->secrets());
			spdlog::debug("DNS Cookie secret rotated");
		}
	}
}

std::uint32_t Daemon::cookie_rotate_s() const
{
	return interfaces_.empty() || !interfaces_.front()->pins ? 0
								 : interfaces_.front()->pins->read_config().cookie_rotate_s;
}

Result<void> Daemon::init_dns_cookie_secrets()
{
	if (cfg_.key_source == config::DaemonConfig::KeySource::file) {
		auto key = load_fleet_key_file(cfg_.key_file);
		if (!key)
			return key.error();
		dns_cookie_maker_.emplace(CookieSecretMaker::fleet(*key, realtime_ns() / 1000000000ull, cookie_rotate_s()));
	} else {
		auto m = CookieSecretMaker::random();
		if (!m)
			return m.error();
		dns_cookie_maker_.emplace(std::move(*m));
	}
	dns_cookie_store_.publish(dns_cookie_maker_->secrets());
	spdlog::info("DNS Cookies: {}{}, secret {}", cfg_.cookies_enable ? "on" : "off",
		     cfg_.cookies_enable && cfg_.cookies_require ? " (required over UDP)" : "",
		     dns_cookie_maker_->is_fleet() ? "derived from the fleet key" : "random");
	return {};
}

// With a fleet key the secret follows UTC periods of cookie.rotate seconds
// (every member agrees without talking); checked at each wake of the main
// loop, at least once a second.
void Daemon::tick_dns_cookie_secrets()
{
	if (dns_cookie_maker_ && dns_cookie_maker_->tick(realtime_ns() / 1000000000ull, cookie_rotate_s())) {
		dns_cookie_store_.publish(dns_cookie_maker_->secrets());
		spdlog::debug("DNS Cookie secret: next period");
	}
}

// The XDP program and the workers read the cookie epoch from the config
// map; it moves on here, on time (the main loop wakes at each boundary).
// Returns the poll time-out until the next boundary, at most a second.
int Daemon::publish_cookie_epochs()
{
	const std::uint64_t now = realtime_ns();
	std::uint64_t wait_ms = 1000;
	for (auto &itf : interfaces_) {
		itf->pins->publish_cookie_epoch(now);
		wait_ms = std::min(wait_ms, ms_to_next_epoch(now, itf->pins->read_config().cookie_epoch_s));
	}
	return static_cast<int>(wait_ms);
}

void Daemon::shutdown()
{
	// First: its thread installs zones into the interfaces torn down below.
	if (secondaries_)
		secondaries_->stop();
	metrics_.reset();
	std::lock_guard lock(interfaces_mu_);
	stop_ = true;
	for (auto &itf : interfaces_) {
		// Out of the XSKMAP first: from here on UDP goes to the host
		// stack, rather than into rings the stopping workers no longer read.
		for (auto &w : itf->workers)
			w->port().unregister();
		for (auto &t : itf->threads)
			t.join();
		itf->threads.clear();
		itf->workers.clear();  // sockets and UMEMs freed
		itf->tap_reader.reset();
		itf->answer_map.reset();  // XDP answers nothing more
		itf->idle_closer.reset();
		if (itf->pins)  // none when opening the interface failed
			itf->pins->publish_link_mtu(0);
		itf->dstats = MapMmap();
		itf->rrl = MapMmap();
		itf->pins.reset();
		if (itf->attached_by_us) {
			if (auto r = detach(itf->name); !r)
				spdlog::error("{}: detach: {}", itf->name, r.error().message);
			else
				spdlog::info("{}: XDP program detached", itf->name);
		}
	}
	interfaces_.clear();
	tap_.reset();  // the workers are gone: flush and close
}

int Daemon::run()
{
	// Signals go to the main thread's signalfd only: block them before any
	// worker thread exists, the workers inherit the mask.
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &mask, nullptr) != 0) {
		spdlog::error("blocking signals failed");
		return 1;
	}
	const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		spdlog::error("signalfd: {}", std::strerror(errno));
		return 1;
	}

	if (auto r = prepare_backend(); !r) {
		spdlog::error("{}", r.error().message);
		close(sfd);
		return 1;
	}
	if (auto r = open_dnstap(); !r) {
		spdlog::error("{}", r.error().message);
		if (secondaries_)
			secondaries_->stop();
		close(sfd);
		return 1;
	}
	// Before any interface: a metrics address that cannot be had stops the
	// start with nothing attached.
	if (!cfg_.metrics_listen.empty()) {
		auto m = metrics::HttpServer::start(cfg_.metrics_listen,
						    [this] { return metrics::render(metrics_snapshot()); });
		if (!m) {
			spdlog::error("{}", m.error().message);
			if (secondaries_)
				secondaries_->stop();
			close(sfd);
			return 1;
		}
		metrics_ = std::move(*m);
		spdlog::info("metrics at http://{}/metrics", cfg_.metrics_listen);
	}
	for (const auto &name : cfg_.interfaces) {
		std::unique_lock lock(interfaces_mu_);
		auto itf = std::make_unique<Interface>();
		itf->name = name;
		interfaces_.push_back(std::move(itf));
		Interface &i = *interfaces_.back();
		auto r = open_interface(i);
		if (r)
			i.pins->publish_cookie_epoch(realtime_ns());
		if (r && !dns_cookie_maker_)
			r = init_dns_cookie_secrets();
		if (r)
			r = start_workers(i);
		if (!r) {
			spdlog::error("{}: {}", name, r.error().message);
			lock.unlock();
			shutdown();
			close(sfd);
			return 1;
		}
	}
	last_rotation_s_ = monotonic_s();
	if (secondaries_)
		secondaries_->start();
	spdlog::info("serving on {} interface(s)", interfaces_.size());

	for (;;) {
		pollfd p{sfd, POLLIN, 0};
		const int n = poll(&p, 1, publish_cookie_epochs());
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			signalfd_siginfo si{};
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				reload();
				continue;
			}
			spdlog::info("signal {}: shutting down", si.ssi_signo);
			break;
		}
		rotate_keys_if_due();
		tick_dns_cookie_secrets();
	}
	shutdown();
	close(sfd);
	return 0;
}

}  // namespace

int run_daemon(const config::DaemonConfig &cfg, const std::vector<std::string> &args)
{
	Daemon d(cfg, args);
	return d.run();
}

}  // namespace xdpdns::daemon
