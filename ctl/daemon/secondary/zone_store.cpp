#include "daemon/secondary/zone_store.h"

#include "dns/wire.h"
#include "dns/zone.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

// Last: ldns/common.h redefines bool (see dns/zone_loader.cpp).
#include <ldns/ldns.h>

namespace xdpdns::secondary {

namespace {

struct RrFree {
	void operator()(ldns_rr *r) const { ldns_rr_free(r); }
};
struct FileClose {
	void operator()(FILE *f) const { std::fclose(f); }
};

void put16(std::vector<std::uint8_t> &v, std::uint16_t x)
{
	v.push_back(static_cast<std::uint8_t>(x >> 8));
	v.push_back(static_cast<std::uint8_t>(x));
}

// One record in presentation form (ldns), without the newline.
Result<std::string> to_text(const Record &r)
{
	std::vector<std::uint8_t> w(r.owner.begin(), r.owner.end());
	put16(w, r.type);
	put16(w, r.rrclass);
	put16(w, static_cast<std::uint16_t>(r.ttl >> 16));
	put16(w, static_cast<std::uint16_t>(r.ttl));
	put16(w, static_cast<std::uint16_t>(r.rdata.size()));
	w.insert(w.end(), r.rdata.begin(), r.rdata.end());
	ldns_rr *raw = nullptr;
	std::size_t pos = 0;
	if (ldns_wire2rr(&raw, w.data(), w.size(), &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return Error{EINVAL, "record " + dns::name_to_text(r.owner) + " cannot be written"};
	std::unique_ptr<ldns_rr, RrFree> rr(raw);
	char *s = ldns_rr2str(rr.get());
	if (!s)
		return Error{ENOMEM, "record " + dns::name_to_text(r.owner) + " cannot be written"};
	std::string out(s);
	std::free(s);
	while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
		out.pop_back();
	return out;
}

}  // namespace

Result<void> ZoneStore::prepare() const
{
	if (::mkdir(dir_.c_str(), 0750) != 0 && errno != EEXIST)
		return sys_error(errno, "state directory " + dir_);
	struct stat st;
	if (::stat(dir_.c_str(), &st) != 0)
		return sys_error(errno, "state directory " + dir_);
	if (!S_ISDIR(st.st_mode))
		return Error{ENOTDIR, "state directory " + dir_ + ": not a directory"};
	return {};
}

std::string ZoneStore::path_of(std::span<const std::uint8_t> origin) const
{
	std::string name = dns::name_to_text(origin);
	if (name == ".")
		name = "root";
	else if (!name.empty() && name.back() == '.')
		name.pop_back();
	std::string safe;
	for (unsigned char c : name) {
		if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
			safe += static_cast<char>(c);
		} else {
			char hex[4];
			std::snprintf(hex, sizeof(hex), "%%%02X", c);
			safe += hex;
		}
	}
	return dir_ + "/" + safe + ".zone";
}

Result<void> ZoneStore::save(std::span<const std::uint8_t> origin, std::span<const Record> records,
			     const std::string &note) const
{
	const std::string path = path_of(origin);
	const std::string tmp = path + ".tmp";
	std::string text = "; " + note + "\n";
	for (const Record &r : records) {
		auto line = to_text(r);
		if (!line)
			return Error{line.error().err, path + ": " + line.error().message};
		text += *line;
		text += '\n';
	}
	const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return sys_error(errno, "write " + tmp);
	std::size_t done = 0;
	while (done < text.size()) {
		const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			const int e = errno;
			::close(fd);
			::unlink(tmp.c_str());
			return sys_error(e, "write " + tmp);
		}
		done += static_cast<std::size_t>(n);
	}
	if (::fsync(fd) != 0 || ::close(fd) != 0) {
		const int e = errno;
		::unlink(tmp.c_str());
		return sys_error(e, "write " + tmp);
	}
	if (::rename(tmp.c_str(), path.c_str()) != 0) {
		const int e = errno;
		::unlink(tmp.c_str());
		return sys_error(e, "rename " + tmp + " to " + path);
	}
	const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		::fsync(dfd);
		::close(dfd);
	}
	return {};
}

Result<ZoneStore::Loaded> ZoneStore::load(std::span<const std::uint8_t> origin) const
{
	const std::string path = path_of(origin);
	std::unique_ptr<FILE, FileClose> fp(std::fopen(path.c_str(), "r"));
	if (!fp)
		return sys_error(errno, "open " + path);
	Loaded out;
	struct stat st;
	if (::fstat(fileno(fp.get()), &st) == 0)
		out.verified = st.st_mtime;
	char *line = nullptr;
	std::size_t cap = 0;
	int lineno = 0;
	Result<void> status;
	for (ssize_t n; (n = getline(&line, &cap, fp.get())) >= 0;) {
		lineno++;
		std::string s(line, static_cast<std::size_t>(n));
		while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
			s.pop_back();
		if (s.empty() || s[0] == ';')
			continue;
		ldns_rr *raw = nullptr;
		const ldns_status st2 = ldns_rr_new_frm_str(&raw, s.c_str(), 0, nullptr, nullptr);
		std::unique_ptr<ldns_rr, RrFree> rr(raw);
		if (st2 != LDNS_STATUS_OK) {
			status = Error{EINVAL, path + ":" + std::to_string(lineno) + ": " + ldns_get_errorstr_by_id(st2)};
			break;
		}
		Record r;
		const ldns_rdf *owner = ldns_rr_owner(rr.get());
		r.owner.assign(ldns_rdf_data(owner), ldns_rdf_data(owner) + ldns_rdf_size(owner));
		r.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));
		r.rrclass = static_cast<std::uint16_t>(ldns_rr_get_class(rr.get()));
		r.ttl = ldns_rr_ttl(rr.get());
		ldns_buffer *buf = ldns_buffer_new(512);
		const bool ok = ldns_rr_rdata2buffer_wire(buf, rr.get()) == LDNS_STATUS_OK;
		r.rdata.assign(ldns_buffer_begin(buf), ldns_buffer_begin(buf) + ldns_buffer_position(buf));
		ldns_buffer_free(buf);
		if (!ok) {
			status = Error{EINVAL, path + ":" + std::to_string(lineno) + ": cannot convert the record"};
			break;
		}
		out.records.push_back(std::move(r));
	}
	std::free(line);
	if (!status)
		return status.error();
	return out;
}

void ZoneStore::touch(std::span<const std::uint8_t> origin) const
{
	::utimensat(AT_FDCWD, path_of(origin).c_str(), nullptr, 0);
}

}  // namespace xdpdns::secondary
