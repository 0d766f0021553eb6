// Files in directories others may write to (see safe_file.h).
#include "common/safe_file.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"

namespace spmi {

Fd open_dir(const std::string& dir, std::string* err) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    int e = errno;
    *err = "cannot open the directory " + dir + ": " + errno_text(e);
    errno = e;
  }
  return fd;
}

Fd open_no_follow_unchecked(int dirfd, const std::string& name, int flags, std::string* why) {
  Fd fd(::openat(dirfd, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600));
  if (!fd.valid()) {
    int e = errno;  // O_NOFOLLOW on a link fails with ELOOP
    *why = e == ELOOP ? "is a symbolic link" : errno_text(e);
    errno = e;
  }
  return fd;
}

bool check_opened(const Fd& fd, int flags, const OpenRules& rules, std::string* why, struct stat* st_out) {
  auto refuse = [why](std::string text, int e) {
    *why = std::move(text);
    errno = e;
    return false;
  };
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    int e = errno;
    return refuse(errno_text(e), e);
  }
  if (!S_ISREG(st.st_mode) && !(rules.char_device && S_ISCHR(st.st_mode)))
    return refuse("is not a regular file (a FIFO, socket, device or directory is in its place)", EINVAL);
  // A hard link to a file elsewhere (where fs.protected_hardlinks is off).
  if (rules.refuse_hard_links && S_ISREG(st.st_mode) && st.st_nlink > 1)
    return refuse("has " + std::to_string(st.st_nlink) + " hard links", EMLINK);
  // Reads and writes block as usual from here on (O_NONBLOCK only kept a
  // planted FIFO or device from blocking the open). A regular file opened
  // to be read ignores the flag (and is never handed to a task): two system
  // calls less per file, and list reads two per task.
  if (!S_ISREG(st.st_mode) || (flags & O_ACCMODE) != O_RDONLY) ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  if (st_out) *st_out = st;
  return true;
}

Fd open_no_follow(int dirfd, const std::string& name, int flags, const OpenRules& rules, std::string* why,
                  struct stat* st_out) {
  Fd fd = open_no_follow_unchecked(dirfd, name, flags, why);
  if (fd.valid() && !check_opened(fd, flags, rules, why, st_out)) {
    int e = errno;
    fd.reset();
    errno = e;
  }
  return fd;
}

Fd open_in_dir(int dirfd, const std::string& name, int flags, const std::string& shown, std::string* err) {
  std::string why;
  Fd fd = open_no_follow(dirfd, name, flags, {.char_device = true, .refuse_hard_links = true}, &why);
  if (fd.valid()) return fd;
  int e = errno;
  *err = e == ELOOP    ? shown + " is a symbolic link; spmi does not follow links to its log files (remove it)"
         : e == EMLINK ? shown + " " + why + "; spmi does not write through a link to another file (remove it)"
         : e == EINVAL ? shown + " " + why + "; spmi only writes regular files"
                       : "cannot open " + shown + ": " + why;
  errno = e;
  return fd;
}

Fd create_temp_in_dir(int dirfd, const std::string& prefix, std::string* name, std::string* err) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    unsigned long long r = 0;
    if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) r ^= static_cast<unsigned long long>(attempt);
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".%016llx.tmp", r);
    *name = prefix + suffix;
    Fd fd(::openat(dirfd, name->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.valid() || errno != EEXIST) {
      if (!fd.valid()) *err = "cannot create " + *name + ": " + errno_text(errno);
      return fd;
    }
  }
  *err = "cannot create a temporary file for " + prefix + ": every name tried exists";
  return Fd();
}

bool truncate_file_safely(const std::string& path, std::string* err) {
  Fd dir = open_dir(dir_name(path), err);
  if (!dir.valid()) return errno == ENOENT;  // no directory, no file to empty
  Fd fd = open_in_dir(dir.get(), base_name(path), O_WRONLY, path, err);
  if (!fd.valid()) return errno == ENOENT;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && ::ftruncate(fd.get(), 0) != 0) {
    *err = "cannot empty " + path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

Fd open_log_for_reading(const std::string& path) {
  std::string why;
  return open_no_follow(AT_FDCWD, path, O_RDONLY, {.char_device = true}, &why);
}

}  // namespace spmi
