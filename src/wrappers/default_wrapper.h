// The default wrapper: runs one task's command under spmi's supervision.
#pragma once

#include <string>

namespace spmi {

struct WrapperOptions {
  std::string task_dir;
  int report_fd = -1;        // where "ok <pid>" or "error <why>" is written once (-1: none)
  std::string report_fifo;   // or a FIFO to open and write it to (screen/tmux close inherited fds)
  std::string env_file;      // NUL-separated environment to run the task with (read, then deleted)
  bool slurm = false;        // runs as a Slurm batch job (the slurm backend's slurm.sh)
  // The environment variable holding the backend's id for this wrapper
  // (--id-from; null: the wrapper's pid is its id).
  const char* id_variable = nullptr;
};

// Writes the one-line start report ("ok <pid>" or "error <why>") to the
// report fd or FIFO of `opts`, once; later calls do nothing.
void send_report(WrapperOptions* opts, const std::string& line);

// Runs the task in `opts.task_dir` until nothing of it is left. Returns the
// wrapper's exit status: 0 after the task ran, 1 when it could not start,
// 3 when another wrapper already holds the task's lock.
int run_default_wrapper(const WrapperOptions& opts);

// True when this executable runs wrapper type `type` (defined by the
// executable's feature file: default_features.cc or watchdog_features.cc).
bool wrapper_runs_type(const std::string& type);

}  // namespace spmi
