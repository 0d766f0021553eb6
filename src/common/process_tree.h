// Finding and signalling every process of a task.
//
// Used by the wrapper (which, as child subreaper, is the root of its task's
// whole tree) and by the CLI when a wrapper was lost and the task's processes
// must still be found: then members are recognised by the task's session,
// process group, or the SPMI_RUN_ID marker inherited through the environment.
// Signals go through pidfds after re-checking the start time, so a pid
// reused between the scan and the signal is never hit.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/proc.h"

namespace spmi {

// Every descendant of `root` (not `root` itself) that is not a zombie.
std::vector<ProcStat> live_descendants(pid_t root);

// Processes that belong to a task whose wrapper is gone: in session `sid` or
// group `pgid` (when > 0), or whose environment holds `marker` ("K=V").
// Zombies are skipped; `exclude_self` keeps the caller out.
std::vector<ProcStat> find_task_members(pid_t sid, pid_t pgid, const std::string& marker);

// Sends `sig` to the process identified by pid + start time, through a pidfd.
// True when the signal was delivered.
bool signal_process(const ProcStat& p, int sig);

// Opens a pidfd for pid + start time (-1 if it is gone or was reused).
int open_pidfd(pid_t pid, unsigned long long start_ticks);

}  // namespace spmi
