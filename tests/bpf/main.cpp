// The BPF tests' main: one CTest entry runs the whole table, so a run in
// which tests skipped (not root) exits 77, which CTest reports as skipped
// (SKIP_RETURN_CODE); failures still exit non-zero as failures.
#include <gtest/gtest.h>

int main(int argc, char **argv)
{
	testing::InitGoogleTest(&argc, argv);
	const int rc = RUN_ALL_TESTS();
	if (rc == 0 && testing::UnitTest::GetInstance()->skipped_test_count() > 0)
		return 77;
	return rc;
}
