#include "daemon/tcp/message_split.h"

namespace xdpdns::daemon::tcp {

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
