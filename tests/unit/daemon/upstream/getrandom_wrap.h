// Link-time stand-in for getrandom() (the test binary is linked with
// -Wl,--wrap=getrandom): by default it passes through to the kernel; in
// scripted mode it hands out a known byte stream and counts the calls, so a
// test can prove that what the code draws is exactly the CSPRNG's output.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xdpdns::test {

// Scripted mode: a SplitMix64 stream from `seed`, restarted.
void script_getrandom(std::uint64_t seed);
// Back to the kernel.
void real_getrandom();
// getrandom() calls and octets handed out since the last script_getrandom().
std::size_t getrandom_calls();
std::size_t getrandom_octets();

// An independent copy of the scripted stream: what the code should have
// got, octet by octet.
class ScriptedStream {
public:
	explicit ScriptedStream(std::uint64_t seed) : state_(seed) {}
	std::uint8_t next();

private:
	std::uint64_t state_;
	std::uint64_t word_ = 0;
	unsigned left_ = 0;
};

}  // namespace xdpdns::test
