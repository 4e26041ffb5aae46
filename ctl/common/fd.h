// RAII for file descriptors and for mmap()ed BPF maps.
#pragma once

#include "result.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <utility>

namespace xdpdns {

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd &operator=(Fd &&o) noexcept
	{
		if (this != &o) {
			reset();
			fd_ = std::exchange(o.fd_, -1);
		}
		return *this;
	}
	~Fd() { reset(); }

	int get() const { return fd_; }
	bool valid() const { return fd_ >= 0; }
	int release() { return std::exchange(fd_, -1); }
	void reset()
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = -1;
	}

private:
	int fd_ = -1;
};

// A shared mapping of a BPF_F_MMAPABLE array map.
class MapMmap {
public:
	MapMmap() = default;
	MapMmap(const MapMmap &) = delete;
	MapMmap &operator=(const MapMmap &) = delete;
	MapMmap(MapMmap &&o) noexcept
		: addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}
	MapMmap &operator=(MapMmap &&o) noexcept
	{
		if (this != &o) {
			reset();
			addr_ = std::exchange(o.addr_, nullptr);
			len_ = std::exchange(o.len_, 0);
		}
		return *this;
	}
	~MapMmap() { reset(); }

	// Maps `bytes` of the map behind `fd` (rounded up to whole pages).
	static Result<MapMmap> map(int fd, std::size_t bytes, bool writable, const std::string &what)
	{
		long page = sysconf(_SC_PAGESIZE);
		std::size_t len = (bytes + page - 1) / page * page;
		void *p = mmap(nullptr, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return sys_error(errno, "mmap " + what);
		MapMmap m;
		m.addr_ = p;
		m.len_ = len;
		return m;
	}

	template <class T>
	T *as() const { return static_cast<T *>(addr_); }
	void *data() const { return addr_; }
	std::size_t size() const { return len_; }

	void reset()
	{
		if (addr_)
			munmap(addr_, len_);
		addr_ = nullptr;
		len_ = 0;
	}

private:
	void *addr_ = nullptr;
	std::size_t len_ = 0;
};

// An exclusive flock() on a directory, held until destruction. Serialises
// read-modify-write sequences between xdpdnsctl runs and the daemon: key
// rotation and allow-list edits lock the pin directory, attach and detach
// lock the pin root.
class DirLock {
public:
	static Result<DirLock> take(const std::string &dir)
	{
		DirLock l;
		l.fd_ = Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (!l.fd_.valid())
			return sys_error(errno, "open " + dir);
		while (flock(l.fd_.get(), LOCK_EX) != 0)
			if (errno != EINTR)
				return sys_error(errno, "lock " + dir);
		return l;
	}

	// True while `dir` is still the directory this lock holds: false once
	// it was removed (or replaced) after we opened it.
	bool still_at(const std::string &dir) const
	{
		struct stat held, now;
		return ::fstat(fd_.get(), &held) == 0 && ::stat(dir.c_str(), &now) == 0 &&
		       held.st_dev == now.st_dev && held.st_ino == now.st_ino;
	}

private:
	Fd fd_;  // closing it releases the lock
};

}  // namespace xdpdns
