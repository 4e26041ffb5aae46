// Fixed-width text tables: columns as wide as their widest cell, two spaces
// apart, the last column unpadded (so descriptions can run on).
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace xdpdns::cli {

class Table {
public:
	explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}

	void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

	std::string render() const
	{
		std::vector<std::size_t> width;
		for (const auto &r : rows_) {
			width.resize(std::max(width.size(), r.size()));
			for (std::size_t i = 0; i < r.size(); i++)
				width[i] = std::max(width[i], r[i].size());
		}
		std::string out;
		for (const auto &r : rows_) {
			std::string line;
			for (std::size_t i = 0; i < r.size(); i++) {
				line += r[i];
				if (i + 1 < r.size())
					line += std::string(width[i] - r[i].size() + 2, ' ');
			}
			out += line + "\n";
		}
		return out;
	}

	void print() const { std::fputs(render().c_str(), stdout); }

private:
	std::vector<std::vector<std::string>> rows_;
};

}  // namespace xdpdns::cli
