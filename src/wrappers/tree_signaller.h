// Signalling a task's whole tree from its wrapper: the process group while
// it is provably the task's, then every descendant of the wrapper found in
// /proc that is not in the group (those that left it), each through a pidfd
// after its start time was checked: no process gets the signal twice. As
// systemd does with a cgroup, the tree is read again until a reading finds
// nobody new, so a process forked outside the group while it was read is
// not missed. Processes that appear after that (a graceful shutdown's
// helpers) get no stop signal: only the SIGKILL at the stop timeout.
#pragma once

#include <sys/types.h>

#include <vector>

#include "common/task_state.h"

namespace spmi {

// Sends `sig` (and SIGCONT after it, unless SIGKILL) to the task of
// `state`, skipping the wrapper's own helpers in `skip` (log compression,
// a health check, a stop or reload command) and their descendants.
// Returns how many processes got it on their own, besides the group.
int signal_task_tree(const TaskState& state, int sig, std::vector<pid_t> skip);

}  // namespace spmi
