// `spmi doctor`: what this machine gives spmi, checked one by one, each
// finding with what to do about it. The checks read the system (PATH, /proc,
// /sys/fs/cgroup, systemd's linger directory) and the state directory; the
// CLI (cli/cmd_doctor.cc) prints them as a table or JSON.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace spmi {

enum class Verdict {
  Ok,       // as it should be
  Note,     // worth knowing, not a problem for spmi (a backend tool no task uses)
  Problem,  // something spmi or a task needs is missing or wrong: exit 1
};
const char* verdict_name(Verdict v);

struct Finding {
  std::string check;   // "wrappers", "tmux", "state directory", "pid 1", ...
  Verdict verdict = Verdict::Ok;
  std::string detail;  // what was found
  std::string fix;     // what to do ("" when nothing)
};

// Every check, in a fixed order.
std::vector<Finding> run_doctor(const Store& store);

// What happens to an orphan of this process: a grandchild is left to its
// adopter (PID 1, or the nearest subreaper), ends, and is watched until it
// is reaped. An init reaps at once (on SIGCHLD); a PID 1 that is no init
// leaves it a zombie for a while, or for ever (one zombie per check: the
// proof itself).
struct OrphanCheck {
  std::string adopter;       // "PID 1 (tini)", "pid 812 (systemd)"
  bool reaped = false;       // within `waited_ms`
  int64_t zombie_ms = 0;     // how long it stayed a zombie (when reaped)
  int64_t waited_ms = 0;
};
OrphanCheck check_orphans();
// Reaped later than this is a PID 1 that polls instead of handling SIGCHLD.
inline constexpr int64_t kPromptReapMs = 500;

}  // namespace spmi
