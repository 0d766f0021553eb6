// Waiting for tasks to reach a condition, printing as they get there (spmi
// wait, spmi start --wait, spmi run --wait). The conditions: store/wait_target.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "store/wait_target.h"

namespace spmi {

// Waits until every task in `ids` reached `target`, or until `timeout_ms`
// (0: no limit). Prints one line per task as it gets there, and why a task
// cannot get there any more (it ended, failed, has no health check). Returns
// kExitOk, kExitFailure (some task cannot reach it) or kExitTimeout.
int wait_for_tasks(const Context& ctx, const std::vector<std::string>& ids, WaitTarget target, int64_t timeout_ms);

// The --for and --timeout options of wait, start --wait and run --wait
// (returned so start can make them require --wait), and their check (prints
// the problem; false on a bad value).
std::vector<CLI::Option*> add_wait_options(CLI::App* sub, std::string& target, std::string& timeout);
bool parse_wait_options(const std::string& target_name, const std::string& timeout, WaitTarget* target,
                        int64_t* timeout_ms);

// `--wait [--for C] [--timeout T]` of the commands that start tasks (start,
// resurrect, run): --for and --timeout need --wait; --for defaults to ready.
struct WaitAfterStart {
  bool wait = false;
  std::string target_name = "ready";
  std::string timeout = "30s";
  WaitTarget target = WaitTarget::Ready;
  int64_t timeout_ms = 0;

  // `what` ends the --wait help: "the started tasks are ready".
  void add_options(CLI::App* sub, const std::string& what);
  // Checks --for and --timeout before anything starts (prints the problem).
  bool parse();
  // After the start: waits for `started` when --wait was given. Returns the
  // exit code of the whole command: the wait's when it failed and no start
  // failed, else `start_code`.
  int finish(const Context& ctx, const std::vector<std::string>& started, bool start_failed, int start_code) const;
};

}  // namespace spmi
