// Signalling a task's whole tree from its wrapper: the process group while
// it is provably the task's, then every descendant of the wrapper found in
// /proc that is not in the group (those that left it), each through a pidfd
// after its start time was checked: no process gets the signal twice.
// Remembers what it signalled in this run, so a repeated stop signal goes
// only to processes that appeared since.
#pragma once

#include <sys/types.h>

#include <utility>
#include <vector>

#include "common/task_state.h"

namespace spmi {

class TreeSignaller {
 public:
  // A new run: nothing of it was signalled yet.
  void reset() { signalled_.clear(); }
  // Sends `sig` (and SIGCONT after it, unless SIGKILL) to the task of
  // `state`, skipping the wrapper's own helpers in `skip` (log compression,
  // a health check, a stop or reload command) and their descendants. With
  // `only_new`, only to processes not signalled before in this run (SIGKILL
  // always goes to all). Returns how many processes got it on their own,
  // besides the group.
  int signal(const TaskState& state, int sig, bool only_new, std::vector<pid_t> skip);

 private:
  std::vector<std::pair<pid_t, unsigned long long>> signalled_;  // small: a vector, not a tree
};

}  // namespace spmi
