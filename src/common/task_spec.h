// The normalized task spec: what `spmi load` writes to <task dir>/spec and
// the wrapper reads. Descriptor formats never reach the wrapper; this struct
// and its kv encoding (state/schema.md, "spec") are the whole contract.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/cgroup_settings.h"
#include "common/control_commands.h"
#include "common/log_settings.h"
#include "common/process_settings.h"
#include "common/restart_settings.h"
#include "common/watchdog_settings.h"

namespace spmi {

inline constexpr int kSpecVersion = 1;

struct TaskSpec {
  std::string id;
  std::string manageable = "task";
  std::string comment;
  // Grouping: the project a task was loaded from (a project descriptor's
  // name; empty for single-task descriptors) and its tags, for -p and --tag.
  std::string project;
  std::vector<std::string> tags;
  // One of the `instances` of a task (`<instance_of>.<instance>`); "":
  // a task of its own.
  std::string instance_of;
  int instance = 0;
  std::string backend = "native";
  // The backend's own [task.backend] options, as the spec stores them:
  // "<backend>_<key>" = value, in the backend's order, a key repeated for a
  // list (slurm: "slurm_partition" = "gpu"). Only the backend reads them.
  std::vector<std::pair<std::string, std::string>> backend_options;
  std::string wrapper = "default";
  // Exactly one of the two: a shell command (run by /bin/sh -c) or an argv.
  std::string shell_command;
  std::vector<std::string> argv;
  bool mixed_stdout = false;
  int stop_signal = 15;
  int64_t stop_timeout_ms = 10000;
  ControlCommands control;  // stop_command, reload_signal, reload_command
  std::string cwd;  // absolute
  std::vector<std::pair<std::string, std::string>> env;
  // Restart policy (wrapper type "watchdog"; "default" never restarts).
  RestartSettings restart;
  // Readiness: the fd (>= 3) on which the task writes a newline once it is
  // ready (0: none; then ready = first healthy check, or running).
  int ready_fd = 0;
  // Watchdog only.
  HealthSettings health;
  ScheduleSettings schedule;
  EventHookSettings on_event;
  WatchSettings watch;
  int64_t max_memory_bytes = 0;  // 0: no limit
  // Its own cgroup and the kernel's hard limits in it (both wrapper types).
  CgroupSettings cgroup;
  LogSettings logs;
  ProcessSettings process;
  // Dependencies: tasks started before this one (and stopped after it).
  std::vector<std::string> depends_on;
  // Started by `spmi resurrect` whenever it is not active, even after a
  // user's stop (without it only tasks whose run was cut short come back).
  bool autostart = false;
  std::string start_when = "started";  // started | ready | healthy: what the dependencies must be
  int64_t start_timeout_ms = 60000;    // how long to wait for them
  std::string source;  // the descriptor file it was loaded from (absolute)
  int64_t loaded_at_ms = 0;

  bool uses_shell() const { return argv.empty(); }
  // How long a stop may take before the final SIGKILL: stop_timeout, twice
  // with a stop_command (its own timeout, then the stop signal's).
  int64_t stop_budget_ms() const { return stop_timeout_ms * (control.stop.set() ? 2 : 1); }
  // Where the task's stdout and stderr go (the configured paths, or the
  // defaults in `task_dir`).
  std::string stdout_log(const std::string& task_dir) const;
  std::string stderr_log(const std::string& task_dir) const;
  // The command as one line for display.
  std::string display_command() const;
};

// The spec file (state/schema.md, "spec"), driven by one table of keys in
// task_spec.cc; spec_keys() lists them in file order.
std::string serialize_spec(const TaskSpec& spec);
bool parse_spec(const std::string& text, TaskSpec* spec, std::string* err);
std::vector<const char*> spec_keys();

// Names of the files in a task directory (see state/schema.md).
namespace task_files {
inline constexpr const char* kSpec = "spec";
inline constexpr const char* kState = "state";
inline constexpr const char* kLock = "lock";
inline constexpr const char* kCliLock = "cli.lock";
inline constexpr const char* kControl = "control";
inline constexpr const char* kStdin = "stdin";
inline constexpr const char* kStdout = "stdout.log";
inline constexpr const char* kStderr = "stderr.log";
inline constexpr const char* kWrapperLog = "wrapper.log";
inline constexpr const char* kEvents = "events.jsonl";
inline constexpr const char* kDescriptorPrefix = "descriptor.";
inline constexpr const char* kSlurmScript = "slurm.sh";
inline constexpr const char* kIdentity = "identity";  // common/identity.h
inline constexpr const char* kTree = "tree";          // common/task_tree.h
}  // namespace task_files

}  // namespace spmi
