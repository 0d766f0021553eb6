// Setting up a child process between fork and exec: the one definition used
// by the task itself (wrappers/wrapper.cc), the health check
// commands and probes (wrappers/health_probe.cc), and the wrapper's own
// launch (backends/native_backend.cc), so the three cannot drift apart (a
// health check once ran as root with unresolved secrets while its task ran
// as its user).
//
// Order (as systemd's exec_child): default signal dispositions and an empty
// mask; the task's cgroup (joined first, while still privileged, so nothing
// it runs is ever outside it); resource limits, priority and umask while still privileged; then
// the identity (supplementary groups, gid, uid: groups first, uid last, or
// the later calls would be refused); then the directory, entered with the
// task's own rights; then the environment. Runs after fork: no allocation,
// no locks, async-signal-safe calls only.
#pragma once

#include <string>

#include "common/identity.h"
#include "common/process_settings.h"

namespace spmi {

// Every signal's disposition back to the default, and an empty mask.
void reset_signals();

// Which step failed, and errno. Sent from the child to the parent through
// a close-on-exec pipe, and turned into words there.
struct ChildFailure {
  enum Stage : int { None = 0, Cwd = 1, Exec = 2, Setup = 3, Identity = 4, Nice = 6, Cgroup = 7, Limit = 10 };
  int stage = None;  // Limit + i for the i-th limit (nofile, nproc, core, memory, cpu)
  int err = 0;
  int index = 0;  // Cgroup: which of the plan's cgroup files
};

// What the child becomes: the task's settings, identity, directory ("" =
// unchanged) and environment (nullptr = unchanged).
struct ChildPlan {
  const ProcessSettings* settings = nullptr;
  const RunIdentity* identity = nullptr;
  const char* cwd = nullptr;
  char** envp = nullptr;
  // The cgroup.procs files to write "0" to (null-terminated; nullptr = none).
  const char* const* cgroup_procs = nullptr;
};

// Applies `plan` to the calling (forked) process. False with `*failure`.
bool apply_child_plan(const ChildPlan& plan, ChildFailure* failure);

// The failure in words, for the task's error and the check's detail.
// `program` is what was executed, `user`/`group` the names from the spec.
std::string describe_child_failure(const ChildFailure& f, const ChildPlan& plan, const std::string& program,
                                   const std::string& user, const std::string& group);

}  // namespace spmi
