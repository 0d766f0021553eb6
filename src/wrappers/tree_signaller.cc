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
  // The group first (one atomic kill for everything in it, including a
  // child forked at that moment), then each descendant found in /proc that
  // is not in it (those that left the group). A member of the group is not
  // signalled a second time: many programs take a second SIGTERM or SIGINT
  // as "now" and would cut their graceful shutdown short.
  //
  // The group id is the main pid: it is still the task's only while the
  // main process is unreaped or a process of ours is in the group (the
  // kernel never reuses an id in use as a group id). Once the group
  // emptied, the id may belong to someone else's group: then only the tree
  // is signalled.
  bool group_signalled = false;
  auto signal_group = [&] {
    ::kill(-state.pgid, sig);
    if (sig != SIGKILL && sig != SIGCONT) ::kill(-state.pgid, SIGCONT);
    group_signalled = true;
  };
  const bool main_unreaped = state.pgid > 0 && state.pid > 0 && !state.main_exited;
  if (!only_new && main_unreaped) signal_group();  // provably ours: the tree is read after it
  std::vector<ProcStat> tree = without_subtrees(live_descendants(::getpid()), skip);
  if (!only_new && !group_signalled && state.pgid > 0 &&
      std::any_of(tree.begin(), tree.end(), [&](const ProcStat& p) { return p.pgid == state.pgid; })) {
    signal_group();
    // Read again: a member that left the group meanwhile is signalled below.
    tree = without_subtrees(live_descendants(::getpid()), std::move(skip));
  }
  int count = 0;
  for (const ProcStat& p : tree) {
    auto key = std::make_pair(p.pid, p.start_ticks);
    bool seen = std::find(signalled_.begin(), signalled_.end(), key) != signalled_.end();
    if (!seen) signalled_.push_back(key);
    if (only_new && sig != SIGKILL && seen) continue;
    if (group_signalled && p.pgid == state.pgid) continue;  // it had it with the group
    if (signal_process(p, sig)) {
      ++count;
      if (sig != SIGKILL && sig != SIGCONT) signal_process(p, SIGCONT);
    }
  }
  return count;
}

}  // namespace spmi
