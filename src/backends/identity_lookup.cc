// Name lookups for the task's identity (see identity_lookup.h).
#include "backends/identity_lookup.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/task_spec.h"

namespace spmi {

bool resolve_identity(const ProcessSettings& ps, RunIdentity* out, std::string* err) {
  *out = RunIdentity{};
  if (ps.user.empty() && ps.group.empty()) return true;
  if (::geteuid() != 0) {
    *err = "user/group are set, but spmi does not run as root (it runs as uid " + std::to_string(::geteuid()) +
           "): it cannot switch to another user";
    return false;
  }
  if (!ps.user.empty()) {
    errno = 0;
    struct passwd* pw = ::getpwnam(ps.user.c_str());
    if (!pw) {
      *err = errno ? "cannot look up user '" + ps.user + "': " + errno_text(errno) : "no user '" + ps.user + "'";
      return false;
    }
    out->user = pw->pw_name;
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    out->home = pw->pw_dir ? pw->pw_dir : "";
    out->shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
    // getgrouplist says how many groups there are when the buffer is short.
    std::vector<gid_t> groups(64);
    int n = static_cast<int>(groups.size());
    if (::getgrouplist(out->user.c_str(), out->gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<size_t>(n));
      if (::getgrouplist(out->user.c_str(), out->gid, groups.data(), &n) < 0) {
        *err = "cannot list the groups of user '" + ps.user + "'";
        return false;
      }
    }
    groups.resize(static_cast<size_t>(n));
    out->groups = std::move(groups);
  }
  if (!ps.group.empty()) {
    errno = 0;
    struct group* gr = ::getgrnam(ps.group.c_str());
    if (!gr) {
      *err = errno ? "cannot look up group '" + ps.group + "': " + errno_text(errno) : "no group '" + ps.group + "'";
      return false;
    }
    out->gid = gr->gr_gid;
    if (ps.user.empty()) out->groups.assign(1, gr->gr_gid);
    else out->groups.push_back(gr->gr_gid);
  }
  return true;
}

bool write_run_identity(const ProcessSettings& ps, const std::string& task_dir, std::string* err) {
  std::string path = task_dir + "/" + task_files::kIdentity;
  if (ps.user.empty() && ps.group.empty()) {
    ::unlink(path.c_str());
    return true;
  }
  RunIdentity id;
  if (!resolve_identity(ps, &id, err)) return false;
  return write_file_atomic(path, serialize_identity(id), err, Durability::Volatile);
}

}  // namespace spmi
