#include "getrandom_wrap.h"

#include <sys/random.h>
#include <sys/types.h>

#include <optional>

extern "C" ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);

namespace xdpdns::test {
namespace {

std::optional<ScriptedStream> scripted;
std::size_t calls = 0;
std::size_t octets = 0;

}  // namespace

std::uint8_t ScriptedStream::next()
{
	if (left_ == 0) {
		std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		word_ = z ^ (z >> 31);
		left_ = 8;
	}
	const auto b = static_cast<std::uint8_t>(word_);
	word_ >>= 8;
	left_--;
	return b;
}

void script_getrandom(std::uint64_t seed)
{
	scripted.emplace(seed);
	calls = 0;
	octets = 0;
}

void real_getrandom()
{
	scripted.reset();
}

std::size_t getrandom_calls()
{
	return calls;
}

std::size_t getrandom_octets()
{
	return octets;
}

}  // namespace xdpdns::test

extern "C" ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
	using namespace xdpdns::test;
	if (!scripted)
		return __real_getrandom(buf, len, flags);
	auto *p = static_cast<std::uint8_t *>(buf);
	for (size_t i = 0; i < len; i++)
		p[i] = scripted->next();
	calls++;
	octets += len;
	return static_cast<ssize_t>(len);
}
