#include "config.h"

#include "common/knobs.h"

namespace xdpdns::daemon::config {

Result<xdpdns_config> knob_config(const DaemonConfig &config)
{
	xdpdns_config c = config_defaults();
	for (const auto &[name, text] : config.knobs)
		if (auto r = apply_knob(c, name, text); !r)
			return r.error();
	return c;
}

void set_knob(DaemonConfig &config, const std::string &name, const std::string &text)
{
	for (auto &[n, t] : config.knobs) {
		if (n == name) {
			t = text;
			return;
		}
	}
	config.knobs.emplace_back(name, text);
}

}  // namespace xdpdns::daemon::config
