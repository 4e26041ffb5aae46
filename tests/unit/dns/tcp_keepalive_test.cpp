// edns-tcp-keepalive (RFC 7828): noticed in queries, appended to the OPT of
// our TCP answers; ldns reads the result back.
#include "dns/query.h"
#include "dns/response.h"
#include "dns/tcp_keepalive.h"
#include "test_support.h"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

namespace xdpdns::dns {
namespace {

using test::Bytes;

const Bytes kKeepaliveOption = {0, 11, 0, 0};  // empty in queries (RFC 7828 §3.2.1)

TEST(TcpKeepalive, QueryOptionIsNoticed)
{
	test::QuerySpec spec;
	Bytes with = test::make_query(spec);
	test::append_opt(with, 1232, 0, false, kKeepaliveOption);
	Query q;
	ASSERT_EQ(parse_query(with, q), ParseResult::ok);
	EXPECT_TRUE(q.tcp_keepalive);

	Bytes other = test::make_query(spec);
	test::append_opt(other, 1232, 0, false, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});  // a DNS Cookie
	ASSERT_EQ(parse_query(other, q), ParseResult::ok);
	EXPECT_FALSE(q.tcp_keepalive) << "reset between queries";
}

TEST(TcpKeepalive, AppendedToTheOptAndReadByLdns)
{
	test::QuerySpec spec;
	spec.edns = true;
	Bytes query = test::make_query(spec);
	Query q;
	ASSERT_EQ(parse_query(query, q), ParseResult::ok);
	std::vector<uint8_t> buf(512);
	const size_t len = write_error(q, rcode::refused, buf, 1232);
	ASSERT_GT(len, 0u);
	const size_t grown = append_tcp_keepalive(buf, len, 100);  // 10 s
	ASSERT_EQ(grown, len + 6);
	EXPECT_EQ(Bytes(buf.begin() + len, buf.begin() + grown), (Bytes{0, 11, 0, 2, 0, 100}));

	ldns_pkt *pkt = nullptr;
	ASSERT_EQ(ldns_wire2pkt(&pkt, buf.data(), grown), LDNS_STATUS_OK);
	ASSERT_TRUE(ldns_pkt_edns(pkt));
	const ldns_rdf *data = ldns_pkt_edns_data(pkt);
	ASSERT_NE(data, nullptr);
	EXPECT_EQ(Bytes(ldns_rdf_data(data), ldns_rdf_data(data) + ldns_rdf_size(data)), (Bytes{0, 11, 0, 2, 0, 100}));
	EXPECT_EQ(ldns_pkt_get_rcode(pkt), LDNS_RCODE_REFUSED);
	ldns_pkt_free(pkt);
}

TEST(TcpKeepalive, NoOptOrNoRoomLeavesTheAnswerAlone)
{
	test::QuerySpec spec;  // no EDNS: the answer has no OPT
	Bytes query = test::make_query(spec);
	Query q;
	ASSERT_EQ(parse_query(query, q), ParseResult::ok);
	std::vector<uint8_t> buf(512);
	const size_t len = write_error(q, rcode::refused, buf, 1232);
	const Bytes before(buf.begin(), buf.begin() + len);
	EXPECT_EQ(append_tcp_keepalive(buf, len, 100), len);
	EXPECT_EQ(Bytes(buf.begin(), buf.begin() + len), before);

	spec.edns = true;
	query = test::make_query(spec);
	ASSERT_EQ(parse_query(query, q), ParseResult::ok);
	const size_t l2 = write_error(q, rcode::refused, buf, 1232);
	EXPECT_EQ(append_tcp_keepalive(std::span<uint8_t>(buf).first(l2 + 5), l2, 100), l2) << "5 octets of room";
}

}  // namespace
}  // namespace xdpdns::dns
