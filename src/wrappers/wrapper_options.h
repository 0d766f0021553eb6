// How a wrapper executable is started (its options) and run.
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
  // Back from the idle core (wrappers/wrapper_idle.cc): the resume record's
  // descriptor, and whether the core asked the wrapper to stay awake.
  int resume_fd = -1;
  bool stay_awake = false;
};

// Writes the one-line start report ("ok <pid>" or "error <why>") to the
// report fd or FIFO of `opts`, once; later calls do nothing.
void send_report(WrapperOptions* opts, const std::string& line);

class WrapperFeatures;

// Runs the task in `opts.task_dir` with `features` until nothing of it is
// left. Returns the wrapper's exit status: 0 after the task ran, 1 when it
// could not start, 3 when another wrapper already holds the task's lock.
int run_wrapper(const WrapperOptions& opts, WrapperFeatures& features);

// An executable's main (wrapper_cli.cc): parses the command line, reads the
// spec, checks `features` runs its wrapper type, and runs the task.
int wrapper_main(int argc, char** argv, WrapperFeatures& features);

}  // namespace spmi
