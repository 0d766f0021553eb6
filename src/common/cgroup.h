// A cgroup of a task's own: made by its wrapper at start, joined by the
// task's process between fork and exec (so nothing the task runs, not even a
// double-forked daemon, is ever outside it), read by the CLI for exact
// figures, emptied with one atomic kill, removed when the task ends.
//
// What a machine offers, detected from /proc/self/mountinfo and
// /proc/self/cgroup at each start:
//   v2  a cgroup2 hierarchy with the memory, cpu and pids controllers: the
//       whole hierarchy as root, or the subtree delegated to the user (the
//       topmost ancestor of the wrapper's own cgroup the user owns, as
//       systemd delegates user@UID.service). One directory per task.
//   v1  the legacy per-controller hierarchies (memory, cpu, cpuacct, pids),
//       one directory per task in each, nested under the wrapper's own
//       cgroup of that hierarchy (so outer limits still hold); plus the
//       controller-less cgroup2 hierarchy when there is one (hybrid
//       systems), whose cgroup.kill ends the group atomically.
// The task's directory is <base>/<parent>/<task id>-<run id>, where parent
// is $SPMI_CGROUP_PARENT or "spmi". Where no hierarchy is writable, a task
// without limits runs without a cgroup; one with limits fails to start.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/cgroup_settings.h"

namespace spmi {

// The cgroup a task runs in: which kind, and its directories (one for v2;
// one per hierarchy for v1).
struct TaskCgroup {
  std::string mode;               // "v1", "v2", or "" (none)
  std::vector<std::string> dirs;  // absolute
  bool empty() const { return dirs.empty(); }
};

// Makes the cgroup `name` for a task and sets the limits of `want`. Without
// limits, a machine without a usable hierarchy gives an empty cgroup and
// `*why_none` says why; with limits that is an error (false, `*err`).
bool make_task_cgroup(const std::string& name, const CgroupSettings& want, TaskCgroup* out, std::string* why_none,
                      std::string* err);

// The cgroup.procs files a new process of the task writes "0" to, to join.
std::vector<std::string> cgroup_join_files(const TaskCgroup& cg);

// What a task's cgroup says of it now (-1: not known).
struct CgroupFigures {
  long long memory_bytes = -1;       // charged to it (v1: usage; v2: memory.current)
  long long memory_max = -1;         // 0: no limit
  long long swap_max = -1;           // 0: no limit
  long long cpu_usec = -1;           // CPU time of everything that ever ran in it
  double cpu_max_cores = -1;         // 0: no limit
  long long pids = -1, pids_max = -1;  // pids_max 0: no limit
  long long oom_kills = -1;          // processes the kernel's OOM killer ended in it
  std::vector<pid_t> members;
};
CgroupFigures read_cgroup(const TaskCgroup& cg);

// How many processes the OOM killer ended in it so far (-1: not known).
long long cgroup_oom_kills(const TaskCgroup& cg);

// Ends every process in it: cgroup.kill where there is one (atomic: a fork
// bomb cannot outrun it), else SIGKILL to each member, again every 5 ms
// until none is left or `wait_ms` passed (0: one pass, no waiting: the
// wrapper reaps and comes back). True when it is empty afterwards.
bool kill_cgroup(const TaskCgroup& cg, int wait_ms);

// Removes its directories (the processes must be gone). False with `err`
// naming the first that could not be removed.
bool remove_cgroup(const TaskCgroup& cg, std::string* err);

// The directories named `parent` (see above) in every hierarchy, as this
// process sees them, that exist: where its tasks' cgroups are made. For
// cleaning up (the tests) and for spmi doctor.
std::vector<std::string> cgroup_parent_dirs(const std::string& parent);

// "50%" -> 500, "1.5" -> 1500 millicores ("%" of one core, or cores); false
// with `err` for anything else, or outside 1% .. 1024 cores.
bool parse_cpu_max(const std::string& text, int64_t* millicores, std::string* err);

}  // namespace spmi
