// End-to-end test harness: runs the built `spmi` binary against a private,
// temporary SPMI_PATH and, when the test ends, kills every process its tasks
// left behind, by pid (wrapper and task processes from the state files),
// never by name. Nothing touches ~/.spmi.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "common/task_state.h"

namespace spmi::test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class SpmiEnv {
 public:
  SpmiEnv();
  ~SpmiEnv();
  SpmiEnv(const SpmiEnv&) = delete;
  SpmiEnv& operator=(const SpmiEnv&) = delete;

  const std::string& dir() const { return dir_; }        // scratch directory
  const std::string& spmi_path() const { return state_; }  // $SPMI_PATH

  // Runs `spmi args...` with SPMI_PATH set; waits up to `timeout_s`.
  RunResult run(const std::vector<std::string>& args, int timeout_s = 60) const;
  // The same without Catch2 assertions, safe to call from several threads
  // (exit_code -1: could not run or timed out).
  RunResult run_raw(const std::vector<std::string>& args, int timeout_s = 60) const;
  // Writes `text` to <dir>/<name> and returns the path.
  std::string write(const std::string& name, const std::string& text) const;
  // Writes a native TOML descriptor for `id` running shell `command`.
  std::string task(const std::string& id, const std::string& command, const std::string& extra_wrapper_keys = "") const;
  // The task's state file (REQUIREs that it parses).
  TaskState state(const std::string& id) const;
  // Every file under SPMI_PATH with its content, for "nothing changed" checks.
  std::string snapshot() const;

 private:
  std::string dir_, state_;
};

// True when pid is a running (non-zombie) process.
bool alive(pid_t pid);
// Waits up to `ms` for `pred` to hold, checking every 20 ms.
bool eventually(int ms, const std::function<bool()>& pred);
// Reads the pids (one per line) from `path`.
std::vector<pid_t> read_pids(const std::string& path);

}  // namespace spmi::test
