// Waiting for tasks to reach a condition, printing as they get there (spmi
// wait, spmi start --wait, spmi run --wait). The conditions: store/wait_target.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/cli11_fwd.h"
#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "store/wait_target.h"

namespace spmi {

class JsonResults;

// What a wait found for one task.
struct TaskWait {
  std::string id;
  bool reached = false;
  bool timed_out = false;
  int64_t after_ms = 0;  // from the start of the wait
  std::string why;       // when not reached: why it cannot or what it still waits for
};
// {"reached", "timed_out", "after_seconds", "why"} (why: null when reached).
nlohmann::json wait_to_json(const TaskWait& w);

// Waits until every task in `ids` reached `target`, or until `timeout_ms`
// (0: no limit). Prints one line per task as it gets there (unless -q or
// `results` is given: --json), and on stderr why a task cannot get there
// any more (it ended, failed, has no health check) or timed out. Returns
// kExitOk, kExitFailure (some task cannot reach it) or kExitTimeout.
int wait_for_tasks(const Context& ctx, const std::vector<std::string>& ids, WaitTarget target, int64_t timeout_ms,
                   std::vector<TaskWait>* results = nullptr);

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
  // `results` (--json): the waits go there instead of onto stdout.
  int finish(const Context& ctx, const std::vector<std::string>& started, bool start_failed, int start_code,
             JsonResults* results = nullptr) const;
};

}  // namespace spmi
