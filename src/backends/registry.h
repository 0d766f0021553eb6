// Backends: how a task's wrapper is launched (and, later, attached to).
// Found by `backend.type` in kBackendTypes (registry.cc). A backend like
// native, screen or tmux is one file plus one line there; Slurm also
// reaches into the CLI for stop, kill and a task's view (slurm_control,
// task_view), which the interface is to take over (issue 16).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/task_spec.h"
#include "common/task_state.h"

namespace spmi {

struct StartResult {
  bool ok = false;
  pid_t pid = 0;      // the task's main process (0: none yet, e.g. a queued Slurm job)
  std::string job_id; // slurm: the submitted job
  std::string error;  // why it did not start
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Launches the wrapper for the task in `task_dir` and returns once the
  // wrapper has started the command, or has failed to (with the reason).
  virtual StartResult start(const TaskSpec& spec, const std::string& task_dir) = 0;
  // Attaches this terminal to the running task's window until the user
  // detaches; returns the multiplexer's exit code, or -1 with `err` when
  // this backend has no window (native: the CLI follows the files instead).
  virtual int attach(const std::string& task_dir, const std::string& backend_id, std::string* err) {
    (void)task_dir;
    (void)backend_id;
    *err = "this backend has no window to attach to";
    return -1;
  }
};

struct BackendType {
  const char* name;
  std::unique_ptr<Backend> (*make)();
};

const BackendType* find_backend_type(std::string_view name);
std::string backend_type_names();

// Backend implementations (one file each).
std::unique_ptr<Backend> make_native_backend();
std::unique_ptr<Backend> make_screen_backend();
std::unique_ptr<Backend> make_tmux_backend();
std::unique_ptr<Backend> make_slurm_backend();

// The executable for wrapper type `type`: spmi-wrapper for "default",
// spmi-watchdog for "watchdog". $SPMI_WRAPPER / $SPMI_WATCHDOG, else next to
// the running spmi, else the installed libexec location. Empty with `err`
// when none exists.
std::string find_wrapper_executable(const std::string& type, std::string* err);

}  // namespace spmi
