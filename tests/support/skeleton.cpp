// Only this file includes the generated skeleton (see skeleton.h).
#include "skeleton.h"

#include <bpf/libbpf.h>
#include <sys/mman.h>

#include "xdpdns.skel.h"

namespace xdpdns_test_skel {

#if defined(__XDPDNS_BPF_SKEL_H__)
using Skel = struct ::xdpdns_bpf;
static Skel *skel_open_and_load() { return ::xdpdns_bpf__open_and_load(); }
static void skel_destroy(Skel *s) { ::xdpdns_bpf__destroy(s); }
#else
using Skel = struct ::xdpdns;
static Skel *skel_open_and_load() { return ::xdpdns__open_and_load(); }
static void skel_destroy(Skel *s) { ::xdpdns__destroy(s); }
#endif

Handles open_and_load()
{
	Handles h;
	Skel *s = skel_open_and_load();
	if (!s)
		return h;
	h.skel = s;
	h.prog_main = bpf_program__fd(s->progs.xdpdns_main);
	h.prog_atr = bpf_program__fd(s->progs.xdpdns_atr);
	h.config = bpf_map__fd(s->maps.config);
	h.ports = bpf_map__fd(s->maps.ports);
	h.keys = bpf_map__fd(s->maps.keys);
	h.xsks = bpf_map__fd(s->maps.xsks);
	h.stats = bpf_map__fd(s->maps.stats);
	h.pmtu = bpf_map__fd(s->maps.pmtu);
	h.atr_allow = bpf_map__fd(s->maps.atr_allow);
	h.service_addrs = bpf_map__fd(s->maps.service_addrs);
	h.tcp_conns = bpf_map__fd(s->maps.tcp_conns);
	h.answers = bpf_map__fd(s->maps.answers);
	h.rrl = bpf_map__fd(s->maps.rrl);
	h.rrl_exempt = bpf_map__fd(s->maps.rrl_exempt);
	h.rrl_bytes = bpf_map__max_entries(s->maps.rrl) * bpf_map__value_size(s->maps.rrl);
	void *m = mmap(nullptr, h.rrl_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, h.rrl, 0);
	h.rrl_mem = m == MAP_FAILED ? nullptr : m;
	return h;
}

void destroy(void *skel) { skel_destroy(static_cast<Skel *>(skel)); }

} // namespace xdpdns_test_skel
