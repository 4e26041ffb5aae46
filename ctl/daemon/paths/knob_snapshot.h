// The knobs a worker uses, read once per batch from the pinned config map
// (mmapped): `xdpdnsctl set` changes take effect at the next batch.
#pragma once

#include "daemon/rrl/limiter.h"

#include <xdpdns/abi.h>

#include <cstdint>

namespace xdpdns::daemon {

struct KnobSnapshot {
	std::uint32_t tcp_window = 65535;
	std::uint32_t tcp_segment_size = 512;
	std::uint32_t edns_buffer_size = 1232;
	bool atr_enabled = true;
	std::uint32_t atr_size_v4 = 1472;
	std::uint32_t atr_size_v6 = 1232;
	std::uint32_t atr_delay_us = 10000;
	std::uint32_t atr_probability = 100;
	bool atr_allow_active = false;  // the allow-list has entries
	bool tcp_reuse = true;
	std::uint32_t tcp_idle_ms = 10000;
	std::uint32_t tcp_max_queries = 0;
	bool checksum_strict = false;   // refuse partial transport checksums
	bool answers_in_kernel = true;  // store answers for XDP to give
	rrl::Settings rrl;              // response rate limiting (UDP)

	static KnobSnapshot read(const xdpdns_config *cfg)
	{
		KnobSnapshot k;
		if (!cfg)
			return k;
		auto load = [](const std::uint32_t &f) { return __atomic_load_n(&f, __ATOMIC_RELAXED); };
		k.tcp_window = load(cfg->tcp_window);
		k.tcp_segment_size = load(cfg->tcp_segment_size);
		k.edns_buffer_size = load(cfg->edns_buffer_size);
		k.atr_enabled = load(cfg->atr_enabled) != 0;
		k.atr_size_v4 = load(cfg->atr_size_v4);
		k.atr_size_v6 = load(cfg->atr_size_v6);
		k.atr_delay_us = load(cfg->atr_delay_us);
		k.atr_probability = load(cfg->atr_probability);
		k.atr_allow_active = load(cfg->atr_allow_active) != 0;
		k.tcp_reuse = load(cfg->tcp_reuse) != 0;
		k.tcp_idle_ms = load(cfg->tcp_idle_ms);
		k.tcp_max_queries = load(cfg->tcp_max_queries);
		k.checksum_strict = load(cfg->checksum_strict) != 0;
		k.answers_in_kernel = load(cfg->answers_in_kernel) != 0;
		k.rrl.rate = load(cfg->rrl_rate);
		k.rrl.slip = load(cfg->rrl_slip);
		k.rrl.prefix_v4 = load(cfg->rrl_prefix_v4);
		k.rrl.prefix_v6 = load(cfg->rrl_prefix_v6);
		k.rrl.log_only = load(cfg->rrl_log_only) != 0;
		return k;
	}
};

}  // namespace xdpdns::daemon
