#include "cookie_key.h"

#include <xdpdns/cookie.h>

#include <arpa/inet.h>
#include <sys/random.h>
#include <time.h>

#include <cctype>
#include <cstdlib>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

namespace xdpdns {
namespace {

bool hex_value(char c, unsigned &v)
{
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return false;
	return true;
}

// Exactly `digits` hex digits (after an optional 0x) into a number.
bool parse_hex_word(std::string_view s, std::size_t digits, std::uint64_t &out)
{
	if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s.remove_prefix(2);
	if (s.size() != digits)
		return false;
	out = 0;
	for (char c : s) {
		unsigned v;
		if (!hex_value(c, v))
			return false;
		out = (out << 4) | v;
	}
	return true;
}

}  // namespace

Result<void> random_bytes(void *buf, std::size_t len)
{
	auto *p = static_cast<std::uint8_t *>(buf);
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sys_error(errno, "getrandom");
		}
		p += n;
		len -= static_cast<std::size_t>(n);
	}
	return {};
}

Result<xdpdns_siphash_key> random_key()
{
	xdpdns_siphash_key k{};
	if (auto r = random_bytes(&k, sizeof(k)); !r)
		return r.error();
	return k;
}

Result<xdpdns_keys> random_keys()
{
	xdpdns_keys keys{};
	if (auto r = random_bytes(keys.slot, sizeof(keys.slot)); !r)
		return r.error();
	keys.current = 0;
	keys.generation = 0;
	return keys;
}

Result<xdpdns_siphash_key> parse_fleet_key(std::string_view text, std::string_view source)
{
	const std::string where = "fleet key " + std::string(source);
	std::vector<std::string> tokens;
	int key_line = 0, line_no = 0;

	std::istringstream in{std::string(text)};
	for (std::string line; std::getline(in, line);) {
		line_no++;
		if (auto hash = line.find('#'); hash != std::string::npos)
			line.erase(hash);
		std::istringstream words(line);
		std::vector<std::string> t;
		for (std::string w; words >> w;)
			t.push_back(w);
		if (t.empty())
			continue;
		if (key_line)
			return Error{EINVAL, where + ":" + std::to_string(line_no) +
						     ": more than one key line (first on line " +
						     std::to_string(key_line) + ")"};
		key_line = line_no;
		tokens = std::move(t);
	}
	if (!key_line)
		return Error{EINVAL, where + ": no key (expected 32 hex digits, or 'k0 k1' as two 16-digit hex words)"};

	const std::string at = where + ":" + std::to_string(key_line);
	xdpdns_siphash_key key{};
	if (tokens.size() == 1) {
		const std::string &h = tokens[0];
		if (h.size() != 32)
			return Error{EINVAL, at + ": expected 32 hex digits, got " +
						     std::to_string(h.size()) + " characters"};
		std::uint8_t octets[16];
		for (int i = 0; i < 16; i++) {
			unsigned hi, lo;
			if (!hex_value(h[2 * i], hi) || !hex_value(h[2 * i + 1], lo))
				return Error{EINVAL, at + ": '" + h + "' is not hexadecimal"};
			octets[i] = static_cast<std::uint8_t>(hi << 4 | lo);
		}
		for (int i = 7; i >= 0; i--) {
			key.k0 = key.k0 << 8 | octets[i];
			key.k1 = key.k1 << 8 | octets[8 + i];
		}
	} else if (tokens.size() == 2) {
		std::uint64_t k0, k1;
		if (!parse_hex_word(tokens[0], 16, k0) || !parse_hex_word(tokens[1], 16, k1))
			return Error{EINVAL, at + ": 'k0 k1' must be two words of exactly 16 hex digits"};
		key.k0 = k0;
		key.k1 = k1;
	} else {
		return Error{EINVAL, at + ": expected 32 hex digits, or 'k0 k1' as two 16-digit hex words; got " +
					     std::to_string(tokens.size()) + " fields"};
	}
	if (key.k0 == 0 && key.k1 == 0)
		return Error{EINVAL, at + ": the key is all zero"};
	return key;
}

Result<xdpdns_siphash_key> load_fleet_key_file(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		return sys_error(errno ? errno : ENOENT, "fleet key " + path);
	std::ostringstream ss;
	ss << f.rdbuf();
	if (f.bad())
		return sys_error(errno ? errno : EIO, "read fleet key " + path);
	return parse_fleet_key(ss.str(), path);
}

std::uint64_t realtime_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);  // cannot fail for a valid clock id
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint32_t epoch_of(std::uint64_t realtime_ns, std::uint32_t epoch_s)
{
	if (epoch_s == 0)
		epoch_s = 64;  // the knob's default
	return static_cast<std::uint32_t>(realtime_ns / 1000000000ull / epoch_s);
}

std::uint32_t now_epoch(std::uint32_t epoch_s)
{
	return epoch_of(realtime_ns(), epoch_s);
}

std::uint64_t ms_to_next_epoch(std::uint64_t realtime_ns, std::uint32_t epoch_s)
{
	if (epoch_s == 0)
		epoch_s = 64;
	const std::uint64_t len_ns = std::uint64_t{epoch_s} * 1000000000ull;
	const std::uint64_t left_ns = len_ns - realtime_ns % len_ns;
	return (left_ns + 999999) / 1000000;
}

xdpdns_cookie_input cookie_input(const CookieTuple &t, std::uint32_t epoch, std::uint32_t mss_index)
{
	xdpdns_cookie_input in{};
	std::copy(t.client_addr.begin(), t.client_addr.end(), in.client_addr);
	std::copy(t.server_addr.begin(), t.server_addr.end(), in.server_addr);
	in.client_port = htons(t.client_port);
	in.server_port = htons(t.server_port);
	in.epoch = epoch;
	in.mss_index = mss_index;
	in.pad = 0;
	return in;
}

std::uint32_t make_cookie(const xdpdns_siphash_key &key, const CookieTuple &t,
			  std::uint32_t epoch, std::uint32_t client_mss)
{
	xdpdns_cookie_input in = cookie_input(t, epoch, xdpdns_mss_index(client_mss));
	return xdpdns_cookie_make(&key, &in);
}

std::uint32_t check_cookie(const xdpdns_keys &keys, const CookieTuple &t, std::uint32_t cookie,
			   std::uint32_t now)
{
	xdpdns_cookie_input in = cookie_input(t, 0, 0);
	return xdpdns_cookie_check(&keys, &in, cookie, now);
}

std::uint64_t siphash24(const xdpdns_siphash_key &key, std::span<const std::uint64_t> words)
{
	if (words.size() > XDPDNS_SIPHASH_MAX_WORDS)
		std::abort();  // caller bug: the shared routine hashes at most 8 words
	return xdpdns_siphash_words(&key, reinterpret_cast<const xdpdns_word_t *>(words.data()),
				    static_cast<__u32>(words.size()));
}

}  // namespace xdpdns
