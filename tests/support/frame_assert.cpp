#include "frame_assert.h"

#include <cctype>
#include <filesystem>
#include <system_error>

#include "checksum.h"
#include "pcap_writer.h"

namespace xdpdns::test {

std::string pcap_path_for_current_test(const std::string &tag)
{
	std::string dir;
#ifdef XDPDNS_TEST_PCAP_DIR
	dir = XDPDNS_TEST_PCAP_DIR;
#endif
	std::error_code ec;
	if (dir.empty() || (std::filesystem::create_directories(dir, ec), ec))
		dir = ::testing::TempDir();
	std::string name = "frame";
	if (const auto *info = ::testing::UnitTest::GetInstance()->current_test_info())
		name = std::string(info->test_suite_name()) + "." + info->name();
	if (!tag.empty())
		name += "-" + tag;
	for (char &c : name)
		if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
			c = '_';
	return (std::filesystem::path(dir) / (name + ".pcap")).string();
}

::testing::AssertionResult frames_equal(const char *expected_expr, const char *actual_expr,
					const Bytes &expected, const Bytes &actual)
{
	if (expected == actual)
		return ::testing::AssertionSuccess();
	static int serial = 0;
	std::string path = pcap_path_for_current_test(std::to_string(++serial));
	std::string err = write_pcap(path, {expected, actual});
	auto r = ::testing::AssertionFailure();
	r << "frames differ: " << expected_expr << " vs " << actual_expr << "\n";
	if (err.empty())
		r << "pcap (frame 1 expected, frame 2 actual): " << path << "\n";
	else
		r << "could not write pcap: " << err << "\n";
	r << hex_diff(expected, actual);
	return r;
}

::testing::AssertionResult checksums_valid(const char *frame_expr, const Bytes &frame)
{
	ChecksumReport rep = verify_checksums(frame);
	if (rep.all_ok())
		return ::testing::AssertionSuccess() << rep.detail;
	return ::testing::AssertionFailure()
	       << "checksums of " << frame_expr << " not right: " << rep.detail << "\n"
	       << hex_dump(frame);
}

} // namespace xdpdns::test
