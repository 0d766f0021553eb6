// Atomic file replacement (temporary file + fsync + rename + directory fsync).
#include "common/atomic_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fd.h"
#include "common/kv_file.h"
#include "common/proc.h"
#include "common/safe_file.h"

namespace spmi {

std::string dir_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool fsync_dir(const std::string& dir, std::string* err) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    *err = dir + ": " + errno_text(errno);
    return false;
  }
  return true;
}

namespace {
// The temporary name is unique per process and host (a wrapper on a
// compute node writes into the same shared directory as spmi here); a dot
// prefix hides it from readers.
std::string temporary_name(const std::string& path) {
  return dir_name(path) + "/." + base_name(path) + ".tmp." + writer_tag();
}
}  // namespace

std::string writer_tag() { return std::to_string(::getpid()) + "@" + host_name(); }

bool parse_writer_tag(std::string_view tag, pid_t* writer, std::string* host) {
  size_t sep = tag.find('@');
  host->assign(sep == std::string_view::npos ? std::string_view() : tag.substr(sep + 1));
  long long pid = 0;
  if (!parse_ll(tag.substr(0, sep), &pid) || pid <= 0 || pid > INT32_MAX) return false;
  *writer = static_cast<pid_t>(pid);
  return true;
}

bool is_temporary_name(const std::string& name, pid_t* writer, std::string* host) {
  size_t at = name.rfind(".tmp.");
  if (name.size() < 2 || name[0] != '.' || at == std::string::npos || at == 0) return false;
  return parse_writer_tag(std::string_view(name).substr(at + 5), writer, host);
}

bool prepare_file(const std::string& path, std::string_view content, std::string* tmp, std::string* err) {
  *tmp = temporary_name(path);
  Fd fd(::open(tmp->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    *err = *tmp + ": " + errno_text(errno);
    return false;
  }
  if (!write_all(fd.get(), content) || ::fsync(fd.get()) != 0) {
    *err = *tmp + ": " + errno_text(errno);
    ::unlink(tmp->c_str());
    return false;
  }
  return true;
}

bool prepare_link(const std::string& path, const std::string& source, std::string* tmp) {
  *tmp = temporary_name(path);
  return ::link(source.c_str(), tmp->c_str()) == 0;
}

bool commit_file(const std::string& tmp, const std::string& path, std::string* err) {
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = path + ": " + errno_text(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return fsync_dir(dir_name(path), err);
}

bool write_file_atomic(const std::string& path, std::string_view content, std::string* err, Durability durability) {
  bool durable = durability == Durability::Durable;
  std::string dir = dir_name(path);
  std::string tmp = temporary_name(path);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    *err = tmp + ": " + errno_text(errno);
    return false;
  }
  if (!write_all(fd.get(), content) || (durable && ::fsync(fd.get()) != 0)) {
    *err = tmp + ": " + errno_text(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = path + ": " + errno_text(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return !durable || fsync_dir(dir, err);
}

namespace {

// A failed read of `path`: "<path>: <why>" in *err, errno `e`; false.
bool read_failure(const std::string& path, const std::string& why, int e, std::string* err) {
  *err = path + ": " + why;
  errno = e;
  return false;
}

bool too_large(const std::string& path, size_t max, std::string* err) {
  return read_failure(path, "is larger than " + std::to_string(max) + " bytes; not a file spmi wrote", EFBIG, err);
}

// The failure of open_no_follow's open or of its checks, for `path`.
bool open_failure(const std::string& path, const std::string& why, std::string* err) {
  int e = errno;
  return read_failure(path, e == ELOOP ? why + ", not a file spmi wrote" : why, e, err);
}

// Checks the file `fd` opened from `path` as open_no_follow does: a regular
// file of at most `max` bytes (its size in *size).
bool check_state_file(const Fd& fd, const std::string& path, size_t max, size_t* size, std::string* err) {
  std::string why;
  struct stat st {};
  if (!check_opened(fd, O_RDONLY, {}, &why, &st)) return open_failure(path, why, err);
  *size = static_cast<size_t>(st.st_size);
  return *size <= max || too_large(path, max, err);
}

// Opens `path` for read_state_lines: a regular file, not through a link,
// of at most `max` bytes (its size in *size). Invalid, with *err and errno,
// when it must not be read.
Fd open_state_file(const std::string& path, size_t max, size_t* size, std::string* err) {
  std::string why;
  Fd fd = open_no_follow_unchecked(AT_FDCWD, path, O_RDONLY, &why);
  if (!fd.valid()) {
    open_failure(path, why, err);
    return Fd();
  }
  if (!check_state_file(fd, path, max, size, err)) return Fd();
  return fd;
}

}  // namespace

bool read_state_file(const std::string& path, std::string* out, std::string* err, size_t max) {
  out->clear();
  std::string why;
  Fd fd = open_no_follow_unchecked(AT_FDCWD, path, O_RDONLY, &why);
  if (!fd.valid()) return open_failure(path, why, err);
  // spmi's files are mostly well under a page (a spec or a state: under
  // 1 kB), and `list` reads two per task. A pread of the first page that
  // returns less than a page is the whole of a regular file: pread fails
  // on a FIFO, a socket or a terminal (ESPIPE) and on a directory (EISDIR);
  // /dev's nodes cannot be hard-linked here (another file system), and
  // making a device node takes root. So only a file that reads otherwise
  // (empty, a page or more, an error) gets the fstat of open_no_follow's
  // checks: one system call less per file.
  char head[4096];
  ssize_t got;
  do got = ::pread(fd.get(), head, sizeof head, 0);
  while (got < 0 && errno == EINTR);
  if (got > 0 && static_cast<size_t>(got) < sizeof head && static_cast<size_t>(got) <= max) {
    out->assign(head, static_cast<size_t>(got));
    return true;
  }
  size_t size = 0;
  if (!check_state_file(fd, path, max, &size, err)) return false;
  // Straight into the string, no buffer between: room for the size the file
  // had when checked and one byte more, so that a short read of that size
  // says it was all, without a read for the end (spmi replaces its files
  // whole, never rewrites one in place). A file that grew or shrank
  // meanwhile is read to its end, up to `max`. The pread above did not move
  // the offset: this reads from the start.
  out->resize(size + 1);
  size_t have = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), out->data() + have, out->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out->clear();
      return read_failure(path, errno_text(errno), errno, err);
    }
    have += static_cast<size_t>(n);
    if (have > max) {
      out->clear();
      return too_large(path, max, err);
    }
    if (n == 0 || (have == size && have < out->size())) {
      out->resize(have);
      return true;
    }
    if (have == out->size()) out->resize(std::min(out->size() * 2, max + 1));
  }
}

bool read_state_lines(const std::string& path, const std::function<void(std::string_view)>& on_line,
                      std::string* err, size_t max) {
  size_t size = 0;
  Fd fd = open_state_file(path, max, &size, err);
  if (!fd.valid()) return false;
  char buf[kMaxStateLineBytes * 2];
  size_t have = 0, total = 0;
  bool skipping = false;  // inside a line longer than kMaxStateLineBytes
  for (;;) {
    ssize_t n = ::read(fd.get(), buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return read_failure(path, errno_text(errno), errno, err);
    total += static_cast<size_t>(n);
    if (total > max) return too_large(path, max, err);  // it grew since it was opened
    have += static_cast<size_t>(n);
    std::string_view rest(buf, have);
    for (size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1)) {
      if (!skipping) on_line(rest.substr(0, nl));
      skipping = false;
    }
    if (n == 0) {
      if (!rest.empty() && !skipping) on_line(rest);  // the last line, without its newline
      return true;
    }
    if (rest.size() > kMaxStateLineBytes) {
      skipping = true;  // the rest of this line goes unread
      have = 0;
    } else {
      if (!rest.empty()) std::memmove(buf, rest.data(), rest.size());
      have = rest.size();
    }
  }
}

}  // namespace spmi
