#include "dns/zone_text.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <algorithm>
#include <cstring>

namespace xdpdns::dns {

namespace {

constexpr size_t block = 1 << 20;

// ldns's LDNS_PARSE_SKIP_SPACE: what ends an entry and is skipped after it.
bool is_entry_delimiter(int c)
{
	return c == '\f' || c == '\n' || c == '\r' || c == '\v';
}

// A character the entry reader only copies: not '\r', '(', ')', ';', '"',
// '\\', '\0' or an entry delimiter.
bool ordinary(int c)
{
	static const auto table = [] {
		std::array<bool, 256> t{};
		t.fill(true);
		for (const unsigned char x : {'\r', '(', ')', ';', '"', '\\', '\0', '\n', '\f', '\v'})
			t[x] = false;
		return t;
	}();
	return table[static_cast<unsigned char>(c)];
}

}  // namespace

bool ZoneText::fill(size_t want)
{
	while (end_ - pos_ < want) {
		if (at_eof_ || read_error_)
			return false;
		// Keep one byte before pos_ so that unget() after get() works.
		const size_t keep_from = pos_ > 0 ? pos_ - 1 : 0;
		if (keep_from > 0) {
			std::memmove(buf_.data(), buf_.data() + keep_from, end_ - keep_from);
			end_ -= keep_from;
			pos_ -= keep_from;
		}
		if (buf_.size() < end_ + block / 2)
			buf_.resize(std::max(buf_.size() * 2, end_ + block));
		const ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			read_error_ = errno;
			return false;
		}
		if (n == 0)
			at_eof_ = true;
		end_ += static_cast<size_t>(n);
	}
	return true;
}

// Lines that are blank or only a comment are counted and consumed; the
// reader is left at the start of the next meaningful line.
bool ZoneText::skip_blank_lines()
{
	for (;;) {
		if (peek(0) == eof)
			return false;
		size_t i = 0;
		int c;
		while ((c = peek(i)) == ' ' || c == '\t' || c == '\r')
			i++;
		if (c == '\n' || c == eof || c == ';') {
			if (c == ';')
				while ((c = peek(i)) != '\n' && c != eof)
					i++;
			pos_ += c == eof ? i : i + 1;
			line_++;
			continue;
		}
		return true;
	}
}

// ldns_fskipcs_l(fp, LDNS_PARSE_SKIP_SPACE, &line).
void ZoneText::skip_line_ends()
{
	int c;
	while ((c = get()) != eof) {
		if (c == '\n')
			line_++;
		if (!is_entry_delimiter(c)) {
			unget();
			return;
		}
	}
}

// ldns_fget_token_l_st(fp, ..., LDNS_PARSE_SKIP_SPACE, &line), character
// for character.
ZoneText::Status ZoneText::read_entry(std::string &line)
{
	int c = 0, prev_c = 0;
	int p = 0;
	bool com = false, quoted = false;
	size_t i = 0;
	while ((c = get()) != eof) {
		if (ordinary(c) && !com) {
			// The common case, in bulk: a run of characters that change
			// no state (no parenthesis, quote, comment, escape, line end).
			const size_t from = pos_ - 1;
			size_t to = pos_;
			while (to < end_ && ordinary(static_cast<unsigned char>(buf_[to])))
				to++;
			if (p < 0)
				return i == 0 ? Status::empty : Status::ok;
			line.append(buf_.data() + from, to - from);
			i += to - from;
			prev_c = static_cast<unsigned char>(buf_[to - 1]);
			pos_ = to;
			continue;
		}
		if (c == '\r')
			c = ' ';
		if (c == '(' && prev_c != '\\' && !quoted) {
			if (!com)
				p++;
			prev_c = c;
			continue;
		}
		if (c == ')' && prev_c != '\\' && !quoted) {
			if (!com)
				p--;
			prev_c = c;
			continue;
		}
		if (p < 0)
			return i == 0 ? Status::empty : Status::ok;
		if (c == ';' && !quoted && prev_c != '\\')
			com = true;
		if (c == '"' && !com && prev_c != '\\')
			quoted = !quoted;
		if (c == '\n' && com) {
			com = false;
			line_++;
			if (p == 0 && i > 0)
				goto token_read;
			prev_c = c;
			continue;
		}
		if (com) {
			prev_c = c;
			continue;
		}
		if (c == '\n' && p != 0 && !line.empty()) {
			line_++;
			line.push_back(' ');
			prev_c = c;
			continue;
		}
		if (is_entry_delimiter(c) && i > 0 && prev_c != '\\' && p == 0) {
			if (c == '\n')
				line_++;
			goto token_read;
		}
		if (c != '\0' && c != '\n') {
			i++;
			line.push_back(static_cast<char>(c));
		}
		if (c == '\n')
			line_++;
		prev_c = (c == '\\' && prev_c == '\\') ? 0 : c;
	}
	return i == 0 ? Status::empty : Status::ok;

token_read:
	skip_line_ends();
	if (p != 0)
		return Status::syntax_error;
	return i == 0 ? Status::empty : Status::ok;
}

ZoneText::Status ZoneText::next(std::string &line, int &start_line)
{
	line.clear();
	if (!skip_blank_lines())
		return Status::end;
	start_line = line_ + 1;
	return read_entry(line);
}

size_t strip_ws(std::string &line)
{
	size_t s = 0;
	while (s < line.size() && std::isspace(static_cast<unsigned char>(line[s])))
		s++;
	size_t e = line.size();
	while (e > s + 2 && std::isspace(static_cast<unsigned char>(line[e - 1])) && line[e - 2] != '\\')
		e--;
	line.resize(e);
	return s;
}

}  // namespace xdpdns::dns
