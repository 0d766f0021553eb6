// A file descriptor owner and the small I/O helpers every part of spmi uses.
// Used by the wrapper too, so it stays free of iostreams.
#pragma once

#include <string>
#include <string_view>

namespace spmi {

// Owns one file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership and returns the descriptor.
  int release();
  // Closes the owned descriptor (if any) and takes `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of `data`, retrying on EINTR and short writes. False on error (errno set).
bool write_all(int fd, std::string_view data);

// Reads the whole file at `path` into `out`. False on error with `err` filled.
bool read_file(const std::string& path, std::string* out, std::string* err);

// Reads until EOF from `fd` into `out`. False on error (errno set).
bool read_all(int fd, std::string* out);

// strerror(errno) as a std::string.
std::string errno_text(int err);

}  // namespace spmi
