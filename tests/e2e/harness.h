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
  const std::string& screen_dir() const { return screens_; } // $SCREENDIR (private, mode 0700)
  std::string tmux_socket() const { return state_ + "/.tmux.sock"; }
  // $SPMI_CGROUP_PARENT: this test's own place in the cgroup hierarchies,
  // removed (with whatever is left in it) when the test ends.
  std::string cgroup_parent() const;

  // Runs `spmi args...` with SPMI_PATH set; waits up to `timeout_s`.
  RunResult run(const std::vector<std::string>& args, int timeout_s = 60) const;
  // The same without Catch2 assertions, safe to call from several threads
  // (exit_code -1: could not run or timed out).
  RunResult run_raw(const std::vector<std::string>& args, int timeout_s = 60,
                    const std::vector<std::string>& extra_env = {}) const;
  // Starts `spmi args...` (stdin, stdout and stderr on /dev/null) and
  // returns its pid at once, for tests that kill it midway; the caller
  // reaps it with waitpid.
  pid_t spawn(const std::vector<std::string>& args) const;
  // The environment every spmi run gets ("K=V" entries): ours, with
  // SPMI_PATH and SCREENDIR pointing into the scratch directory.
  std::vector<std::string> environment(const std::vector<std::string>& extra = {}) const;
  // Writes `text` to <dir>/<name> and returns the path.
  std::string write(const std::string& name, const std::string& text) const;
  // Writes a native TOML descriptor for `id` running shell `command`.
  std::string task(const std::string& id, const std::string& command, const std::string& extra_wrapper_keys = "") const;
  // The task's state file (REQUIREs that it parses).
  TaskState state(const std::string& id) const;
  // Every file under SPMI_PATH with its content, for "nothing changed"
  // checks (but the empty lock files, made by the first use).
  std::string snapshot() const;

 private:
  std::string dir_, state_, screens_;
};

// A program running on a pseudo-terminal that a test types into and reads
// from, as a person at a terminal would.
class PtySession {
 public:
  // Starts `argv` on a new pty of 40 rows and `columns` columns with
  // environment `env` ("K=V").
  PtySession(const std::vector<std::string>& argv, const std::vector<std::string>& env, int columns = 120);
  ~PtySession();
  void type(const std::string& keys) const;
  // Reads until the output so far contains `want` (true) or `ms` pass.
  bool read_until(const std::string& want, int ms);
  // Waits up to `ms` for the program to exit; its exit code, or -1.
  int wait_exit(int ms);
  const std::string& output() const { return output_; }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  std::string output_;
};

// Root-only tests (and root-only parts) start with this: when not root it
// prints the skip marker, which ctest turns into "Skipped" (never "Passed":
// tests/CMakeLists.txt sets SKIP_REGULAR_EXPRESSION), and returns true.
bool skipped_without_root(const char* why);

// True when pid is a running (non-zombie) process.
bool alive(pid_t pid);
// Waits up to `ms` for `pred` to hold, checking every 20 ms.
bool eventually(int ms, const std::function<bool()>& pred);
// Runs a program (not spmi) and returns its stdout; exit code in *code.
std::string run_program(const std::vector<std::string>& argv, int* code = nullptr);
// A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it).
int free_port();

// The whole content of the file at `path` ("" when it cannot be read).
std::string slurp(const std::string& path);

// Whether `part` occurs in `text`.
inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// How often process `pid` slept voluntarily so far (its wake-ups).
long voluntary_switches(pid_t pid);

// A YAML "billion laughs": 342 bytes whose aliases expand to 9^9 values.
std::string yaml_alias_bomb();

// Reads the pids (one per line) from `path`.
std::vector<pid_t> read_pids(const std::string& path);

}  // namespace spmi::test
