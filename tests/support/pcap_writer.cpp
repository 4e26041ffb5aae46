#include "pcap_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sstream>

namespace xdpdns::test {

namespace {

void put_le32(std::string &out, std::uint32_t v)
{
	for (int i = 0; i < 4; i++)
		out.push_back(static_cast<char>(v >> (8 * i)));
}

void put_le16(std::string &out, std::uint16_t v)
{
	out.push_back(static_cast<char>(v));
	out.push_back(static_cast<char>(v >> 8));
}

} // namespace

std::string write_pcap(const std::string &path, const std::vector<Bytes> &frames)
{
	std::string out;
	put_le32(out, 0xa1b2c3d4); // microsecond timestamps
	put_le16(out, 2);
	put_le16(out, 4);
	put_le32(out, 0);      // thiszone
	put_le32(out, 0);      // sigfigs
	put_le32(out, 65535);  // snaplen
	put_le32(out, 1);      // LINKTYPE_ETHERNET
	std::uint32_t t = static_cast<std::uint32_t>(std::time(nullptr));
	std::uint32_t usec = 0;
	for (const Bytes &f : frames) {
		put_le32(out, t);
		put_le32(out, usec++);
		put_le32(out, static_cast<std::uint32_t>(f.size()));
		put_le32(out, static_cast<std::uint32_t>(f.size()));
		out.append(f.begin(), f.end());
	}
	FILE *fp = std::fopen(path.c_str(), "wb");
	if (!fp)
		return "open " + path + ": " + std::strerror(errno);
	bool ok = std::fwrite(out.data(), 1, out.size(), fp) == out.size();
	ok = std::fclose(fp) == 0 && ok;
	if (!ok)
		return "write " + path + ": " + std::strerror(errno);
	return {};
}

static void hex_line(std::ostringstream &o, const Bytes &b, std::size_t off, const Bytes *other)
{
	char buf[8];
	for (std::size_t i = off; i < off + 16; i++) {
		if (i < b.size()) {
			bool differs = other && (i >= other->size() || (*other)[i] != b[i]);
			std::snprintf(buf, sizeof(buf), differs ? "[%02x]" : " %02x ", b[i]);
			o << buf;
		} else {
			o << "    ";
		}
	}
}

std::string hex_diff(const Bytes &expected, const Bytes &actual)
{
	std::ostringstream o;
	o << "offset  expected (" << expected.size() << " octets)"
	  << std::string(64 - 20 - std::to_string(expected.size()).size(), ' ') << "| actual ("
	  << actual.size() << " octets)\n";
	std::size_t n = std::max(expected.size(), actual.size());
	for (std::size_t off = 0; off < n; off += 16) {
		bool same = true;
		for (std::size_t i = off; i < off + 16 && i < n; i++)
			if (i >= expected.size() || i >= actual.size() || expected[i] != actual[i])
				same = false;
		char head[32];
		std::snprintf(head, sizeof(head), "%c%05zx ", same ? ' ' : '!', off);
		o << head;
		hex_line(o, expected, off, nullptr);
		o << "| ";
		hex_line(o, actual, off, &expected);
		o << '\n';
	}
	return o.str();
}

std::string hex_dump(const Bytes &bytes)
{
	std::ostringstream o;
	for (std::size_t off = 0; off < bytes.size(); off += 16) {
		char head[32];
		std::snprintf(head, sizeof(head), "%05zx ", off);
		o << head;
		hex_line(o, bytes, off, nullptr);
		o << '\n';
	}
	return o.str();
}

} // namespace xdpdns::test
