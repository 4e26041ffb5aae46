#include "yaml_file.h"

#include <sys/stat.h>

#include "values.h"

#include "common/attach.h"
#include "common/knobs.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

namespace xdpdns::daemon::config {
namespace {

// A check failed; thrown inside this file only and turned into a Result by
// load_text(), so that the walk below reads as a list of checks.
struct Failure {
	Error error;
};

// One `key: value` of a map, with the dotted path of the key.
struct Entry {
	std::string key;   // "backend.upstream-timeout", "knobs.atr.delay"
	std::string name;  // "upstream-timeout", "atr.delay"
	YAML::Node key_node;
	YAML::Node value;
};

std::string kind(const YAML::Node &n)
{
	switch (n.Type()) {
	case YAML::NodeType::Scalar: return "a value";
	case YAML::NodeType::Sequence: return "a list";
	case YAML::NodeType::Map: return "a map";
	default: return "nothing";
	}
}

std::string joined(const std::vector<std::string> &names)
{
	std::string s;
	for (const auto &n : names)
		s += (s.empty() ? "" : ", ") + n;
	return s;
}

class Loader {
public:
	explicit Loader(const std::string &name) : file_(name)
	{
		dir_ = std::filesystem::path(name).parent_path();
	}

	DaemonConfig load(std::string_view text);

private:
	[[noreturn]] void fail(const YAML::Mark &at, const std::string &key, const std::string &msg,
			       int err = EINVAL) const
	{
		// Marks are 0-based; a node without one (empty document) is 1:1.
		int line = at.is_null() ? 1 : at.line + 1, col = at.is_null() ? 1 : at.column + 1;
		std::string where = file_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
		throw Failure{Error{err, where + (key.empty() ? "" : key + ": ") + msg}};
	}
	[[noreturn]] void fail(const YAML::Mark &at, const std::string &key, const Error &e) const
	{
		fail(at, key, e.message, e.err);
	}

	// Where a value error points: the value, or its key when the value is
	// empty (yaml-cpp marks an empty value at the next token).
	static YAML::Mark value_mark(const Entry &e)
	{
		return e.value.IsNull() ? e.key_node.Mark() : e.value.Mark();
	}

	// The entries of a map in file order; keys must be unique plain values.
	std::vector<Entry> entries(const YAML::Node &map, const std::string &path) const;

	// `allowed` in order, for the "valid keys" list of an unknown key.
	void dispatch(const YAML::Node &map, const std::string &path,
		      const std::vector<std::pair<std::string, std::function<void(const Entry &)>>> &allowed) const;

	std::string scalar(const Entry &e) const;
	std::string scalar_item(const YAML::Node &item, const std::string &key) const;
	const YAML::Node &list(const Entry &e, const std::string &example) const;
	const YAML::Node &map(const Entry &e, const std::string &example) const;

	std::string resolve(const std::string &path) const
	{
		if (path.empty() || path.front() == '/' || dir_.empty())
			return path;
		return (dir_ / path).string();
	}

	template <class T>
	void count(const Entry &e, std::uint64_t min, std::uint64_t max, T &field) const
	{
		auto v = parse_count(scalar(e), min, max);
		if (!v)
			fail(value_mark(e), e.key, v.error());
		field = static_cast<T>(*v);
	}

	void interfaces(const Entry &e);
	void ports(const Entry &e);
	void addresses(const Entry &e);
	void backend(const Entry &e);
	void zones(const Entry &e);
	void upstreams(const Entry &e);
	void secondaries(const Entry &e);
	void tsig_keys(const Entry &e);
	void knobs(const Entry &e);
	void cookie_key(const Entry &e);
	void dnstap(const Entry &e);
	bool boolean(const Entry &e) const;
	void cookies(const Entry &e);

	std::string file_;
	std::filesystem::path dir_;
	DaemonConfig c_;
};

std::vector<Entry> Loader::entries(const YAML::Node &map, const std::string &path) const
{
	std::vector<Entry> out;
	std::map<std::string, int> first_line;
	for (const auto &kv : map) {
		YAML::Node k = kv.first;
		std::string shown = k.IsScalar() ? k.Scalar() : "?";
		std::string key = path.empty() ? shown : path + "." + shown;
		if (!k.IsScalar())
			fail(k.Mark(), path.empty() ? "" : path, "keys must be plain names, got " + kind(k));
		auto [seen, fresh] = first_line.emplace(k.Scalar(), k.Mark().line + 1);
		if (!fresh)
			fail(k.Mark(), key, "duplicate key (first on line " + std::to_string(seen->second) + ")");
		out.push_back(Entry{key, k.Scalar(), k, kv.second});
	}
	return out;
}

void Loader::dispatch(const YAML::Node &map, const std::string &path,
		      const std::vector<std::pair<std::string, std::function<void(const Entry &)>>> &allowed) const
{
	for (const Entry &e : entries(map, path)) {
		bool known = false;
		for (const auto &[name, handle] : allowed) {
			if (name == e.name) {
				handle(e);
				known = true;
				break;
			}
		}
		if (!known) {
			std::vector<std::string> names;
			for (const auto &a : allowed)
				names.push_back(a.first);
			fail(e.key_node.Mark(), e.key, "unknown key; valid keys: " + joined(names));
		}
	}
}

std::string Loader::scalar(const Entry &e) const
{
	if (!e.value.IsScalar())
		fail(value_mark(e), e.key, "expected a value, got " + kind(e.value));
	return e.value.Scalar();
}

std::string Loader::scalar_item(const YAML::Node &item, const std::string &key) const
{
	if (!item.IsScalar())
		fail(item.Mark(), key, "expected a value in the list, got " + kind(item));
	return item.Scalar();
}

const YAML::Node &Loader::list(const Entry &e, const std::string &example) const
{
	if (!e.value.IsSequence())
		fail(value_mark(e), e.key, "expected a list (e.g. " + example + "), got " + kind(e.value));
	return e.value;
}

const YAML::Node &Loader::map(const Entry &e, const std::string &example) const
{
	if (!e.value.IsMap())
		fail(value_mark(e), e.key, "expected a map (e.g. " + example + "), got " + kind(e.value));
	return e.value;
}

void Loader::interfaces(const Entry &e)
{
	const YAML::Node &l = list(e, "[eth0]");
	if (l.size() == 0)
		fail(value_mark(e), e.key, "at least one interface is required");
	c_.interfaces.clear();
	for (const auto &item : l) {
		auto name = parse_interface_name(scalar_item(item, e.key));
		if (!name)
			fail(item.Mark(), e.key, name.error());
		if (std::find(c_.interfaces.begin(), c_.interfaces.end(), *name) != c_.interfaces.end())
			fail(item.Mark(), e.key, "'" + *name + "' is listed twice");
		c_.interfaces.push_back(*name);
	}
}

void Loader::ports(const Entry &e)
{
	const YAML::Node &l = list(e, "[53]");
	if (l.size() == 0)
		fail(value_mark(e), e.key, "at least one port is required");
	c_.ports.clear();
	for (const auto &item : l) {
		auto port = parse_service_port(scalar_item(item, e.key));
		if (!port)
			fail(item.Mark(), e.key, port.error());
		if (std::find(c_.ports.begin(), c_.ports.end(), *port) != c_.ports.end())
			fail(item.Mark(), e.key, std::to_string(*port) + " is listed twice");
		c_.ports.push_back(*port);
	}
}

void Loader::addresses(const Entry &e)
{
	for (const auto &item : list(e, "[192.0.2.53, 2001:db8::53]")) {
		auto a = parse_service_address(scalar_item(item, e.key));
		if (!a)
			fail(item.Mark(), e.key, a.error());
		if (std::find(c_.addresses.begin(), c_.addresses.end(), *a) != c_.addresses.end())
			fail(item.Mark(), e.key, "'" + *a + "' is listed twice");
		if (c_.addresses.size() == XDPDNS_MAX_SERVICE_ADDRS)
			fail(item.Mark(), e.key, "more than " + std::to_string(XDPDNS_MAX_SERVICE_ADDRS) + " addresses");
		c_.addresses.push_back(*a);
	}
}

void Loader::zones(const Entry &e)
{
	const YAML::Node &l = list(e, "[{file: example.test.zone}]");
	if (l.size() == 0)
		fail(value_mark(e), e.key, "at least one zone is required");
	for (std::size_t i = 0; i < l.size(); i++) {
		const YAML::Node &item = l[i];
		std::string path = e.key + "[" + std::to_string(i) + "]";
		if (!item.IsMap())
			fail(item.Mark(), path, "expected a map (e.g. {file: example.test.zone, origin: example.test.}), got " + kind(item));
		ZoneFile z;
		bool has_file = false;
		dispatch(item, path, {
			{"file", [&](const Entry &f) {
				 z.path = scalar(f);
				 if (z.path.empty())
					 fail(value_mark(f), f.key, "empty file name");
				 z.path = resolve(z.path);
				 has_file = true;
			 }},
			{"origin", [&](const Entry &o) {
				 auto origin = parse_origin(scalar(o));
				 if (!origin)
					 fail(value_mark(o), o.key, origin.error());
				 z.origin = *origin;
			 }},
		});
		if (!has_file)
			fail(item.Mark(), path + ".file", "required key missing (the zone file)");
		for (const auto &other : c_.zones)
			if (other.path == z.path)
				fail(item.Mark(), path + ".file", "'" + z.path + "' is listed twice");
		c_.zones.push_back(std::move(z));
	}
}

void Loader::upstreams(const Entry &e)
{
	const YAML::Node &l = list(e, "[\"192.0.2.1\", \"[2001:db8::1]:5353\"]");
	if (l.size() == 0)
		fail(value_mark(e), e.key, "at least one upstream server is required");
	for (const auto &item : l) {
		auto u = parse_upstream(scalar_item(item, e.key));
		if (!u)
			fail(item.Mark(), e.key, u.error());
		if (std::find(c_.upstreams.begin(), c_.upstreams.end(), *u) != c_.upstreams.end())
			fail(item.Mark(), e.key, "'" + u->text + "' is listed twice");
		c_.upstreams.push_back(*u);
	}
}

void Loader::backend(const Entry &e)
{
	const YAML::Node &m = map(e, "{zones: [{file: example.test.zone}]}");
	// The first kind seen decides; the second is reported at its key.
	// Zone files and secondary zones are one kind (the zone backend).
	std::string kind_seen;
	std::optional<Entry> upstream_only;  // a setting of the upstream backend
	std::optional<Entry> zone_only;      // a setting of the zone backend
	auto one_kind = [&](const Entry &k) {
		const std::string kind = k.name == "upstream" ? "upstream" : "zones";
		if (!kind_seen.empty() && kind_seen != kind)
			fail(k.key_node.Mark(), e.key, "zones and upstream exclude each other; choose one backend");
		kind_seen = kind;
	};
	dispatch(m, e.key, {
		{"zones", [&](const Entry &z) { one_kind(z); zones(z); }},
		{"secondary", [&](const Entry &z) { one_kind(z); secondaries(z); }},
		{"state-dir", [&](const Entry &d) {
			 std::string dir = scalar(d);
			 if (dir.empty())
				 fail(value_mark(d), d.key, "empty directory name");
			 c_.state_dir = resolve(dir);
			 zone_only = d;
		 }},
		{"upstream", [&](const Entry &u) { one_kind(u); upstreams(u); }},
		{"upstream-timeout", [&](const Entry &t) {
			 auto ms = parse_upstream_timeout_ms(scalar(t));
			 if (!ms)
				 fail(value_mark(t), t.key, ms.error());
			 c_.upstream_timeout_ms = *ms;
			 upstream_only = t;
		 }},
		{"upstream-source-ports", [&](const Entry &p) {
			 count(p, 1, kMaxUpstreamSourcePorts, c_.upstream_source_ports);
			 upstream_only = p;
		 }},
	});
	if (kind_seen.empty())
		fail(value_mark(e), e.key, "no backend; write zones: [...], secondary: [...] or upstream: [...]");
	if (upstream_only && kind_seen != "upstream")
		fail(upstream_only->key_node.Mark(), upstream_only->key, "only used with upstream");
	if (zone_only && c_.secondaries.empty())
		fail(zone_only->key_node.Mark(), zone_only->key, "only used with secondary zones");
}

void Loader::secondaries(const Entry &e)
{
	const char *example = "[{zone: example.test., primaries: [\"192.0.2.1\"]}]";
	const YAML::Node &l = list(e, example);
	if (l.size() == 0)
		fail(value_mark(e), e.key, "at least one secondary zone is required");
	for (std::size_t i = 0; i < l.size(); i++) {
		const YAML::Node &item = l[i];
		std::string path = e.key + "[" + std::to_string(i) + "]";
		if (!item.IsMap())
			fail(item.Mark(), path, std::string("expected a map (e.g. ") + example + "), got " + kind(item));
		SecondaryZone z;
		dispatch(item, path, {
			{"zone", [&](const Entry &o) {
				 auto origin = parse_origin(scalar(o));
				 if (!origin)
					 fail(value_mark(o), o.key, origin.error());
				 z.origin = *origin;
			 }},
			{"primaries", [&](const Entry &p) {
				 const YAML::Node &pl = list(p, "[\"192.0.2.1\", \"[2001:db8::1]:5353\"]");
				 if (pl.size() == 0)
					 fail(value_mark(p), p.key, "at least one primary is required");
				 for (const auto &pi : pl) {
					 auto u = parse_upstream(scalar_item(pi, p.key));
					 if (!u)
						 fail(pi.Mark(), p.key, u.error());
					 if (std::find(z.primaries.begin(), z.primaries.end(), *u) != z.primaries.end())
						 fail(pi.Mark(), p.key, "'" + u->text + "' is listed twice");
					 z.primaries.push_back(*u);
				 }
			 }},
			{"key", [&](const Entry &k) {
				 auto name = parse_origin(scalar(k));
				 if (!name)
					 fail(value_mark(k), k.key, name.error());
				 z.key = *name;
			 }},
		});
		if (z.origin.empty())
			fail(item.Mark(), path + ".zone", "required key missing (the zone's name)");
		if (z.primaries.empty())
			fail(item.Mark(), path + ".primaries", "required key missing (e.g. primaries: [\"192.0.2.1\"])");
		for (const auto &other : c_.secondaries)
			if (other.origin == z.origin)
				fail(item.Mark(), path + ".zone", "'" + z.origin + "' is listed twice");
		c_.secondaries.push_back(std::move(z));
	}
}

void Loader::tsig_keys(const Entry &e)
{
	const char *example = "[{name: xfr-key., algorithm: hmac-sha256, secret: \"BASE64\"}]";
	const YAML::Node &l = list(e, example);
	for (std::size_t i = 0; i < l.size(); i++) {
		const YAML::Node &item = l[i];
		std::string path = e.key + "[" + std::to_string(i) + "]";
		if (!item.IsMap())
			fail(item.Mark(), path, std::string("expected a map (e.g. ") + example + "), got " + kind(item));
		std::string name, algorithm = "hmac-sha256", secret;
		bool has_secret = false;
		dispatch(item, path, {
			{"name", [&](const Entry &n) { name = scalar(n); }},
			{"algorithm", [&](const Entry &a) { algorithm = scalar(a); }},
			{"secret", [&](const Entry &s) { secret = scalar(s); has_secret = true; }},
		});
		if (name.empty())
			fail(item.Mark(), path + ".name", "required key missing (the key's name)");
		if (!has_secret)
			fail(item.Mark(), path + ".secret", "required key missing (base64)");
		auto k = parse_tsig_key(name, algorithm, secret);
		if (!k)
			fail(item.Mark(), path, k.error());
		for (const auto &other : c_.tsig_keys)
			if (other.name == k->name)
				fail(item.Mark(), path + ".name", "'" + k->name + "' is defined twice");
		c_.tsig_keys.push_back(*k);
	}
}

void Loader::knobs(const Entry &e)
{
	for (const Entry &k : entries(map(e, "{tcp.mss-v4: 1220}"), e.key)) {
		if (!find_knob(k.name))
			fail(k.key_node.Mark(), k.key, unknown_knob_error(k.name));
		std::string text = scalar(k);
		// The knob table's messages begin with the knob's name; prefixing
		// "knobs." makes them name the full key.
		if (auto r = check_knob(k.name, text); !r)
			fail(value_mark(k), "", "knobs." + r.error().message, r.error().err);
		c_.knobs.emplace_back(k.name, text);
	}
}

void Loader::cookies(const Entry &e)
{
	auto yes_no = [&](const Entry &v) {
		const std::string t = scalar(v);
		if (t == "yes" || t == "on" || t == "true")
			return true;
		if (t == "no" || t == "off" || t == "false")
			return false;
		fail(value_mark(v), v.key, "'" + t + "' is not yes or no");
	};
	dispatch(map(e, "{enable: yes, require: no}"), e.key, {
		{"enable", [&](const Entry &v) { c_.cookies_enable = yes_no(v); }},
		{"require", [&](const Entry &v) { c_.cookies_require = yes_no(v); }},
	});
}

void Loader::cookie_key(const Entry &e)
{
	std::string text = scalar(e);
	if (text == "random") {
		c_.key_source = DaemonConfig::KeySource::random;
		c_.key_file.clear();
		return;
	}
	if (text.rfind("file:", 0) != 0)
		fail(value_mark(e), e.key, "'" + text + "' is not a key source; write random or file:PATH");
	std::string path = text.substr(5);
	if (path.empty())
		fail(value_mark(e), e.key, "'" + text + "' names no file; write file:PATH");
	path = resolve(path);
	if (auto r = check_key_file(path); !r)
		fail(value_mark(e), e.key, r.error());
	c_.key_source = DaemonConfig::KeySource::file;
	c_.key_file = path;
}

bool Loader::boolean(const Entry &e) const
{
	const std::string v = scalar(e);
	if (v == "on" || v == "true" || v == "yes")
		return true;
	if (v == "off" || v == "false" || v == "no")
		return false;
	fail(value_mark(e), e.key, "'" + v + "' is not on or off");
}

void Loader::dnstap(const Entry &e)
{
	DnstapConfig d;
	dispatch(map(e, "{socket: /run/dnstap.sock}"), e.key, {
		{"socket", [&](const Entry &s) { d.socket = resolve(scalar(s)); }},
		{"file", [&](const Entry &s) { d.file = resolve(scalar(s)); }},
		{"log-queries", [&](const Entry &s) { d.log_queries = boolean(s); }},
		{"log-responses", [&](const Entry &s) { d.log_responses = boolean(s); }},
		{"sample", [&](const Entry &s) { count(s, 1, kMaxDnstapSample, d.sample); }},
		{"identity", [&](const Entry &s) { d.identity = scalar(s); }},
		{"version", [&](const Entry &s) { d.version = scalar(s); }},
	});
	if (!d.socket.empty() && !d.file.empty())
		fail(e.key_node.Mark(), e.key, "socket and file both given; choose one");
	if (d.socket.empty() && d.file.empty())
		fail(e.key_node.Mark(), e.key, "socket or file is required");
	c_.dnstap = d;
}

DaemonConfig Loader::load(std::string_view text)
{
	std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
	if (docs.size() > 1)
		fail(docs[1].Mark(), "", "more than one YAML document ('---'); put all settings in one");
	YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
	if (root.IsNull())
		fail(root.Mark(), "", "no settings; interfaces and backend are required");
	if (!root.IsMap())
		fail(root.Mark(), "", "expected a map of settings (interfaces, backend, ...), got " + kind(root));

	c_ = DaemonConfig{};
	c_.source = file_;
	bool has_interfaces = false, has_backend = false;
	dispatch(root, "", {
		{"interfaces", [&](const Entry &e) { interfaces(e); has_interfaces = true; }},
		{"ports", [&](const Entry &e) { ports(e); }},
		{"mode", [&](const Entry &e) {
			 auto m = parse_mode(scalar(e));
			 if (!m)
				 fail(value_mark(e), e.key, m.error());
			 c_.mode = *m;
		 }},
		{"addresses", [&](const Entry &e) { addresses(e); }},
		{"backend", [&](const Entry &e) { backend(e); has_backend = true; }},
		{"knobs", [&](const Entry &e) { knobs(e); }},
		{"cookie-key", [&](const Entry &e) { cookie_key(e); }},
		{"cookies", [&](const Entry &e) { cookies(e); }},
		{"tsig-keys", [&](const Entry &e) { tsig_keys(e); }},
		{"pmtu-entries", [&](const Entry &e) { count(e, 1, kMaxPmtuEntries, c_.pmtu_entries); }},
		{"rrl-table-size", [&](const Entry &e) {
			 count(e, XDPDNS_RRL_MIN_BUCKETS, XDPDNS_RRL_MAX_BUCKETS, c_.rrl_buckets);
			 if (auto r = check_rrl_buckets(c_.rrl_buckets); !r)
				 fail(value_mark(e), e.key, r.error());
		 }},
		{"tcp-flows", [&](const Entry &e) { count(e, 1, kMaxTcpFlows, c_.tcp_flows); }},
		{"tcp-connections", [&](const Entry &e) { count(e, 1, kMaxTcpConnections, c_.tcp_connections); }},
		{"answer-entries", [&](const Entry &e) { count(e, 1, kMaxAnswerEntries, c_.answer_entries); }},
		{"busy-poll", [&](const Entry &e) { count(e, 0, kMaxBusyPollUs, c_.busy_poll_us); }},
		{"metrics", [&](const Entry &e) {
			 auto m = parse_metrics_listen(scalar(e));
			 if (!m)
				 fail(value_mark(e), e.key, m.error());
			 c_.metrics_listen = *m;
		 }},
		{"dnstap", [&](const Entry &e) { dnstap(e); }},
		{"log-level", [&](const Entry &e) {
			 auto l = parse_log_level(scalar(e));
			 if (!l)
				 fail(value_mark(e), e.key, l.error());
			 c_.log_level = *l;
		 }},
	});
	if (!has_interfaces)
		fail(root.Mark(), "interfaces", "required key missing (e.g. interfaces: [eth0])");
	if (!has_backend)
		fail(root.Mark(), "backend", "required key missing (zones or upstream)");
	if (auto r = check_secondaries(c_); !r)
		fail(root.Mark(), "backend.secondary", r.error());
	return c_;
}

}  // namespace

Result<DaemonConfig> load_text(std::string_view text, const std::string &name)
{
	try {
		Loader loader(name);
		return loader.load(text);
	} catch (const Failure &f) {
		return f.error;
	} catch (const YAML::Exception &e) {
		// Syntax errors: e.msg without yaml-cpp's own "error at line ..." prefix.
		int line = e.mark.is_null() ? 1 : e.mark.line + 1, col = e.mark.is_null() ? 1 : e.mark.column + 1;
		return Error{EINVAL, name + ":" + std::to_string(line) + ":" + std::to_string(col) +
					     ": " + e.msg};
	}
}

Result<DaemonConfig> load_file(const std::string &path)
{
	// A directory opens as a stream that reads nothing: say what it is. A
	// pipe is refused too: SIGHUP reads the file again, and a pipe would
	// be empty (or block) then.
	struct stat st;
	if (::stat(path.c_str(), &st) != 0)
		return sys_error(errno, "open " + path);
	if (!S_ISREG(st.st_mode))
		return Error{EINVAL, path + ": not a regular file"};
	std::ifstream f(path);
	if (!f)
		return sys_error(errno ? errno : ENOENT, "open " + path);
	std::ostringstream text;
	text << f.rdbuf();
	if (f.bad())
		return sys_error(errno ? errno : EIO, "read " + path);
	return load_text(text.str(), path);
}

}  // namespace xdpdns::daemon::config
