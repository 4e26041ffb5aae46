// ZoneText: splits a zone file into entries exactly as ldns 1.8
// (ldns_fget_token_l_st) does – comments dropped, parenthesised lines
// joined with spaces, quotes kept – and numbers each entry with the line it
// starts on (blank and comment-only lines before it skipped first, since
// ldns would fold them into the entry). It reads the file in large blocks
// with read(2); ldns reads it with getc and needs an ftell/fseek per record
// to find where a record starts, which dominated loading large zones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xdpdns::dns {

class ZoneText {
public:
	enum class Status { ok, empty, syntax_error, end };

	explicit ZoneText(int fd) : fd_(fd) {}

	// The next entry, into `line` (trailing whitespace removed as ldns
	// does); `start_line` is the 1-based line it starts on. `end` at the
	// end of the file; `syntax_error` for an unbalanced parenthesis
	// (ldns's LDNS_STATUS_SYNTAX_ERR); `empty` for an entry with no text.
	Status next(std::string &line, int &start_line);

	bool read_failed() const { return read_error_ != 0; }
	int read_errno() const { return read_error_; }

private:
	static constexpr int eof = -1;

	int get()
	{
		if (pos_ == end_ && !fill(1))
			return eof;
		return static_cast<unsigned char>(buf_[pos_++]);
	}
	void unget() { pos_--; }
	int peek(size_t i)
	{
		if (pos_ + i >= end_ && !fill(i + 1))
			return eof;
		return static_cast<unsigned char>(buf_[pos_ + i]);
	}
	// Makes at least `want` bytes available from pos_; false at EOF or on
	// a read error.
	bool fill(size_t want);
	bool skip_blank_lines();
	Status read_entry(std::string &line);
	void skip_line_ends();

	int fd_;
	std::vector<char> buf_;
	size_t pos_ = 0;
	size_t end_ = 0;
	bool at_eof_ = false;
	int read_error_ = 0;
	int line_ = 0;
};

// ldns's ldns_strip_ws() on an entry: the offset of its first non-space
// character, and `line` cut after its last non-space one (with ldns's
// quirks: a space escaped by '\' stays, and the last two characters after
// the first non-space one are never cut).
size_t strip_ws(std::string &line);

}  // namespace xdpdns::dns
