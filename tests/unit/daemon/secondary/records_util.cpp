#include "records_util.h"

#include <gtest/gtest.h>

#include <ldns/ldns.h>

namespace xdpdns::secondary::test {

Record rr(const std::string &text)
{
	ldns_rr *raw = nullptr;
	EXPECT_EQ(ldns_rr_new_frm_str(&raw, text.c_str(), 3600, nullptr, nullptr), LDNS_STATUS_OK) << text;
	Record r;
	if (!raw)
		return r;
	const ldns_rdf *owner = ldns_rr_owner(raw);
	r.owner.assign(ldns_rdf_data(owner), ldns_rdf_data(owner) + ldns_rdf_size(owner));
	r.type = static_cast<std::uint16_t>(ldns_rr_get_type(raw));
	r.rrclass = static_cast<std::uint16_t>(ldns_rr_get_class(raw));
	r.ttl = ldns_rr_ttl(raw);
	ldns_buffer *b = ldns_buffer_new(512);
	ldns_rr_rdata2buffer_wire(b, raw);
	r.rdata.assign(ldns_buffer_begin(b), ldns_buffer_begin(b) + ldns_buffer_position(b));
	ldns_buffer_free(b);
	ldns_rr_free(raw);
	return r;
}

std::vector<Record> rrs(std::initializer_list<const char *> texts)
{
	std::vector<Record> out;
	for (const char *t : texts)
		out.push_back(rr(t));
	return out;
}

}  // namespace xdpdns::secondary::test
