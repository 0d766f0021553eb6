// How the task's process is set up before its command runs: environment
// sources, identity and resource limits. Part of the task spec (written by
// `spmi load`, applied by the wrapper in the forked child).
#pragma once

#include <cstdint>
#include <string>

namespace spmi {

// A resource limit that is not set.
inline constexpr int64_t kLimitUnset = -2;
// "unlimited" (RLIM_INFINITY).
inline constexpr int64_t kLimitInfinity = -1;

struct ProcessSettings {
  std::string env_file;      // absolute path of KEY=VALUE lines, read at each start ("" = none)
  bool inherit_env = true;   // false: only PATH HOME USER LOGNAME SHELL LANG, plus the task's own
  std::string user;          // run as this user (spmi must run as root); "" = unchanged
  std::string group;         // and this group; "" = the user's primary group
  int umask = -1;            // -1 = inherited
  bool has_nice = false;
  int nice = 0;              // -20..19
  int64_t limit_nofile = kLimitUnset;
  int64_t limit_nproc = kLimitUnset;
  int64_t limit_core = kLimitUnset;    // bytes
  int64_t limit_memory = kLimitUnset;  // bytes, as RLIMIT_AS
  int64_t limit_cpu = kLimitUnset;     // seconds
};

}  // namespace spmi
