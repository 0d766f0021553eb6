// Who a task runs as (`user` and `group` of the spec), as numbers.
//
// Names become numbers through NSS (/etc/nsswitch.conf: files, systemd,
// LDAP, ...), which loads shared modules at run time. The wrappers are
// linked statically, and a static glibc that loads an NSS module built
// against the shared glibc crashes (libnss_systemd in getgrouplist on stock
// Debian 12). So the names are resolved only by `spmi start` (dynamically
// linked), at each start, and handed to the wrapper as this record in
// <task dir>/identity; the wrapper, its restarts and its health checks use
// the numbers and never look a name up.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace spmi {

struct RunIdentity {
  std::string user;  // "" when only a group is set
  uid_t uid = static_cast<uid_t>(-1);  // -1: unchanged
  gid_t gid = static_cast<gid_t>(-1);  // -1: unchanged
  std::vector<gid_t> groups;           // supplementary groups (set with gid)
  std::string home, shell;             // the user's, for HOME and SHELL

  bool changes_user() const { return uid != static_cast<uid_t>(-1); }
  bool changes_group() const { return gid != static_cast<gid_t>(-1); }
};

// The identity file's text (kv, kind "spmi-identity", see state/schema.md).
std::string serialize_identity(const RunIdentity& id);
bool parse_identity(const std::string& text, RunIdentity* id, std::string* err);

}  // namespace spmi
