// dnstap messages: encoded by the daemon's encoder, decoded by protobuf-c
// from the schema, every field checked; a file written through the fstrm
// writer read back with fstrm's own reader (content type, frames).
#include "daemon/dnstap/encoder.h"
#include "daemon/dnstap/writer.h"

#include "dnstap.pb-c.h"

#include <fstrm.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace xdpdns::daemon::dnstap {
namespace {

const std::vector<std::uint8_t> kQuery = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
					  5, 's', 'm', 'a', 'l', 'l', 0, 0, 1, 0, 1};

TapEvent v4_query()
{
	TapEvent e;
	e.kind = TapEvent::Kind::auth_query;
	e.client[10] = e.client[11] = 0xff;
	e.client[12] = 192, e.client[13] = 0, e.client[14] = 2, e.client[15] = 7;
	e.server[12] = 198, e.server[13] = 51, e.server[14] = 100, e.server[15] = 53;
	e.client_port = 40000;
	e.server_port = 53;
	e.time_sec = 1700000000;
	e.time_nsec = 123456789;
	e.message = kQuery;
	return e;
}

struct Decoded {
	Dnstap__Dnstap *d = nullptr;
	~Decoded() { dnstap__dnstap__free_unpacked(d, nullptr); }
};

std::vector<std::uint8_t> encoded(const TapEvent &e, const Identity &id)
{
	std::vector<std::uint8_t> buf(encoded_size(e, id));
	EXPECT_EQ(encode(e, id, buf), buf.size());
	return buf;
}

std::vector<std::uint8_t> as_vec(const ProtobufCBinaryData &b)
{
	return {b.data, b.data + b.len};
}

TEST(DnstapEncoder, Ipv4UdpQuery)
{
	const auto buf = encoded(v4_query(), {"ns1.example", "xdpdns 0.1.0"});
	Decoded x{dnstap__dnstap__unpack(nullptr, buf.size(), buf.data())};
	ASSERT_NE(x.d, nullptr);
	EXPECT_EQ(x.d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
	ASSERT_TRUE(x.d->has_identity);
	EXPECT_EQ(std::string(x.d->identity.data, x.d->identity.data + x.d->identity.len), "ns1.example");
	ASSERT_TRUE(x.d->has_version);
	EXPECT_EQ(std::string(x.d->version.data, x.d->version.data + x.d->version.len), "xdpdns 0.1.0");
	const Dnstap__Message *m = x.d->message;
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(m->type, DNSTAP__MESSAGE__TYPE__AUTH_QUERY);
	EXPECT_EQ(m->socket_family, DNSTAP__SOCKET_FAMILY__INET);
	EXPECT_EQ(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
	EXPECT_EQ(as_vec(m->query_address), (std::vector<std::uint8_t>{192, 0, 2, 7}));
	EXPECT_EQ(as_vec(m->response_address), (std::vector<std::uint8_t>{198, 51, 100, 53}));
	EXPECT_TRUE(m->has_query_port && m->has_response_port);
	EXPECT_EQ(m->query_port, 40000u);
	EXPECT_EQ(m->response_port, 53u);
	EXPECT_TRUE(m->has_query_time_sec && m->has_query_time_nsec);
	EXPECT_EQ(m->query_time_sec, 1700000000u);
	EXPECT_EQ(m->query_time_nsec, 123456789u);
	ASSERT_TRUE(m->has_query_message);
	EXPECT_EQ(as_vec(m->query_message), kQuery);
	EXPECT_FALSE(m->has_response_message);
	EXPECT_FALSE(m->has_response_time_sec);
}

TEST(DnstapEncoder, Ipv6TcpResponseWithoutIdentity)
{
	TapEvent e = v4_query();
	e.kind = TapEvent::Kind::auth_response;
	e.ipv6 = true;
	e.tcp = true;
	for (int i = 0; i < 16; i++)
		e.client[i] = static_cast<std::uint8_t>(0x20 + i), e.server[i] = static_cast<std::uint8_t>(0x80 + i);
	const std::vector<std::uint8_t> answer = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0};
	e.message = answer;
	const auto buf = encoded(e, {});
	Decoded x{dnstap__dnstap__unpack(nullptr, buf.size(), buf.data())};
	ASSERT_NE(x.d, nullptr);
	EXPECT_FALSE(x.d->has_identity);
	EXPECT_FALSE(x.d->has_version);
	const Dnstap__Message *m = x.d->message;
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(m->type, DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE);
	EXPECT_EQ(m->socket_family, DNSTAP__SOCKET_FAMILY__INET6);
	EXPECT_EQ(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__TCP);
	EXPECT_EQ(as_vec(m->query_address), std::vector<std::uint8_t>(e.client.begin(), e.client.end()));
	EXPECT_EQ(as_vec(m->response_address), std::vector<std::uint8_t>(e.server.begin(), e.server.end()));
	ASSERT_TRUE(m->has_response_message);
	EXPECT_EQ(as_vec(m->response_message), answer);
	EXPECT_EQ(m->response_time_sec, 1700000000u);
	EXPECT_EQ(m->response_time_nsec, 123456789u);
	EXPECT_FALSE(m->has_query_message);
}

TEST(DnstapEncoder, TooSmallBufferWritesNothing)
{
	const TapEvent e = v4_query();
	std::vector<std::uint8_t> buf(encoded_size(e, {}) - 1);
	EXPECT_EQ(encode(e, {}, buf), 0u);
}

TEST(DnstapEncoder, Sampler)
{
	Sampler s{3};
	std::string taken;
	for (int i = 0; i < 9; i++)
		taken += s.take() ? 'x' : '.';
	EXPECT_EQ(taken, "..x..x..x");
	Sampler all{1};
	EXPECT_TRUE(all.take() && all.take());
}

TEST(DnstapWriter, FileReadBackWithFstrm)
{
	char path[] = "/tmp/xdpdns-dnstap-test.XXXXXX";
	const int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	close(fd);
	{
		WriterOptions o;
		o.file_path = path;
		o.identity = "id";
		o.queues = 2;
		auto w = Writer::open(o);
		ASSERT_TRUE(w) << w.error().message;
		EXPECT_TRUE((*w)->submit(0, v4_query()));
		TapEvent r = v4_query();
		r.kind = TapEvent::Kind::auth_response;
		EXPECT_TRUE((*w)->submit(1, r));
		EXPECT_FALSE((*w)->submit(2, r));  // no such queue
	}  // flushed and closed

	fstrm_file_options *fopt = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	fstrm_reader *rd = fstrm_file_reader_init(fopt, nullptr);
	fstrm_file_options_destroy(&fopt);
	ASSERT_NE(rd, nullptr);
	ASSERT_EQ(fstrm_reader_open(rd), fstrm_res_success);
	const fstrm_control *ctl = nullptr;
	ASSERT_EQ(fstrm_reader_get_control(rd, FSTRM_CONTROL_START, &ctl), fstrm_res_success);
	const std::uint8_t *ct = nullptr;
	std::size_t ct_len = 0;
	ASSERT_EQ(fstrm_control_get_field_content_type(ctl, 0, &ct, &ct_len), fstrm_res_success);
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(ct), ct_len), "protobuf:dnstap.Dnstap");
	std::vector<Dnstap__Message__Type> types;
	for (;;) {
		const std::uint8_t *data = nullptr;
		std::size_t len = 0;
		if (fstrm_reader_read(rd, &data, &len) != fstrm_res_success)
			break;
		Decoded x{dnstap__dnstap__unpack(nullptr, len, data)};
		ASSERT_NE(x.d, nullptr);
		types.push_back(x.d->message->type);
	}
	fstrm_reader_destroy(&rd);
	unlink(path);
	// One queue each: the order across queues is the I/O thread's.
	ASSERT_EQ(types.size(), 2u);
	EXPECT_NE(types[0], types[1]);
}

TEST(DnstapWriter, UnwritableFileNamesPathAndCause)
{
	WriterOptions o;
	o.file_path = "/nonexistent-dir/tap.fstrm";
	auto w = Writer::open(o);
	ASSERT_FALSE(w);
	EXPECT_EQ(w.error().message, "dnstap file /nonexistent-dir/tap.fstrm: No such file or directory");
}

}  // namespace
}  // namespace xdpdns::daemon::dnstap
