// State directory access: listing, atomic creation, replacement and removal.
#include "store/store.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/kv_file.h"
#include "common/lock_file.h"
#include "common/proc.h"

namespace spmi {

std::string default_spmi_path(std::string* err) {
  if (const char* p = std::getenv("SPMI_PATH"); p && *p) return p;
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    struct passwd* pw = ::getpwuid(::getuid());
    home = pw ? pw->pw_dir : nullptr;
  }
  if (!home || !*home) {
    *err = "cannot find the state directory: neither SPMI_PATH nor HOME is set";
    return "";
  }
  return std::string(home) + "/.spmi";
}

bool Store::ensure_root(std::string* err) const {
  std::error_code ec;
  std::filesystem::path p(root_);
  if (std::filesystem::is_directory(p, ec)) {
    collect_abandoned();
    return true;
  }
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (::mkdir(root_.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = root_ + ": cannot create the state directory: " + errno_text(errno);
    return false;
  }
  if (!std::filesystem::is_directory(p, ec)) {
    *err = root_ + ": not a directory";
    return false;
  }
  return true;
}

namespace {

// Who owns a directory, in words: "uid 1001 (alice)".
std::string owner_text(uid_t uid) {
  std::string s = "uid " + std::to_string(uid);
  if (struct passwd* pw = ::getpwuid(uid)) s += std::string(" (") + pw->pw_name + ")";
  return s;
}

// "0755": a file mode as chmod takes it.
std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// The rule for the root and every task directory: ours, and nobody else may
// write into it. `what` names it in the message.
bool check_owned_dir(const std::string& path, const struct stat& st, const char* what, std::string* err) {
  // Asked for every task `list` reads: spmi never changes its user.
  static const uid_t euid = ::geteuid();
  if (!S_ISDIR(st.st_mode)) {
    *err = path + ": " + what + " is not a directory";
    return false;
  }
  if (st.st_uid != euid) {
    *err = path + ": " + what + " belongs to " + owner_text(st.st_uid) + ", not to you (" + owner_text(euid) +
           "); refusing it: whoever owns it can make spmi run commands as you. Use a directory of your own "
           "(SPMI_PATH)";
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    *err = path + ": " + what + " is writable by " + ((st.st_mode & S_IWOTH) ? "others" : "its group") + " (mode " +
           mode_text(st.st_mode) + "); refusing it: another user could plant a task in it. Fix it with 'chmod 700 " + path + "'";
    return false;
  }
  return true;
}

}  // namespace

bool Store::check_trusted(std::string* err, std::string* note) const {
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    *err = root_ + ": " + errno_text(errno);
    return false;
  }
  if (!check_owned_dir(root_, st, "the state directory", err)) return false;
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    // Ours, and nobody else can write: only readable (an old mkdir 0755).
    // Task specs and logs are nobody else's business: close it.
    if (::chmod(root_.c_str(), 0700) == 0) {
      *note = root_ + ": the state directory was readable by others (mode " + mode_text(st.st_mode) + "); set it to 0700";
    }
  }
  return true;
}

bool Store::check_task_dir(const std::string& id, std::string* err) const {
  struct stat st;
  std::string dir = task_dir(id);
  if (::stat(dir.c_str(), &st) != 0) {
    *err = dir + ": " + errno_text(errno);
    return false;
  }
  return check_owned_dir(dir, st, "the task directory", err);
}

bool Store::list_ids(std::vector<std::string>* ids, std::string* err) const {
  ids->clear();
  DIR* dir = ::opendir(root_.c_str());
  if (!dir) {
    if (errno == ENOENT) return true;
    *err = root_ + ": " + errno_text(errno);
    return false;
  }
  while (struct dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;  // ., .., and hidden work directories
    if (e->d_type == DT_DIR) {
      ids->push_back(e->d_name);
      continue;
    }
    if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) continue;
    // Filesystems that do not fill d_type, and symbolic links to directories.
    struct stat st;
    std::string path = root_ + "/" + e->d_name;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) ids->push_back(e->d_name);
  }
  ::closedir(dir);
  std::sort(ids->begin(), ids->end());
  return true;
}

bool Store::has_task(const std::string& id) const {
  struct stat st;
  return ::stat(task_dir(id).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Store::read_spec(const std::string& id, TaskSpec* spec, std::string* err) const {
  // A task directory someone else controls is never read, so never started.
  if (!check_task_dir(id, err)) return false;
  std::string path = task_file(id, task_files::kSpec), text;
  if (!read_state_file(path, &text, err)) return false;
  if (!parse_spec(text, spec, err)) {
    *err = path + ": " + *err;
    return false;
  }
  if (spec->id != id) {
    *err = path + ": holds id '" + spec->id + "', not '" + id + "'";
    return false;
  }
  return true;
}

bool Store::read_state(const std::string& id, TaskState* state, bool* present, std::string* err) const {
  std::string path = task_file(id, task_files::kState), text;
  *present = false;
  if (!read_state_file(path, &text, err)) return errno == ENOENT;
  // spmi never writes an empty state file; a power loss can leave one (state
  // is written without fsync, see Durability::Volatile): nothing recorded.
  if (text.empty()) return true;
  if (!parse_state(text, state, err)) {
    *err = path + ": " + *err;
    return false;
  }
  *present = true;
  return true;
}

// Both files are written beside their names first (where a full disk can
// still refuse: then nothing changed), then renamed into place, spec first:
// it is what every command reads.
static bool write_task_files(const std::string& dir, const TaskSpec& spec, const DescriptorCopy& copy,
                             std::string* err) {
  std::string format(copy.format);
  std::string descriptor = dir + "/" + task_files::kDescriptorPrefix + format, spec_path = dir + "/" + task_files::kSpec;
  std::string descriptor_tmp, spec_tmp;
  // A link where it can be made, else the bytes (a file past ext4's 65000 links).
  if ((copy.shared_file.empty() || !prepare_link(descriptor, copy.shared_file, &descriptor_tmp)) &&
      !prepare_file(descriptor, copy.text, &descriptor_tmp, err))
    return false;
  if (!prepare_file(spec_path, serialize_spec(spec), &spec_tmp, err)) {
    ::unlink(descriptor_tmp.c_str());
    return false;
  }
  if (!commit_file(spec_tmp, spec_path, err)) {
    ::unlink(descriptor_tmp.c_str());
    return false;
  }
  if (!commit_file(descriptor_tmp, descriptor, err)) return false;
  // Drop a descriptor copy of another format left by an earlier load.
  for (const char* f : {"toml", "yaml", "json"})
    if (format != f) ::unlink((dir + "/" + task_files::kDescriptorPrefix + f).c_str());
  return true;
}

std::string Store::share_descriptor(std::string_view text, std::string* err) const {
  // ".descriptor-<n>.tmp.<writer tag>": a temporary name (atomic_file.h),
  // which collect_abandoned deletes once its writer is gone.
  static std::atomic<unsigned> serial{0};
  std::string path = root_ + "/descriptor-" + std::to_string(serial++), tmp;
  if (!prepare_file(path, text, &tmp, err)) return "";
  return tmp;
}

StoreWrite Store::create_task(const TaskSpec& spec, const DescriptorCopy& copy, std::string* err) const {
  std::string tmp = root_ + "/.new-" + spec.id + "-" + writer_tag();
  if (::mkdir(tmp.c_str(), 0700) != 0) {
    *err = tmp + ": " + errno_text(errno);
    return StoreWrite::Failed;
  }
  // No lock files yet: `lock` is made by the first wrapper (which creates
  // it to lock it), `cli.lock` by the first command that locks the task
  // (lock_task); a missing `lock` probes as not held. Two inodes fewer per
  // loaded task (apply of 10,000 tasks made 40,000).
  bool ok = write_task_files(tmp, spec, copy, err);
  // RENAME_NOREPLACE: two concurrent loads of one id cannot both succeed.
  bool taken = false;
  if (ok && ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, task_dir(spec.id).c_str(), RENAME_NOREPLACE) != 0) {
    taken = errno == EEXIST;
    *err = taken ? "task '" + spec.id + "' is already loaded (use --replace)" : task_dir(spec.id) + ": " + errno_text(errno);
    ok = false;
  }
  if (!ok) {
    std::error_code ec;
    std::filesystem::remove_all(tmp, ec);
    return taken ? StoreWrite::Conflict : StoreWrite::Failed;
  }
  return fsync_dir(root_, err) ? StoreWrite::Done : StoreWrite::Failed;
}

StoreWrite Store::replace_task(const TaskSpec& spec, const DescriptorCopy& copy, std::string* err) const {
  return write_task_files(task_dir(spec.id), spec, copy, err) ? StoreWrite::Done : StoreWrite::Failed;
}

namespace {
// The writer a name's tag records (common/atomic_file.h) is a process of
// this host (or of an older spmi, which recorded no host and ran here) that
// no longer exists. ESRCH proves the run is over; anything else (alive, a
// zombie, a pid now someone else's) waits for a later command.
bool writer_gone(pid_t pid, const std::string& host) {
  return (host.empty() || host == host_name()) && ::kill(pid, 0) != 0 && errno == ESRCH;
}
}  // namespace

void Store::collect_abandoned() const {
  DIR* dir = ::opendir(root_.c_str());
  if (!dir) return;
  std::vector<std::string> doomed;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (!name.starts_with(".new-") && !name.starts_with(".removing-")) {
      // A shared descriptor copy (share_descriptor) of a load that died.
      pid_t writer = 0;
      std::string writer_host;
      if (e->d_type == DT_REG && is_temporary_name(std::string(name), &writer, &writer_host) &&
          writer_gone(writer, writer_host))
        ::unlink((root_ + "/" + std::string(name)).c_str());
      continue;
    }
    // ".new-<id>-<writer tag>": the tag starts after the last '-' before its
    // '@' (a host name may hold '-').
    size_t dash = name.rfind('-', name.rfind('@'));
    pid_t pid = 0;
    std::string host;
    if (dash != std::string_view::npos && parse_writer_tag(name.substr(dash + 1), &pid, &host) &&
        writer_gone(pid, host))
      doomed.emplace_back(name);
  }
  ::closedir(dir);
  for (const auto& name : doomed) {
    std::error_code ec;
    std::filesystem::remove_all(root_ + "/" + name, ec);
  }
}

bool Store::remove_task(const std::string& id, std::string* err) const {
  // Rename first, so the task disappears from every reader at once; then
  // delete at leisure.
  std::string doomed = root_ + "/.removing-" + id + "-" + writer_tag();
  if (::rename(task_dir(id).c_str(), doomed.c_str()) != 0) {
    *err = task_dir(id) + ": " + errno_text(errno);
    return false;
  }
  std::error_code ec;
  std::filesystem::remove_all(doomed, ec);
  if (ec) {
    *err = doomed + ": " + ec.message();
    return false;
  }
  return true;
}

Fd Store::lock_task(const std::string& id, int timeout_ms, std::string* err) const {
  std::string path = task_file(id, task_files::kCliLock);
  bool busy = false;
  // A lost cli.lock (deleted by hand, a restore that skipped empty files)
  // would make the task impossible to start, stop or clean: made again.
  // Only in a task directory that exists and is ours (clean renames the
  // directory away first, so this never recreates a task being removed).
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT && has_task(id) && check_task_dir(id, err)) {
    Fd made(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  }
  Fd fd = wait_lock_file(path, timeout_ms, &busy, err);
  if (!fd.valid()) {
    if (busy) *err = "task '" + id + "' is busy: another spmi command is working on it";
    else if (!has_task(id)) *err = "task '" + id + "' is not loaded";
    return fd;
  }
  // The directory may have been cleaned while we waited: the lock we hold
  // must be on the file that is still at that path.
  struct stat held, now;
  if (::fstat(fd.get(), &held) != 0 || ::stat(path.c_str(), &now) != 0 || held.st_ino != now.st_ino ||
      held.st_dev != now.st_dev) {
    *err = "task '" + id + "' was removed while waiting for it";
    return Fd();
  }
  collect_temporary_files(id);
  return fd;
}

void Store::collect_temporary_files(const std::string& id) const {
  DIR* dir = ::opendir(task_dir(id).c_str());
  if (!dir) return;
  std::vector<std::string> doomed;
  while (struct dirent* e = ::readdir(dir)) {
    // Only a writer that is gone: a live one may be writing now.
    pid_t writer = 0;
    std::string host;
    if (e->d_name[0] == '.' && is_temporary_name(e->d_name, &writer, &host) && writer_gone(writer, host))
      doomed.emplace_back(e->d_name);
  }
  ::closedir(dir);
  for (const auto& name : doomed) ::unlink((task_dir(id) + "/" + name).c_str());
}

}  // namespace spmi
