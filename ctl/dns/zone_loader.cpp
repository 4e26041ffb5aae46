// load_zone(): zone files through ldns, one record at a time, so that every
// error can name the file and line.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "dns/zone.h"

// Last: ldns/common.h redefines bool/true/false, which breaks the C++
// headers (<optional>'s operator<=>) when they come after it.
#include <ldns/ldns.h>

namespace xdpdns::dns {

namespace {

struct FileCloser {
	void operator()(FILE *f) const { std::fclose(f); }
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

// Skips lines that are blank or only a comment, counting them, and leaves
// the stream at the start of the next meaningful line. Returns false at EOF.
// (ldns counts lines too, but folds leading comments into the next record,
// so its count would point at the end of a record, not its start.)
bool skip_blank_lines(FILE *fp, int &line)
{
	char *buf = nullptr;
	size_t cap = 0;
	bool more = false;
	for (;;) {
		const long start = std::ftell(fp);
		const ssize_t n = getline(&buf, &cap, fp);
		if (n < 0)
			break;
		size_t i = 0;
		while (i < static_cast<size_t>(n) && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
						      buf[i] == '\n'))
			i++;
		if (i == static_cast<size_t>(n) || buf[i] == ';') {
			line++;
			continue;
		}
		std::fseek(fp, start, SEEK_SET);
		more = true;
		break;
	}
	std::free(buf);
	return more;
}

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

struct ParsedRecord {
	int line;
	std::vector<uint8_t> owner;
	uint16_t rrclass;
	uint16_t type;
	uint32_t ttl;
	std::vector<uint8_t> rdata;
};

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

Result<std::shared_ptr<const Zone>> load_zone(const std::string &path,
					      std::optional<std::string> origin)
{
	std::unique_ptr<FILE, FileCloser> fp(std::fopen(path.c_str(), "r"));
	if (!fp)
		return sys_error(errno, "open zone file " + path);

	RdfPtr placeholder(ldns_dname_new_frm_str(no_origin));
	std::vector<uint8_t> origin_wire;
	if (origin) {
		origin_wire = name_from_text(*origin);
		if (origin_wire.empty())
			return Error{EINVAL, path + ": invalid origin '" + *origin + "'"};
	}
	// ldns owns and replaces these as it reads $ORIGIN and owner-less lines.
	ldns_rdf *cur_origin = origin ? ldns_dname_new_frm_str(origin->c_str())
				      : ldns_rdf_clone(placeholder.get());
	ldns_rdf *prev = nullptr;
	auto release = [&] {
		ldns_rdf_deep_free(cur_origin);
		ldns_rdf_deep_free(prev);
	};
	std::unique_ptr<ldns_buffer, BufferFree> buf(ldns_buffer_new(4096));

	uint32_t default_ttl = 3600;
	int line = 0;
	std::vector<ParsedRecord> records;
	auto fail = [&](int at, const std::string &cause) -> Error {
		release();
		return Error{EINVAL, path + ":" + std::to_string(at) + ": " + cause};
	};

	while (skip_blank_lines(fp.get(), line)) {
		const int start = line + 1;
		ldns_rr *raw = nullptr;
		const ldns_status s =
			ldns_rr_new_frm_fp_l(&raw, fp.get(), &default_ttl, &cur_origin, &prev, &line);
		std::unique_ptr<ldns_rr, RrFree> rr(raw);
		if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (s == LDNS_STATUS_SYNTAX_INCLUDE)
			return fail(start, "$INCLUDE is not supported");
		if (s != LDNS_STATUS_OK)
			return fail(start, ldns_get_errorstr_by_id(s));
		if (std::string rel = relative_name_in(rr.get(), placeholder.get()); !rel.empty())
			return fail(start, "relative name '" + rel + "' with no $ORIGIN and no origin given");

		ParsedRecord rec;
		rec.line = start;
		const auto owner = rdf_bytes(ldns_rr_owner(rr.get()));
		rec.owner.assign(owner.begin(), owner.end());
		rec.rrclass = static_cast<uint16_t>(ldns_rr_get_class(rr.get()));
		rec.type = static_cast<uint16_t>(ldns_rr_get_type(rr.get()));
		rec.ttl = ldns_rr_ttl(rr.get());
		ldns_buffer_clear(buf.get());
		if (ldns_rr_rdata2buffer_wire(buf.get(), rr.get()) != LDNS_STATUS_OK)
			return fail(start, "cannot convert the record to wire form");
		rec.rdata.assign(ldns_buffer_begin(buf.get()),
				 ldns_buffer_begin(buf.get()) + ldns_buffer_position(buf.get()));
		records.push_back(std::move(rec));
	}
	release();
	if (std::ferror(fp.get()))
		return sys_error(EIO, "read zone file " + path);

	if (!origin) {
		for (const ParsedRecord &r : records)
			if (r.type == rrtype::soa) {
				origin_wire = r.owner;
				break;
			}
		if (origin_wire.empty())
			return Error{EINVAL, path + ": no SOA record, and no origin given"};
	}

	auto zone = std::make_shared<Zone>(origin_wire);
	for (const ParsedRecord &r : records) {
		Result<void> added = zone->add(r.owner, r.rrclass, r.type, r.ttl, r.rdata);
		if (!added)
			return Error{EINVAL, path + ":" + std::to_string(r.line) + ": " + added.error().message};
	}
	if (Result<void> done = zone->finish(); !done)
		return Error{EINVAL, path + ": " + done.error().message};
	return std::shared_ptr<const Zone>(std::move(zone));
}

}  // namespace xdpdns::dns
