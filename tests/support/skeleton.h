// Access to the production object's skeleton (xdpdns.skel.h) through plain
// file descriptors. The skeleton lives in its own translation unit because
// bpftool names the struct after the object: "xdpdns" gives a global
// `struct xdpdns`, which C++ cannot have next to `namespace xdpdns`. The
// adapter accepts either generated name (struct xdpdns or xdpdns_bpf).
#pragma once

namespace xdpdns_test_skel {

struct Handles {
	void *skel = nullptr; // the skeleton object, for destroy()
	int prog_main = -1;   // xdpdns_main
	int prog_atr = -1;    // xdpdns_atr
	int config = -1, ports = -1, keys = -1, xsks = -1, stats = -1, pmtu = -1, atr_allow = -1;
	int service_addrs = -1;
	int tcp_conns = -1;
	int answers = -1;
	int rrl = -1, rrl_exempt = -1;
	void *rrl_mem = nullptr;        // the rrl map, mmapped (rrl_bytes long)
	unsigned long rrl_bytes = 0;
};

// Opens and loads the object; on failure skel is null and errno is set.
Handles open_and_load();
void destroy(void *skel);

} // namespace xdpdns_test_skel
