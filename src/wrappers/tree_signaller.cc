// Signalling a task's whole tree (tree_signaller.h).
#include "wrappers/tree_signaller.h"

#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <utility>

#include "common/process_tree.h"
#include "common/signals.h"

namespace spmi {

int signal_task_tree(const TaskState& state, int sig, std::vector<pid_t> skip) {
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
  auto read_tree = [&] { return without_subtrees(live_descendants(::getpid()), skip); };
  const bool main_unreaped = state.pgid > 0 && state.pid > 0 && !state.main_exited;
  if (main_unreaped) signal_group();  // provably ours: the tree is read after it
  std::vector<ProcStat> tree = read_tree();
  if (!group_signalled && state.pgid > 0 &&
      std::any_of(tree.begin(), tree.end(), [&](const ProcStat& p) { return p.pgid == state.pgid; })) {
    signal_group();
    tree = read_tree();  // a member that left the group meanwhile is signalled below
  }
  // A process outside the group may fork between the reading and its
  // signal: signal_each_once reads again while a reading signalled
  // someone. Members of the group are left out: the group's kill reached
  // every member, and a fork cannot slip past it (the kernel restarts a
  // fork that a signal interrupts), so a member found now was forked after
  // it, by the task's own answer to the signal.
  return signal_each_once(std::move(tree), sig, read_tree,
                          [&](const ProcStat& p) { return group_signalled && p.pgid == state.pgid; })
      .count;
}

}  // namespace spmi
