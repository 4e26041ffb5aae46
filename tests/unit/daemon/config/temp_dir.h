// A private directory under $TMPDIR for test files, removed with its content.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace xdpdns::daemon::config::test {

class TempDir {
public:
	TempDir()
	{
		const char *base = std::getenv("TMPDIR");
		std::string tmpl = std::string(base && *base ? base : "/tmp") + "/xdpdns-conf-XXXXXX";
		if (!mkdtemp(tmpl.data()))
			ADD_FAILURE() << "mkdtemp " << tmpl << " failed";
		path_ = tmpl;
	}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &path() const { return path_; }

	// Writes `text` to NAME inside the directory; returns the full path.
	std::string write(const std::string &name, const std::string &text) const
	{
		std::string p = path_ + "/" + name;
		std::ofstream(p) << text;
		return p;
	}

private:
	std::string path_;
};

}  // namespace xdpdns::daemon::config::test
