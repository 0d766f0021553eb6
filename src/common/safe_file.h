// Files in directories that someone else may write to: the task's log
// directory (writable by the task's user while the wrapper runs as root).
//
// Whoever can write a directory can put a symbolic link, a hard link or a
// FIFO where spmi expects its own file, and make a privileged spmi write,
// truncate or overwrite any file on the machine. So, as logrotate and
// systemd do:
//   - the directory is opened once and every later name is resolved
//     relative to that descriptor (openat, renameat, unlinkat): swapping the
//     directory afterwards changes nothing;
//   - the last component is never followed (O_NOFOLLOW), must be a regular
//     file (or a character device such as /dev/null, which only root can
//     create) with one link (a hard link to a foreign file is refused even
//     where fs.protected_hardlinks is off), and is opened without blocking;
//   - temporary files get unpredictable names and O_EXCL;
//   - truncation goes through a descriptor, never a path.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "common/fd.h"

namespace spmi {

// What open_no_follow accepts besides one regular file.
struct OpenRules {
  bool char_device = false;       // also a character device (/dev/null as a log)
  bool refuse_hard_links = false;  // a regular file must have exactly one link
};

// The one way spmi opens a file that someone else could have replaced:
// `name` relative to `dirfd` (AT_FDCWD: a path), never through a symbolic
// link at its last component, never blocking on a FIFO during the open,
// and kept only if it is a regular file (or what `rules` allow). `flags`
// are the access flags plus optionally O_CREAT (mode 0600). The file's
// stat in *st when given. On refusal: an invalid Fd, *why in words
// (without the file's name: callers say which file) and errno ELOOP (a
// symbolic link), EINVAL (not a regular file) or EMLINK (hard links), or
// the open's own errno.
Fd open_no_follow(int dirfd, const std::string& name, int flags, const OpenRules& rules, std::string* why,
                  struct stat* st = nullptr);

// open_no_follow in its two steps, for a reader that can tell a regular
// file by its first read and checks only what does not read like one
// (read_state_file): the open alone, then the checks of the open file.
Fd open_no_follow_unchecked(int dirfd, const std::string& name, int flags, std::string* why);
bool check_opened(const Fd& fd, int flags, const OpenRules& rules, std::string* why, struct stat* st = nullptr);

// True for the errno values of open_no_follow's safety refusals.
inline bool refused_for_safety(int e) { return e == ELOOP || e == EINVAL || e == EMLINK; }

// Opens directory `dir` (its components may be links, as the user wrote
// them). Invalid Fd with `err` when it cannot be opened.
Fd open_dir(const std::string& dir, std::string* err);

// Opens `name` in the directory `dirfd` under the rules above. `flags` are
// the access flags plus optionally O_CREAT (mode 0600); O_NOFOLLOW,
// O_CLOEXEC and (during the open) O_NONBLOCK are added. `shown` names the
// file in `err`.
Fd open_in_dir(int dirfd, const std::string& name, int flags, const std::string& shown, std::string* err);

// Creates a new file with an unpredictable name "<prefix>.<random>.tmp" in
// `dirfd` (O_EXCL, mode 0600); its name in `*name`.
Fd create_temp_in_dir(int dirfd, const std::string& prefix, std::string* name, std::string* err);

// Empties the log file at `path` through a descriptor opened under the
// rules above. A missing file is fine (nothing to empty).
bool truncate_file_safely(const std::string& path, std::string* err);

// Opens a log file for reading (spmi logs, status, connect): never through
// a link at its last component (spmi never writes one, so a link there was
// put by someone else, and a root `spmi logs` would show whatever it points
// at) and never blocking on a FIFO. Invalid Fd (errno set) otherwise.
Fd open_log_for_reading(const std::string& path);

}  // namespace spmi
