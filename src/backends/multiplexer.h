// What the screen and tmux backends share: running the multiplexer's
// command-line tool (Boost.Process, argument lists only, with a timeout and
// its stderr captured). The start report is in start_report.h.
#pragma once

#include <sys/types.h>

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

}  // namespace spmi
