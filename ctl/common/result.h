// Error model: library code returns Result<T> (a value or an Error carrying
// errno and a sentence naming the object and the cause); exceptions are for
// start-up and main() only. Hot paths return plain enums instead.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace xdpdns {

struct Error {
	int err = 0;          // errno value, 0 when not a system error
	std::string message;  // "what: why", e.g. "open /sys/fs/bpf/xdpdns/eth0/config: No such file"
};

// Builds an Error from an errno-style code (positive or negative).
Error sys_error(int err, std::string what);

template <class T>
class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::move(value)) {}
	Result(Error error) : v_(std::move(error)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }
	T &value() { return std::get<0>(v_); }
	const T &value() const { return std::get<0>(v_); }
	T &operator*() { return value(); }
	const T &operator*() const { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	const Error &error() const { return std::get<1>(v_); }

private:
	std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)), ok_(false) {}

	bool ok() const { return ok_; }
	explicit operator bool() const { return ok_; }
	const Error &error() const { return error_; }

private:
	Error error_;
	bool ok_ = true;
};

}  // namespace xdpdns
