// Finding and signalling every process of a task.
//
// Used by the wrapper (which, as child subreaper, is the root of its task's
// whole tree) and by the CLI when a wrapper was lost (which processes still
// belong to the task is task_tree.h's question). Signals go through pidfds after re-checking the start time, so a pid
// reused between the scan and the signal is never hit.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "common/proc.h"

namespace spmi {

// Every descendant of `root` (not `root` itself) that is not a zombie.
std::vector<ProcStat> live_descendants(pid_t root);
// The same below a wrapper, which is single-threaded: its children file is
// read straight away, without reading its stat first (one /proc read less
// per task: `spmi list` of 1000 tasks reads thousands of them).
std::vector<ProcStat> live_descendants_of_wrapper(pid_t wrapper);
// `tree` (as live_descendants lists it: a parent before its children)
// without the processes in `roots` and everything below them: a wrapper's
// tree without its own helpers (log compression, checks, commands).
std::vector<ProcStat> without_subtrees(const std::vector<ProcStat>& tree, std::vector<pid_t> roots);


// Sends `sig` to the process identified by pid + start time, through a pidfd.
// True when the signal was delivered.
bool signal_process(const ProcStat& p, int sig);
// The same, then SIGCONT through the same pidfd (a stopped process would
// not act on `sig` before it is continued), unless `sig` is SIGKILL or
// SIGCONT. True when `sig` was delivered.
bool signal_and_continue(const ProcStat& p, int sig);

// A stop signal goes once to each process, as systemd sends it to a unit:
// `sig` (signal_and_continue) to each of `procs` that `skip` does not
// exclude, then `reread` at once while a reading signalled someone (a
// process forked while the last one was read), at most kMaxRereads times.
// Returns how many got it and the last reading. What a process forks after
// that (a graceful shutdown's helpers) is left alone: the caller waits for
// it, and SIGKILLs it at the stop timeout.
struct SignalledOnce {
  int count = 0;
  std::vector<ProcStat> last;
};
inline constexpr int kMaxRereads = 4;
SignalledOnce signal_each_once(std::vector<ProcStat> procs, int sig,
                               const std::function<std::vector<ProcStat>()>& reread,
                               const std::function<bool(const ProcStat&)>& skip = {});

// Opens a pidfd for pid + start time (-1 if it is gone or was reused).
int open_pidfd(pid_t pid, unsigned long long start_ticks);

}  // namespace spmi
