// Talking to running wrappers and waiting for them: the control FIFO (one
// byte per request, as s6-svc does) and pidfd-based waiting, so stopping many
// tasks takes as long as the slowest one, not the sum.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/control_protocol.h"
#include "common/fd.h"
#include "common/proc.h"

namespace spmi {

// Writes `request` to the control FIFO in `task_dir`. False with `err` when
// no wrapper reads it (ENXIO) or the write fails.
bool send_control(const std::string& task_dir, ControlRequest request, std::string* err);

// Something to wait for: a process (by pidfd) with a monotonic deadline.
struct Waitable {
  Fd pidfd;
  int64_t deadline_ms = 0;
  bool exited = false;
};

// Waits until every waitable has exited or passed its deadline; sets `exited`.
// `tick`, when given, is called about once a second while some still wait.
// With `patience_ms`, a deadline is never earlier than the last end seen
// among `items` plus that: while some keep ending, the late ones are waited
// for too (on a machine busy ending thousands of tasks, a wrapper late for
// its deadline waits for the CPU, not on a hung task).
void wait_all(std::vector<Waitable*>& items, const std::function<void()>& tick = {}, int64_t patience_ms = 0);

// Ends the processes of a task whose wrapper is gone, as a wrapper ends its
// tree: `sig` once to each process in `procs` (and to what `rescan` finds
// at once besides), then waits up to `timeout_ms` for them and for what
// they start meanwhile without signalling that; then SIGKILLs what is left,
// re-scanning with `rescan` until nothing remains. Returns the signal that
// ended the last process.
int end_processes(std::vector<ProcStat> procs, int sig, int64_t timeout_ms,
                  const std::function<std::vector<ProcStat>()>& rescan);

}  // namespace spmi
