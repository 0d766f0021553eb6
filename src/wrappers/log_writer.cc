// The wrapper's log writer (see log_writer.h).
#include "wrappers/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/safe_file.h"

namespace spmi {

namespace {

// After an open failure, the next attempt waits this long (each write would
// otherwise retry an open that fails).
constexpr int64_t kReopenRetryMs = 1000;

}  // namespace

bool LogWriter::setup(std::string path, const LogSettings& settings, Clock clock, std::string* err) {
  path_ = std::move(path);
  name_ = base_name(path_);
  s_ = settings;
  clock_ = clock;
  fd_.reset();
  dir_fd_.reset();
  retry_at_ = 0;
  // Created at once: readers (connect, logs -f) watch the file from the start.
  ensure_open();
  if (refused_ && err) *err = error_;
  return !refused_;
}

int64_t LogWriter::period_end(int64_t ms) const {
  if (s_.rotate != LogRotate::Hourly && s_.rotate != LogRotate::Daily) return INT64_MAX;
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  localtime_r(&t, &tm);
  tm.tm_min = tm.tm_sec = 0;
  if (s_.rotate == LogRotate::Hourly) {
    tm.tm_hour += 1;
  } else {
    tm.tm_hour = 0;
    tm.tm_mday += 1;
  }
  tm.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&tm)) * 1000;
}

bool LogWriter::ensure_open() {
  if (fd_.valid()) return true;
  int64_t now = clock_();
  if (now < retry_at_) return false;
  std::string why;
  if (!dir_fd_.valid()) {
    dir_fd_ = open_dir(dir_name(path_), &why);
    if (!dir_fd_.valid()) why = "cannot open " + path_ + ": " + errno_text(errno);  // no directory (yet)
  }
  // Not O_APPEND: splice() refuses append-mode files. The wrapper is the
  // file's only writer and keeps the offset itself.
  // Read-write: after splice, the last byte tells whether a line is open.
  if (dir_fd_.valid()) fd_ = open_in_dir(dir_fd_.get(), name_, O_RDWR | O_CREAT, path_, &why);
  if (!fd_.valid()) {
    refused_ = refused_for_safety(errno);
    retry_at_ = now + kReopenRetryMs;
    changed_ = changed_ || why != error_;
    error_ = why;
    return false;
  }
  refused_ = false;
  opened(now);
  return true;
}

void LogWriter::opened(int64_t now) {
  struct stat st {};
  size_ = ::fstat(fd_.get(), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
  if (S_ISREG(st.st_mode)) ::lseek(fd_.get(), size_, SEEK_SET);
  line_state_ = size_ == 0 ? 1 : -1;
  // A file last written in an earlier hour or day is rotated at the next line.
  period_end_ms_ = period_end(st.st_mtime > 0 && size_ > 0 ? static_cast<int64_t>(st.st_mtime) * 1000 : now);
}

void LogWriter::adopt(std::string path, const LogSettings& settings, Clock clock, Fd dir, Fd file, int sequence,
                      int64_t dropped) {
  path_ = std::move(path);
  name_ = base_name(path_);
  s_ = settings;
  clock_ = clock;
  dir_fd_ = std::move(dir);
  fd_ = std::move(file);
  retry_at_ = 0;
  sequence_ = sequence;
  dropped_ = dropped;
  if (fd_.valid()) opened(clock_());
  else ensure_open();
}

void LogWriter::fail(const std::string& what, int err, size_t lost) {
  dropped_ += static_cast<int64_t>(lost);
  std::string e = what + ": " + errno_text(err);
  if (e != error_ || lost) changed_ = true;
  error_ = e;
}

bool LogWriter::changed() {
  bool c = changed_;
  changed_ = false;
  return c;
}

bool LogWriter::at_line_start() {
  if (line_state_ < 0) {
    // After splice: the file's last byte says.
    char c = '\n';
    line_state_ = size_ == 0 || (::pread(fd_.get(), &c, 1, size_ - 1) == 1 && c == '\n') ? 1 : 0;
  }
  return line_state_ == 1;
}

bool LogWriter::rotation_due(int64_t now, size_t pending) const {
  const int64_t size = size_ + static_cast<int64_t>(pending);
  if (s_.rotate == LogRotate::Never || size == 0) return false;
  if (size >= s_.max_size) return true;
  return now >= period_end_ms_;
}

void LogWriter::rotate(int64_t now) {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    size_ = 0;  // not a regular file (/dev/null, a FIFO): nothing to rotate
    return;
  }
  std::string target = rotated_log_name(name_, now, ++sequence_);
  // renameat replaces whatever has that name (a planted link included)
  // without following it.
  if (::renameat(dir_fd_.get(), name_.c_str(), dir_fd_.get(), target.c_str()) != 0) {
    fail("cannot rotate " + path_, errno, 0);
    size_ = 0;  // keep writing to the same file rather than retrying per line
    return;
  }
  fd_.reset();
  if (s_.compress) to_compress_.push_back({dir_fd_.get(), target});
  prune();
  ensure_open();
  period_end_ms_ = period_end(now);
}

void LogWriter::emit(const char* data, size_t n) {
  if (n == 0) return;
  if (!fd_.valid() && !ensure_open()) {
    dropped_ += static_cast<int64_t>(n);
    changed_ = true;
    return;
  }
  while (n > 0) {
    ssize_t w = ::pwrite(fd_.get(), data, n, size_);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      fail("cannot write " + path_, w < 0 ? errno : ENOSPC, n);
      return;
    }
    size_ += w;
    data += w;
    n -= static_cast<size_t>(w);
  }
  if (!error_.empty()) {
    error_.clear();  // writing works again
    changed_ = true;
  }
}

void LogWriter::write(const char* data, size_t n) {
  // Lines are gathered in a small buffer and written with few syscalls. The
  // lines of one call arrived together and share its time.
  const int64_t now = clock_();
  char out[8192];
  size_t used = 0;
  auto flush = [&] {
    emit(out, used);
    used = 0;
  };
  while (n > 0) {
    if (fd_.valid() || ensure_open()) {
      if (at_line_start()) {
        // What is gathered but not yet written counts: a buffer holds up to
        // 8 kB, and a file once grew that far past max_size.
        if (rotation_due(now, used)) {
          flush();
          rotate(now);
        }
        if (s_.timestamps) {
          if (now != stamp_ms_) {
            // One stamp per millisecond, not per line.
            std::string stamp = format_rfc3339_utc(now) + " ";
            stamp_len_ = std::min(stamp.size(), sizeof stamp_);
            std::memcpy(stamp_, stamp.data(), stamp_len_);
            stamp_ms_ = now;
          }
          if (used + stamp_len_ > sizeof out) flush();
          std::memcpy(out + used, stamp_, stamp_len_);
          used += stamp_len_;
        }
      }
    }
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
    size_t len = nl ? static_cast<size_t>(nl - data) + 1 : n;
    line_state_ = nl ? 1 : 0;
    while (len > 0) {
      size_t take = std::min(len, sizeof out - used);
      std::memcpy(out + used, data, take);
      used += take;
      data += take;
      n -= take;
      len -= take;
      if (used == sizeof out) flush();
    }
  }
  flush();
}

bool LogWriter::drain_pipe(int fd) {
  for (;;) {
    bool fast = !s_.timestamps && (fd_.valid() || ensure_open()) && !rotation_due(clock_());
    if (fast) {
      // Straight from the pipe to the file, up to the rotation size (not
      // past it: a file ends at most one line over max_size, as documented;
      // a floor of 4 kB here once made 4 KiB files 8 kB).
      size_t room = s_.rotate == LogRotate::Never ? (1u << 20)
                                                  : static_cast<size_t>(std::clamp<int64_t>(
                                                        s_.max_size - size_, 1, 1 << 20));
      loff_t off = size_;
      ssize_t n = ::splice(fd, nullptr, fd_.get(), &off, room, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) {
        size_ = off;
        line_state_ = -1;
        if (!error_.empty()) {
          error_.clear();
          changed_ = true;
        }
        continue;
      }
      if (n == 0) return false;
      if (errno == EAGAIN) return true;
      if (errno == EINTR) continue;
      if (errno != EINVAL) fail("cannot write " + path_, errno, 0);
      // EINVAL: this file cannot be spliced to (e.g. /dev/full); copy below.
    }
    char buf[8192];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      write(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN
  }
}

bool LogWriter::handoff(Handoff* h) const {
  struct stat st {};
  if (s_.timestamps || !error_.empty() || !fd_.valid() || ::fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  h->fd = fd_.get();
  h->offset = size_;
  h->limit = s_.rotate == LogRotate::Never ? -1 : s_.max_size;
  h->deadline_ms = period_end_ms_ == INT64_MAX ? -1 : period_end_ms_;
  return true;
}

void LogWriter::clear() {
  if (!fd_.valid() && !ensure_open()) return;
  if (::ftruncate(fd_.get(), 0) == 0) {
    size_ = 0;
    line_state_ = 1;
  }
}

std::vector<CompressItem> LogWriter::take_compress_work() {
  std::vector<CompressItem> work;
  work.swap(to_compress_);
  return work;
}

void LogWriter::prune() {
  if (!dir_fd_.valid()) return;
  std::vector<std::string> rotated = list_rotated_log_names(dir_fd_.get(), name_);
  for (size_t i = 0; i + static_cast<size_t>(s_.keep) < rotated.size(); ++i)
    ::unlinkat(dir_fd_.get(), rotated[i].c_str(), 0);
}

}  // namespace spmi
