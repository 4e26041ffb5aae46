// load_zone(): zone files split into entries by ZoneText, the common
// records converted by fast_parse_record, the rest (and every error) by
// ldns, so that every error names the file and line and reads as ldns
// words it.
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#include "dns/zone.h"
#include "dns/zone_fast_rr.h"
#include "dns/zone_text.h"

// Last: ldns/common.h redefines bool/true/false, which breaks the C++
// headers (<optional>'s operator<=>) when they come after it.
#include <ldns/ldns.h>

namespace xdpdns::dns {

namespace {

struct FdCloser {
	int fd;
	~FdCloser()
	{
		if (fd >= 0)
			::close(fd);
	}
};
struct RdfFree {
	void operator()(ldns_rdf *r) const { ldns_rdf_deep_free(r); }
};
struct RrFree {
	void operator()(ldns_rr *r) const { ldns_rr_free(r); }
};
struct BufferFree {
	void operator()(ldns_buffer *b) const { ldns_buffer_free(b); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;

// Stands in for the origin while none is known, so that a relative name can
// be recognised and reported instead of silently becoming a top-level name.
constexpr const char *no_origin = "origin-not-set.xdpdns.invalid.";

std::span<const uint8_t> rdf_bytes(const ldns_rdf *rdf)
{
	return {ldns_rdf_data(rdf), ldns_rdf_size(rdf)};
}

// Name of the first relative name (resolved against no_origin) in rr, or
// empty when every name is absolute.
std::string relative_name_in(const ldns_rr *rr, const ldns_rdf *placeholder)
{
	auto check = [&](const ldns_rdf *rdf) -> std::string {
		if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
			return {};
		if (!ldns_dname_is_subdomain(rdf, placeholder) && ldns_dname_compare(rdf, placeholder) != 0)
			return {};
		std::string text = name_to_text(rdf_bytes(rdf));
		const std::string tail = std::string(".") + no_origin;
		if (text.size() > tail.size())
			text.resize(text.size() - tail.size());
		return text;
	};
	if (std::string s = check(ldns_rr_owner(rr)); !s.empty())
		return s;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		if (std::string s = check(ldns_rr_rdf(rr, i)); !s.empty())
			return s;
	return {};
}

// The origin's wire form for the fast path: only an absolute name that is
// not the placeholder (relative names are then left to ldns to report).
std::vector<uint8_t> fast_origin(const ldns_rdf *origin, const ldns_rdf *placeholder)
{
	if (!origin || ldns_rdf_get_type(origin) != LDNS_RDF_TYPE_DNAME ||
	    ldns_dname_compare(origin, placeholder) == 0)
		return {};
	const auto bytes = rdf_bytes(origin);
	size_t len = 0;
	if (parse_uncompressed_name(bytes, 0, len) != NameError::ok || len != bytes.size())
		return {};
	return {bytes.begin(), bytes.end()};
}

// Reads the records of one file into `zone` (see load_zone).
class Reader {
public:
	Reader(const std::string &path, int fd, const std::optional<std::string> &origin)
		: path_(path), text_(fd), placeholder_(ldns_dname_new_frm_str(no_origin))
	{
		cur_origin_ = origin ? ldns_dname_new_frm_str(origin->c_str()) : ldns_rdf_clone(placeholder_.get());
		origin_wire_ = fast_origin(cur_origin_, placeholder_.get());
	}
	~Reader()
	{
		ldns_rdf_deep_free(cur_origin_);
		ldns_rdf_deep_free(prev_);
	}

	// The records, added to zone; the first SOA owner in soa_owner.
	Result<void> read(Zone &zone, std::vector<uint8_t> &soa_owner);

private:
	Error fail(int at, const std::string &cause) const
	{
		return Error{EINVAL, path_ + ":" + std::to_string(at) + ": " + cause};
	}
	Result<void> directive_or_record(Zone &zone, std::vector<uint8_t> &soa_owner, int start);
	Result<void> with_ldns(Zone &zone, std::vector<uint8_t> &soa_owner, int start);
	void sync_prev_to_ldns();

	const std::string &path_;
	ZoneText text_;
	RdfPtr placeholder_;
	// ldns owns and replaces these as it reads $ORIGIN and owner-less lines.
	ldns_rdf *cur_origin_ = nullptr;
	ldns_rdf *prev_ = nullptr;
	std::vector<uint8_t> origin_wire_;  // empty: fast path off
	bool prev_stale_ = false;           // the fast path set prev_wire_ since ldns last saw it
	std::vector<uint8_t> prev_wire_;
	uint32_t default_ttl_ = 3600;
	std::string line_;
	FastRecord fast_;
	std::unique_ptr<ldns_buffer, BufferFree> buf_{ldns_buffer_new(4096)};
};

void Reader::sync_prev_to_ldns()
{
	if (!prev_stale_)
		return;
	ldns_rdf_deep_free(prev_);
	prev_ = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, prev_wire_.size(), prev_wire_.data());
	prev_stale_ = false;
}

Result<void> Reader::with_ldns(Zone &zone, std::vector<uint8_t> &soa_owner, int start)
{
	sync_prev_to_ldns();
	ldns_rr *raw = nullptr;
	const ldns_status s = ldns_rr_new_frm_str(&raw, line_.c_str(), default_ttl_, cur_origin_, &prev_);
	std::unique_ptr<ldns_rr, RrFree> rr(raw);
	if (prev_) {
		const auto p = rdf_bytes(prev_);
		prev_wire_.assign(p.begin(), p.end());
	}
	if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL || s == LDNS_STATUS_SYNTAX_ORIGIN)
		return {};
	if (s != LDNS_STATUS_OK)
		return fail(start, ldns_get_errorstr_by_id(s));
	if (std::string rel = relative_name_in(rr.get(), placeholder_.get()); !rel.empty())
		return fail(start, "relative name '" + rel + "' with no $ORIGIN and no origin given");
	const auto owner = rdf_bytes(ldns_rr_owner(rr.get()));
	const auto rrclass = static_cast<uint16_t>(ldns_rr_get_class(rr.get()));
	const auto type = static_cast<uint16_t>(ldns_rr_get_type(rr.get()));
	ldns_buffer_clear(buf_.get());
	if (ldns_rr_rdata2buffer_wire(buf_.get(), rr.get()) != LDNS_STATUS_OK)
		return fail(start, "cannot convert the record to wire form");
	if (type == rrtype::soa && soa_owner.empty())
		soa_owner.assign(owner.begin(), owner.end());
	zone.add(owner, rrclass, type, ldns_rr_ttl(rr.get()),
		 {ldns_buffer_begin(buf_.get()), ldns_buffer_position(buf_.get())}, start);
	return {};
}

// What _ldns_rr_new_frm_fp_l_internal does with an entry.
Result<void> Reader::directive_or_record(Zone &zone, std::vector<uint8_t> &soa_owner, int start)
{
	const auto space_at = [&](size_t i) {
		return i < line_.size() && std::isspace(static_cast<unsigned char>(line_[i]));
	};
	if (line_.compare(0, 7, "$ORIGIN") == 0 && space_at(7)) {
		std::string arg = line_.substr(8);
		const size_t from = strip_ws(arg);
		ldns_rdf *o = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_DNAME, arg.c_str() + from);
		if (!o)
			return fail(start, ldns_get_errorstr_by_id(LDNS_STATUS_SYNTAX_DNAME_ERR));
		ldns_rdf_deep_free(cur_origin_);
		cur_origin_ = o;
		origin_wire_ = fast_origin(cur_origin_, placeholder_.get());
		return {};
	}
	if (line_.compare(0, 4, "$TTL") == 0 && space_at(4)) {
		std::string arg = line_.substr(5);
		const size_t from = strip_ws(arg);
		const char *end = nullptr;
		default_ttl_ = ldns_str2period(arg.c_str() + from, &end);
		return {};
	}
	if (line_.compare(0, 8, "$INCLUDE") == 0)
		return fail(start, "$INCLUDE is not supported");
	if (strip_ws(line_) == line_.size())
		return {};
	if (!fast_parse_record(line_, origin_wire_, default_ttl_, prev_wire_, fast_))
		return with_ldns(zone, soa_owner, start);
	if (fast_.owner_set) {
		prev_wire_ = fast_.owner;
		prev_stale_ = true;
	}
	if (fast_.type == rrtype::soa && soa_owner.empty())
		soa_owner = fast_.owner;
	zone.add(fast_.owner, fast_.rrclass, fast_.type, fast_.ttl, fast_.rdata, start);
	return {};
}

Result<void> Reader::read(Zone &zone, std::vector<uint8_t> &soa_owner)
{
	for (;;) {
		int start = 0;
		const ZoneText::Status s = text_.next(line_, start);
		if (s == ZoneText::Status::end)
			break;
		if (s == ZoneText::Status::empty)
			continue;
		if (s == ZoneText::Status::syntax_error)
			return fail(start, ldns_get_errorstr_by_id(LDNS_STATUS_SYNTAX_ERR));
		if (auto r = directive_or_record(zone, soa_owner, start); !r)
			return r;
	}
	if (text_.read_failed())
		return sys_error(EIO, "read zone file " + path_);
	return {};
}

}  // namespace

std::vector<uint8_t> name_from_text(const std::string &text)
{
	ldns_rdf *raw = nullptr;
	std::string absolute = text;
	if (absolute.empty() || absolute.back() != '.')
		absolute += '.';
	if (ldns_str2rdf_dname(&raw, absolute.c_str()) != LDNS_STATUS_OK)
		return {};
	RdfPtr rdf(raw);
	std::vector<uint8_t> out(ldns_rdf_size(rdf.get()));
	lower_name(rdf_bytes(rdf.get()), out.data());
	return out;
}

Result<std::shared_ptr<const Zone>> load_zone(const std::string &path, std::optional<std::string> origin)
{
	FdCloser fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
	if (fd.fd < 0)
		return sys_error(errno, "open zone file " + path);
	(void)posix_fadvise(fd.fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	std::vector<uint8_t> origin_wire;
	if (origin) {
		origin_wire = name_from_text(*origin);
		if (origin_wire.empty())
			return Error{EINVAL, path + ": invalid origin '" + *origin + "'"};
	}
	try {
		auto zone = std::make_shared<Zone>(origin_wire);
		struct stat st {};
		// Lines of large zones are 30 to 100 octets: room for one record
		// per 40 of them (pages never used are never resident).
		if (fstat(fd.fd, &st) == 0 && st.st_size > 0)
			zone->reserve(static_cast<size_t>(st.st_size) / 40);
		std::vector<uint8_t> soa_owner;
		{
			Reader reader(path, fd.fd, origin);
			if (auto r = reader.read(*zone, soa_owner); !r)
				return r.error();
		}
		if (!origin) {
			if (soa_owner.empty())
				return Error{EINVAL, path + ": no SOA record, and no origin given"};
			zone->set_origin(soa_owner);
		}
		Result<void> done = zone->finish();
		// The building's scratch memory goes back to the system now, not
		// at some later allocation.
		malloc_trim(0);
		if (!done) {
			if (zone->error_line())
				return Error{EINVAL, path + ":" + std::to_string(zone->error_line()) + ": " +
							     done.error().message};
			return Error{EINVAL, path + ": " + done.error().message};
		}
		return std::shared_ptr<const Zone>(std::move(zone));
	} catch (const std::bad_alloc &) {
		malloc_trim(0);
		return Error{ENOMEM, path + ": out of memory loading the zone"};
	}
}

}  // namespace xdpdns::dns
