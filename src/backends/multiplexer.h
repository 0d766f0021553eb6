// What the screen and tmux backends share: running the multiplexer's
// command-line tool (Boost.Process, argument lists only, with a timeout and
// its stderr captured), and waiting for the wrapper's start report on a
// FIFO in the task directory (multiplexers close inherited descriptors).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "backends/registry.h"
#include "common/fd.h"

namespace spmi {

struct ToolResult {
  bool ran = false;  // false: the program was not found or could not be started
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
  std::string err;
  // "tmux exited with code 1: <its stderr>" and the like, for messages.
  std::string describe(const std::string& program) const;
};

// The full path of `program` in PATH, or empty.
std::string find_tool(const std::string& program);

// Runs `program args...` with stdin from /dev/null, this process's
// environment minus `unset` plus `set`, and waits up to `timeout_ms`.
ToolResult run_tool(const std::string& program, const std::vector<std::string>& args,
                    const std::vector<std::string>& unset = {},
                    const std::vector<std::pair<std::string, std::string>>& set = {}, int timeout_ms = 10000);

// Runs `program args...` attached to this terminal and waits for it; returns its exit code.
int run_interactive(const std::string& program, const std::vector<std::string>& args,
                    const std::vector<std::string>& unset = {});

// The FIFO the wrapper writes "ok <pid>" / "error <why>" into.
class ReportFifo {
 public:
  ~ReportFifo();
  // Creates <task_dir>/report afresh and opens it for reading.
  bool create(const std::string& task_dir, std::string* err);
  const std::string& path() const { return path_; }
  // Waits for the report. `gone` is asked every 200 ms whether the wrapper's
  // window has already disappeared (then waiting longer is pointless).
  StartResult wait(int timeout_ms, const std::function<bool()>& gone);

 private:
  std::string path_;
  Fd fd_;
};

// Turns the wrapper's report line into a StartResult.
StartResult parse_report(const std::string& report);

}  // namespace spmi
