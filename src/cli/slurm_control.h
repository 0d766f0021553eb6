// Ending the job of a slurm task for `spmi stop` and `spmi kill`. A wrapper
// in a Slurm job may run on another node, where spmi's control FIFO and
// pidfds do not reach: requests go through scancel instead.
//
//   queued job (its wrapper has not started)   scancel J; the CLI records
//                                              that the task never ran
//   wrapper running, stop                      scancel --batch --signal=TERM J:
//                                              the wrapper's own whole-tree
//                                              stop (stop_signal, SIGKILL at
//                                              stop_timeout)
//   wrapper running, kill                      scancel --batch --signal=USR1 J:
//                                              the wrapper SIGKILLs the tree
//   wrapper still there after the deadline     scancel J (Slurm ends the job)
#pragma once

#include <cstdint>
#include <string>

#include "cli/output.h"
#include "store/task_view.h"

namespace spmi {

// Sends the request for task `v` (condition Active, backend slurm). False
// with `err` when scancel failed.
bool request_slurm_end(const TaskView& v, bool kill, std::string* err);

// Waits until the task's job has ended, escalating to a plain scancel when
// the wrapper is still there at its deadline, and records the end of a job
// cancelled before its wrapper started. `line` is what stop/kill print
// ("stopped web (SIGTERM, 1.2s)"); false with `err` when it did not end.
bool await_slurm_end(const Context& ctx, const TaskView& v, bool kill, int64_t requested_ms, std::string* line,
                     std::string* err);

}  // namespace spmi
