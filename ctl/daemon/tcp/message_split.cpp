#include "daemon/tcp/message_split.h"

namespace xdpdns::daemon::tcp {

bool starts_query(std::span<const uint8_t> payload, size_t max_length)
{
	if (payload.size() < 2)
		return false;
	const size_t len = (size_t{payload[0]} << 8) | payload[1];
	if (len < 12 || len > max_length)
		return false;
	if (payload.size() == 2)
		return true;  // the length written alone, as some clients do
	if (payload.size() < 2 + 12)
		return false;  // no client writes part of a header first
	if ((payload[4] & 0x80) || payload[6] != 0)  // QR: a response; QDCOUNT above 255
		return false;
	if (payload.size() < 2 + len || payload[7] == 0)
		return true;  // as far as the segment tells
	// The whole first message is here: the counts of a plain query (one
	// question, no answer or authority, at most one additional record: the
	// OPT), or else a question name that walks as uncompressed labels to
	// the root with QTYPE and QCLASS after it. A query malformed past that
	// still gets its FORMERR.
	const auto msg = payload.subspan(2, len);
	if (msg[5] == 1 && msg[6] == 0 && msg[7] == 0 && msg[8] == 0 && msg[9] == 0 && msg[10] == 0 &&
	    msg[11] <= 1)
		return true;
	size_t pos = 12;
	for (int labels = 0; labels < 128; labels++) {
		if (pos >= msg.size() || msg[pos] > 63)
			return false;
		if (msg[pos] == 0)
			return pos + 1 + 4 <= msg.size();
		pos += 1 + msg[pos];
	}
	return false;
}

MessageSplit split_messages(std::span<const uint8_t> stream,
			    std::span<std::span<const uint8_t>> out)
{
	MessageSplit r;
	size_t pos = 0;

	while (stream.size() - pos >= 2) {
		size_t len = static_cast<size_t>(stream[pos]) << 8 | stream[pos + 1];
		if (stream.size() - pos - 2 < len)
			break;
		if (r.count < out.size())
			out[r.count] = stream.subspan(pos + 2, len);
		r.count++;
		pos += 2 + len;
	}
	r.consumed = pos;
	return r;
}

}  // namespace xdpdns::daemon::tcp
