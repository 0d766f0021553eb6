// Signalling a task's whole tree (tree_signaller.h).
#include "wrappers/tree_signaller.h"

#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <utility>

#include "common/process_tree.h"
#include "common/signals.h"

namespace spmi {

int TreeSignaller::signal(const TaskState& state, int sig, bool only_new, std::vector<pid_t> skip) {
  int count = 0;
  std::vector<ProcStat> tree = without_subtrees(live_descendants(::getpid()), std::move(skip));
  // The group first (one atomic kill for everything still in it), then every
  // descendant found in /proc, including those that left the group. The
  // group id is the main pid: it is still the task's only while the main
  // process is unreaped or a process of ours is in the group (the kernel
  // never reuses an id in use as a group id). Once the group emptied, the
  // id may belong to someone else's group: then only the tree is signalled.
  bool group_ours = state.pgid > 0 && ((state.pid > 0 && !state.main_exited) ||
                                         std::any_of(tree.begin(), tree.end(),
                                                     [&](const ProcStat& p) { return p.pgid == state.pgid; }));
  if (!only_new && group_ours) {
    ::kill(-state.pgid, sig);
    if (sig != SIGKILL && sig != SIGCONT) ::kill(-state.pgid, SIGCONT);
  }
  for (const ProcStat& p : tree) {
    auto key = std::make_pair(p.pid, p.start_ticks);
    bool seen = std::find(signalled_.begin(), signalled_.end(), key) != signalled_.end();
    if (only_new && sig != SIGKILL && seen) continue;
    if (signal_process(p, sig)) {
      ++count;
      if (sig != SIGKILL && sig != SIGCONT) signal_process(p, SIGCONT);
    }
    if (!seen) signalled_.push_back(key);
  }
  return count;
}

}  // namespace spmi
