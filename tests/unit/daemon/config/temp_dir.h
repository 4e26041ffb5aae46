// A private directory under $TMPDIR for test files, removed with its content,
// and the fixture of the config-file tests built on it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/config/yaml_file.h"

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

// Loads config text written to DIR/c.yaml.
class YamlFixture : public ::testing::Test {
protected:
	// The error message, or "<accepted>" (which no expectation matches).
	std::string error_of(const std::string &text)
	{
		auto r = load_file(dir.write("c.yaml", text));
		return r ? std::string("<accepted>") : r.error().message;
	}
	// "DIR/c.yaml:LINE:COL: " as every error begins.
	std::string at(int line, int col) const
	{
		return dir.path() + "/c.yaml:" + std::to_string(line) + ":" + std::to_string(col) + ": ";
	}

	TempDir dir;
};

}  // namespace xdpdns::daemon::config::test
