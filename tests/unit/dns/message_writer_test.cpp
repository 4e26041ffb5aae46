// Name compression and bounds of MessageWriter, checked octet by octet.
#include <gtest/gtest.h>

#include "dns/message_writer.h"
#include "test_support.h"

namespace xdpdns::dns {
namespace {

using test::Bytes;
using test::wire_name;

Bytes written(MessageWriter &w)
{
	return Bytes(w.data(), w.data() + w.size());
}

TEST(MessageWriter, CompressesAgainstTheQuestionCaseInsensitively)
{
	Bytes buf(512);
	MessageWriter w(buf);
	w.put_bytes(Bytes(12, 0));  // header
	const Bytes q = wire_name("www.Example.test");
	w.put_bytes(q);  // question name at 12, as a client sent it
	w.add_name_targets(12, q);

	const size_t a = w.size();
	w.put_name(wire_name("example.TEST"));  // suffix of the question at 16
	EXPECT_EQ(Bytes(buf.begin() + a, buf.begin() + w.size()), (Bytes{0xc0, 16}));

	const size_t b = w.size();
	w.put_name(wire_name("mail.example.test"));
	EXPECT_EQ(Bytes(buf.begin() + b, buf.begin() + w.size()),
		  (Bytes{4, 'm', 'a', 'i', 'l', 0xc0, 16}));

	const size_t c = w.size();
	w.put_name(wire_name("WWW.example.test"));  // the whole question
	EXPECT_EQ(Bytes(buf.begin() + c, buf.begin() + w.size()), (Bytes{0xc0, 12}));

	// A name written before (partly compressed itself) is a target too.
	const size_t d = w.size();
	w.put_name(wire_name("x.mail.example.test"));
	EXPECT_EQ(Bytes(buf.begin() + d, buf.begin() + w.size()),
		  (Bytes{1, 'x', 0xc0, static_cast<uint8_t>(b)}));

	const size_t e = w.size();
	w.put_name(Bytes{0});  // the root is never compressed
	EXPECT_EQ(Bytes(buf.begin() + e, buf.begin() + w.size()), (Bytes{0}));
	EXPECT_FALSE(w.failed());
}

TEST(MessageWriter, UnrelatedNamesAreLiteralAndLaterReused)
{
	Bytes buf(512);
	MessageWriter w(buf);
	w.put_name(wire_name("a.example.org"));
	EXPECT_EQ(written(w), wire_name("a.example.org"));
	const size_t b = w.size();
	w.put_name(wire_name("b.example.org"));
	EXPECT_EQ(Bytes(buf.begin() + b, buf.begin() + w.size()), (Bytes{1, 'b', 0xc0, 2}));
	const size_t c = w.size();
	w.put_name(wire_name("example.net"));  // shares only the root
	EXPECT_EQ(Bytes(buf.begin() + c, buf.begin() + w.size()), wire_name("example.net"));
}

TEST(MessageWriter, UncompressedWhenAsked)
{
	Bytes buf(512);
	MessageWriter w(buf);
	w.put_name(wire_name("example.org"));
	const size_t b = w.size();
	w.put_name(wire_name("srv.example.org"), false, false);
	EXPECT_EQ(Bytes(buf.begin() + b, buf.begin() + w.size()), wire_name("srv.example.org"));
	// ... and not remembered: the next name compresses against the first.
	const size_t c = w.size();
	w.put_name(wire_name("srv.example.org"));
	EXPECT_EQ(Bytes(buf.begin() + c, buf.begin() + w.size()), (Bytes{3, 's', 'r', 'v', 0xc0, 0}));
}

TEST(MessageWriter, NoPointerBeyondOffset16383)
{
	Bytes buf(40000);
	MessageWriter w(buf);
	w.put_bytes(Bytes(0x4000, 0));
	const size_t first = w.size();
	w.put_name(wire_name("far.example"));
	const size_t second = w.size();
	w.put_name(wire_name("far.example"));
	EXPECT_EQ(Bytes(buf.begin() + second, buf.begin() + w.size()), wire_name("far.example"));
	EXPECT_EQ(second - first, wire_name("far.example").size());
}

TEST(MessageWriter, OverflowWritesNothingAndRewindRecovers)
{
	Bytes buf(20, 0xee);
	MessageWriter w(buf);
	w.put_u32(0x01020304);
	const auto m = w.mark();
	w.put_name(wire_name("this-name-is-too-long.example"));
	EXPECT_TRUE(w.failed());
	EXPECT_EQ(w.size(), 4u);
	EXPECT_EQ(buf[4], 0xee);  // nothing partial
	w.put_u8(1);              // stays failed
	EXPECT_EQ(w.size(), 4u);
	w.rewind(m);
	EXPECT_FALSE(w.failed());
	w.put_u16(0xbeef);
	EXPECT_EQ(written(w), (Bytes{1, 2, 3, 4, 0xbe, 0xef}));
}

TEST(MessageWriter, RewindForgetsCompressionTargets)
{
	Bytes buf(512);
	MessageWriter w(buf);
	const auto m = w.mark();
	w.put_name(wire_name("gone.example"));
	w.rewind(m);
	w.put_u16(0);
	const size_t b = w.size();
	w.put_name(wire_name("gone.example"));
	EXPECT_EQ(Bytes(buf.begin() + b, buf.begin() + w.size()), wire_name("gone.example"));
}

TEST(MessageWriter, ReservedTailIsKeptFree)
{
	Bytes buf(16);
	MessageWriter w(buf);
	w.reserve_tail(11);
	w.put_bytes(Bytes(5, 1));
	EXPECT_FALSE(w.failed());
	w.put_u8(2);
	EXPECT_TRUE(w.failed());
	w.rewind({5, 0});
	w.release_tail();
	w.put_bytes(Bytes(11, 3));
	EXPECT_FALSE(w.failed());
	EXPECT_EQ(w.size(), 16u);
}

TEST(MessageWriter, CapacityIsAtMost65535)
{
	Bytes buf(70000);
	MessageWriter w(buf);
	EXPECT_EQ(w.capacity(), 65535u);
}

}  // namespace
}  // namespace xdpdns::dns
