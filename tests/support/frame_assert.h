// GoogleTest assertions on whole frames. On a mismatch the expected and the
// actual frame are written to a pcap (XDPDNS_TEST_PCAP_DIR, else the test
// temp dir) named after the running test, and the message carries its path
// and a hex diff.
//
//   EXPECT_PRED_FORMAT2(frames_equal, expected, actual);
//   EXPECT_PRED_FORMAT1(checksums_valid, actual);
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "net_types.h"

namespace xdpdns::test {

::testing::AssertionResult frames_equal(const char *expected_expr, const char *actual_expr,
					const Bytes &expected, const Bytes &actual);

::testing::AssertionResult checksums_valid(const char *frame_expr, const Bytes &frame);

// Where mismatch pcaps go: "<dir>/<suite>.<test>[-<tag>].pcap" (sanitised).
std::string pcap_path_for_current_test(const std::string &tag);

} // namespace xdpdns::test
