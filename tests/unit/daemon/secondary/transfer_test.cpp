// The transfer client: the stream assembler on AXFR and IXFR answers, then
// whole transfers from a fake primary on 127.0.0.1 (a thread with a plain
// TCP socket): a good AXFR in two messages, a TSIG-signed one, and the
// streams that must be rejected (closed midway, a corrupted message, a
// closing SOA that differs, a wrong ID, a bad TSIG, an error RCODE).
#include "daemon/secondary/message.h"
#include "daemon/secondary/transfer.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "records_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ctime>
#include <functional>
#include <thread>

namespace xdpdns::secondary {
namespace {

using test::rr;
using test::rrs;

const char *kSoa1 = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 1 3600 600 86400 300";
const char *kSoa2 = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 2 3600 600 86400 300";
const char *kSoa3 = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 3 3600 600 86400 300";

std::vector<std::uint8_t> origin()
{
	return dns::name_from_text("example.test.");
}

TEST(TransferAssembler, AxfrInOneGo)
{
	TransferAssembler a(origin(), std::nullopt);
	auto done = a.feed(rrs({kSoa1, "www.example.test. 300 IN A 192.0.2.1", kSoa1}));
	ASSERT_TRUE(done) << done.error().message;
	EXPECT_TRUE(*done);
	auto r = a.take();
	EXPECT_EQ(r.kind, TransferResult::Kind::full);
	EXPECT_EQ(r.serial, 1u);
	EXPECT_EQ(r.records, rrs({kSoa1, "www.example.test. 300 IN A 192.0.2.1"}));
}

TEST(TransferAssembler, AxfrOverMessagesAndErrors)
{
	TransferAssembler a(origin(), std::nullopt);
	EXPECT_FALSE(*a.feed(rrs({kSoa1})));
	EXPECT_FALSE(*a.feed(rrs({"www.example.test. 300 IN A 192.0.2.1"})));
	EXPECT_TRUE(*a.feed(rrs({kSoa1})));

	TransferAssembler wrong_end(origin(), std::nullopt);
	auto r = wrong_end.feed(rrs({kSoa1, "www.example.test. 300 IN A 192.0.2.1", kSoa2}));
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("closing SOA has serial 2"), std::string::npos) << r.error().message;

	TransferAssembler no_soa(origin(), std::nullopt);
	r = no_soa.feed(rrs({"www.example.test. 300 IN A 192.0.2.1"}));
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("first record is not the zone's SOA"), std::string::npos);

	TransferAssembler extra(origin(), std::nullopt);
	r = extra.feed(rrs({kSoa1, kSoa1, "www.example.test. 300 IN A 192.0.2.1"}));
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("after the closing SOA"), std::string::npos);
}

TEST(TransferAssembler, IxfrTwoDiffs)
{
	TransferAssembler a(origin(), 1);
	auto done = a.feed(rrs({kSoa3, kSoa1, "old.example.test. 300 IN TXT \"x\"", kSoa2,
				"new.example.test. 300 IN A 192.0.2.2", kSoa2, kSoa3, "www.example.test. 300 IN A 192.0.2.3",
				kSoa3}));
	ASSERT_TRUE(done) << done.error().message;
	ASSERT_TRUE(*done);
	auto r = a.take();
	EXPECT_EQ(r.kind, TransferResult::Kind::incremental);
	EXPECT_EQ(r.serial, 3u);
	ASSERT_EQ(r.diffs.size(), 2u);
	EXPECT_EQ(r.diffs[0].deleted, rrs({kSoa1, "old.example.test. 300 IN TXT \"x\""}));
	EXPECT_EQ(r.diffs[0].added, rrs({kSoa2, "new.example.test. 300 IN A 192.0.2.2"}));
	EXPECT_EQ(r.diffs[1].deleted, rrs({kSoa2}));
	EXPECT_EQ(r.diffs[1].added, rrs({kSoa3, "www.example.test. 300 IN A 192.0.2.3"}));
}

TEST(TransferAssembler, IxfrAnsweredAsAxfrUpToDateOrSoaOnly)
{
	TransferAssembler full(origin(), 1);
	ASSERT_TRUE(*full.feed(rrs({kSoa2, "www.example.test. 300 IN A 192.0.2.1", kSoa2})));
	EXPECT_EQ(full.take().kind, TransferResult::Kind::full);

	TransferAssembler current(origin(), 2);
	ASSERT_TRUE(*current.feed(rrs({kSoa2})));
	EXPECT_EQ(current.take().kind, TransferResult::Kind::up_to_date);

	TransferAssembler soa_only(origin(), 1);
	EXPECT_FALSE(soa_only.feed(rrs({kSoa2})));

	TransferAssembler broken(origin(), 1);
	auto r = broken.feed(rrs({kSoa3, kSoa1, kSoa2, kSoa1, kSoa3, kSoa3}));
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("IXFR difference starts at serial 1"), std::string::npos) << r.error().message;
}

// ---- a fake primary ----

void put16(std::vector<std::uint8_t> &v, std::uint16_t x)
{
	v.push_back(static_cast<std::uint8_t>(x >> 8));
	v.push_back(static_cast<std::uint8_t>(x));
}

// An answer message carrying `records` (uncompressed), question example.test/qtype.
std::vector<std::uint8_t> answer(std::uint16_t id, std::uint16_t qtype, const std::vector<Record> &records,
				 std::uint8_t rcode = 0)
{
	auto m = make_query(id, origin(), qtype);
	dns::store_be16(m.data() + 2, static_cast<std::uint16_t>(0x8400 | rcode));
	dns::store_be16(m.data() + 6, static_cast<std::uint16_t>(records.size()));
	for (const Record &r : records) {
		m.insert(m.end(), r.owner.begin(), r.owner.end());
		put16(m, r.type);
		put16(m, r.rrclass);
		put16(m, static_cast<std::uint16_t>(r.ttl >> 16));
		put16(m, static_cast<std::uint16_t>(r.ttl));
		put16(m, static_cast<std::uint16_t>(r.rdata.size()));
		m.insert(m.end(), r.rdata.begin(), r.rdata.end());
	}
	return m;
}

// What the fake primary sends for one request: messages (ID patched to the
// request's), then it closes the connection.
using Script = std::function<std::vector<std::vector<std::uint8_t>>(const std::vector<std::uint8_t> &request)>;

class FakePrimary {
public:
	explicit FakePrimary(Script script) : script_(std::move(script))
	{
		fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
		socklen_t len = sizeof(a);
		::getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len);
		port_ = ntohs(a.sin_port);
		::listen(fd_, 4);
		thread_ = std::thread([this] { serve(); });
	}
	~FakePrimary()
	{
		::shutdown(fd_, SHUT_RDWR);
		thread_.join();
		::close(fd_);
	}
	TransferTarget target(const TsigKey *key = nullptr) const
	{
		auto ep = parse_endpoint("127.0.0.1:" + std::to_string(port_));
		return TransferTarget{*ep, origin(), key, std::chrono::milliseconds(2000)};
	}

private:
	void serve()
	{
		for (;;) {
			const int c = ::accept(fd_, nullptr, nullptr);
			if (c < 0)
				return;
			std::uint8_t len[2];
			if (::recv(c, len, 2, MSG_WAITALL) == 2) {
				std::vector<std::uint8_t> req(dns::load_be16(len));
				if (::recv(c, req.data(), req.size(), MSG_WAITALL) == static_cast<ssize_t>(req.size())) {
					for (auto msg : script_(req)) {
						if (msg.size() >= 2 && !raw_)
							dns::store_be16(msg.data(), dns::load_be16(req.data()));
						std::vector<std::uint8_t> out{static_cast<std::uint8_t>(msg.size() >> 8),
									      static_cast<std::uint8_t>(msg.size())};
						out.insert(out.end(), msg.begin(), msg.end());
						(void)!::send(c, out.data(), out.size(), MSG_NOSIGNAL);
					}
				}
			}
			::close(c);
		}
	}

	Script script_;
	bool raw_ = false;
	int fd_ = -1;
	std::uint16_t port_ = 0;
	std::thread thread_;
};

std::vector<Record> zone_body()
{
	return rrs({"example.test. 3600 IN NS ns1.example.test.", "ns1.example.test. 3600 IN A 192.0.2.1",
		    "www.example.test. 300 IN A 192.0.2.80"});
}

// The AXFR of serial 2 in two messages; the SOA query answered too.
std::vector<std::vector<std::uint8_t>> serve_axfr(const std::vector<std::uint8_t> &req)
{
	const std::uint16_t qtype = dns::load_be16(req.data() + 12 + origin().size());
	if (qtype == dns::rrtype::soa)
		return {answer(0, qtype, rrs({kSoa2}))};
	std::vector<Record> first = rrs({kSoa2});
	auto body = zone_body();
	first.insert(first.end(), body.begin(), body.begin() + 2);
	std::vector<Record> second{body[2], rr(kSoa2)};
	return {answer(0, qtype, first), answer(0, qtype, second)};
}

TEST(Transfer, AxfrFromFakePrimary)
{
	FakePrimary p(serve_axfr);
	auto serial = query_serial(p.target());
	ASSERT_TRUE(serial) << serial.error().message;
	EXPECT_EQ(*serial, 2u);
	auto r = transfer(p.target(), nullptr);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->kind, TransferResult::Kind::full);
	EXPECT_EQ(r->serial, 2u);
	auto want = rrs({kSoa2});
	for (auto &b : zone_body())
		want.push_back(b);
	EXPECT_EQ(r->records, want);
}

TEST(Transfer, TruncatedStreamRejected)
{
	FakePrimary p([](const std::vector<std::uint8_t> &req) {
		auto all = serve_axfr(req);
		all.pop_back();  // the message with the closing SOA never comes
		return all;
	});
	auto r = transfer(p.target(), nullptr);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("connection closed before the closing SOA (after 1 messages, 3 records)"),
		  std::string::npos)
		<< r.error().message;
}

TEST(Transfer, CorruptedMessageRejected)
{
	FakePrimary p([](const std::vector<std::uint8_t> &req) {
		auto all = serve_axfr(req);
		auto &m = all.back();
		dns::store_be16(m.data() + 6, 7);  // ANCOUNT says more records than there are
		return all;
	});
	auto r = transfer(p.target(), nullptr);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("does not parse"), std::string::npos) << r.error().message;
	EXPECT_NE(r.error().message.find("(message 2)"), std::string::npos) << r.error().message;
}

TEST(Transfer, MessageCutInsideIsRejected)
{
	FakePrimary p([](const std::vector<std::uint8_t> &req) {
		auto all = serve_axfr(req);
		all.back().resize(all.back().size() - 5);  // the length prefix still says the full size? no: shorter message
		return all;
	});
	auto r = transfer(p.target(), nullptr);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("does not parse"), std::string::npos) << r.error().message;
}

TEST(Transfer, ErrorRcodeNamed)
{
	FakePrimary p([](const std::vector<std::uint8_t> &) {
		return std::vector<std::vector<std::uint8_t>>{answer(0, dns::rrtype::axfr, {}, dns::rcode::refused)};
	});
	auto r = transfer(p.target(), nullptr);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("primary answered REFUSED"), std::string::npos) << r.error().message;
}

constexpr const char *kSecret = "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLW9jdGV0cyE=";

TEST(Transfer, TsigSignedTransferAndWrongKey)
{
	auto key = make_tsig_key("xfr-key.", "hmac-sha256", kSecret);
	ASSERT_TRUE(key);
	// Answers in one message, signed with the request's MAC.
	FakePrimary p([&](const std::vector<std::uint8_t> &req) {
		auto t = find_tsig(req);
		std::vector<std::uint8_t> mac = t && *t ? (*t)->mac : std::vector<std::uint8_t>{};
		const std::uint16_t qtype = dns::load_be16(req.data() + 12 + origin().size());
		auto records = rrs({kSoa2});
		if (qtype == dns::rrtype::axfr) {
			for (auto &b : zone_body())
				records.push_back(b);
			records.push_back(rr(kSoa2));
		}
		auto m = answer(dns::load_be16(req.data()), qtype, records);
		tsig_sign(m, *key, mac, static_cast<std::uint64_t>(std::time(nullptr)));
		return std::vector<std::vector<std::uint8_t>>{m};
	});
	auto serial = query_serial(p.target(&*key));
	ASSERT_TRUE(serial) << serial.error().message;
	auto r = transfer(p.target(&*key), nullptr);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->records.size(), 4u);

	auto other = make_tsig_key("xfr-key.", "hmac-sha256", "b3RoZXItc2VjcmV0LW9mLXRoaXJ0eS10d28tb2N0ZXRzIQ==");
	auto bad = transfer(p.target(&*other), nullptr);
	ASSERT_FALSE(bad);
	EXPECT_NE(bad.error().message.find("TSIG MAC does not verify"), std::string::npos) << bad.error().message;

	// Unsigned answers to a signed request are refused.
	FakePrimary plain(serve_axfr);
	auto unsigned_answer = transfer(plain.target(&*key), nullptr);
	ASSERT_FALSE(unsigned_answer);
	EXPECT_NE(unsigned_answer.error().message.find("not signed"), std::string::npos);
}

TEST(Transfer, NobodyListening)
{
	auto ep = parse_endpoint("127.0.0.1:1");
	auto r = query_serial(TransferTarget{*ep, origin(), nullptr, std::chrono::milliseconds(500)});
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("connect"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace xdpdns::secondary
