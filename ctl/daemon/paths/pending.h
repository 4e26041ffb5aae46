// What a worker remembers about a query while an asynchronous backend works
// on it: how to address the answer, and for TCP where it goes in sequence
// space. Fixed tables allocated once; a tag (slot + generation) names an
// entry, so a late or duplicate answer for a reused slot is ignored.
#pragma once

#include "daemon/tcp/flow_table.h"
#include "dns/query.h"
#include "net/reply.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace xdpdns::daemon {

// The query frame kept for an ATR follow-up (BPF_PROG_RUN replays it).
inline constexpr std::size_t kMaxSavedFrame = 1024;

struct UdpContext {
	net::ReplyTemplate t;
	dns::Query q;
	std::uint16_t path_mtu = 0;   // learnt from ICMP (XDP metadata), 0 unknown
	bool atr_allowed = true;      // client passes the ATR allow-list
	bool valid_cookie = false;    // the query carried a valid server cookie (RFC 7873)
	bool rrl_exempt = false;      // client on the RRL exempt list
	std::uint16_t frame_len = 0;  // 0: frame not saved (too long)
	// Only frame_len octets are valid: not zeroed, because a UdpContext is
	// made for every UDP query.
	std::array<std::uint8_t, kMaxSavedFrame> frame;
};

struct TcpContext {
	net::ReplyTemplate t;
	tcp::FlowKey key;
	std::uint32_t our_seq = 0;      // SEG.ACK of the request: our first octet
	std::uint32_t ack_to = 0;       // what we acknowledge
	std::uint32_t request_seq = 0;  // SEG.SEQ of the request
	std::uint16_t client_window = 0;
	std::uint16_t segment_size = 512;
	bool reanswer = false;          // must hash to expected_hash
	std::uint64_t expected_hash = 0;
	std::uint32_t expected_len = 0;
	// Asynchronous groups: answers arrive in any order, the train waits
	// for all of them.
	std::uint8_t queries = 0;
	std::uint8_t done = 0;
	std::uint32_t buffer_used = 0;  // octets of the slot's answer buffer in use
	std::array<std::uint32_t, tcp::kMaxQueriesPerTrain> answer_off{};  // "length + answer"
	std::array<std::uint32_t, tcp::kMaxQueriesPerTrain> answer_len{};  // 0: not yet
	std::array<dns::Query, tcp::kMaxQueriesPerTrain> q{};
};

class PendingTable {
public:
	// Room for `udp` UDP queries and `tcp` TCP requests in flight (0, 0 for
	// synchronous backends). A TCP request keeps up to 64 KiB of answers.
	static constexpr std::size_t kTcpAnswerBytes = 65538;

	PendingTable(std::size_t udp, std::size_t tcp)
		: udp_(udp), udp_gen_(udp), tcp_(tcp), tcp_gen_(tcp), tcp_buf_(tcp * kTcpAnswerBytes)
	{
		udp_free_.reserve(udp);
		for (std::size_t i = udp; i-- > 0;)
			udp_free_.push_back(static_cast<std::uint32_t>(i));
		tcp_free_.reserve(tcp);
		for (std::size_t i = tcp; i-- > 0;)
			tcp_free_.push_back(static_cast<std::uint32_t>(i));
	}

	// ---- tags: bit 63 TCP, bits 48..55 query index, 32..47 slot, 0..31 generation
	static bool is_tcp(std::uint64_t tag) { return tag >> 63; }
	static std::uint32_t slot(std::uint64_t tag) { return (tag >> 32) & 0xffff; }
	static std::uint32_t index(std::uint64_t tag) { return (tag >> 48) & 0xff; }
	static std::uint32_t gen(std::uint64_t tag) { return static_cast<std::uint32_t>(tag); }

	// ---- UDP ----
	std::optional<std::uint64_t> udp_alloc()
	{
		if (udp_free_.empty())
			return std::nullopt;
		const std::uint32_t s = udp_free_.back();
		udp_free_.pop_back();
		return (std::uint64_t(s) << 32) | ++udp_gen_[s];
	}
	UdpContext *udp_get(std::uint64_t tag)
	{
		const std::uint32_t s = slot(tag);
		if (is_tcp(tag) || s >= udp_.size() || udp_gen_[s] != gen(tag))
			return nullptr;
		return &udp_[s];
	}
	void udp_free(std::uint64_t tag)
	{
		const std::uint32_t s = slot(tag);
		++udp_gen_[s];  // later deliveries with this tag are stale
		udp_free_.push_back(s);
	}

	// ---- TCP ----
	std::optional<std::uint64_t> tcp_alloc()
	{
		if (tcp_free_.empty())
			return std::nullopt;
		const std::uint32_t s = tcp_free_.back();
		tcp_free_.pop_back();
		tcp_[s].done = 0;
		tcp_[s].queries = 0;
		tcp_[s].buffer_used = 0;
		tcp_[s].answer_len.fill(0);
		return (std::uint64_t(1) << 63) | (std::uint64_t(s) << 32) | ++tcp_gen_[s];
	}
	static std::uint64_t with_index(std::uint64_t tag, std::uint32_t i)
	{
		return tag | (std::uint64_t(i) << 48);
	}
	TcpContext *tcp_get(std::uint64_t tag)
	{
		const std::uint32_t s = slot(tag);
		if (!is_tcp(tag) || s >= tcp_.size() || tcp_gen_[s] != gen(tag))
			return nullptr;
		return &tcp_[s];
	}
	// Answer storage of a TCP request: answers are appended in arrival
	// order (answer_off/answer_len say where), the train follows query order.
	std::span<std::uint8_t> tcp_buffer(std::uint64_t tag)
	{
		return {tcp_buf_.data() + std::size_t(slot(tag)) * kTcpAnswerBytes, kTcpAnswerBytes};
	}
	void tcp_free(std::uint64_t tag)
	{
		const std::uint32_t s = slot(tag);
		++tcp_gen_[s];
		tcp_free_.push_back(s);
	}
private:
	std::vector<UdpContext> udp_;
	std::vector<std::uint32_t> udp_gen_;   // odd while in use
	std::vector<std::uint32_t> udp_free_;
	std::vector<TcpContext> tcp_;
	std::vector<std::uint32_t> tcp_gen_;   // odd while in use
	std::vector<std::uint32_t> tcp_free_;
	std::vector<std::uint8_t> tcp_buf_;
};

}  // namespace xdpdns::daemon
