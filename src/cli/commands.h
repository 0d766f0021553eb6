// The subcommand table: each command lives in its own cmd_<name>.cc and
// registers itself with CLI11 through one add_* function listed in main.cc.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "cli/task_view.h"
#include "cli/wait.h"

namespace spmi {

// A registered subcommand and the function that runs it (called after
// parsing when that subcommand was chosen), returning the exit code.
struct Command {
  CLI::App* sub;
  std::function<int()> run;
};
using CommandAdder = Command (*)(CLI::App& app, Context& ctx);

Command add_load_command(CLI::App& app, Context& ctx);
Command add_list_command(CLI::App& app, Context& ctx);
Command add_start_command(CLI::App& app, Context& ctx);
Command add_stop_command(CLI::App& app, Context& ctx);
Command add_kill_command(CLI::App& app, Context& ctx);
Command add_clean_command(CLI::App& app, Context& ctx);
Command add_status_command(CLI::App& app, Context& ctx);
Command add_connect_command(CLI::App& app, Context& ctx);
Command add_restart_command(CLI::App& app, Context& ctx);
Command add_events_command(CLI::App& app, Context& ctx);
Command add_wait_command(CLI::App& app, Context& ctx);
Command add_logs_command(CLI::App& app, Context& ctx);
Command add_validate_command(CLI::App& app, Context& ctx);
Command add_run_command(CLI::App& app, Context& ctx);
Command add_graph_command(CLI::App& app, Context& ctx);

// The --for and --timeout options of wait and start --wait, and their check
// (prints the problem; false on a bad value).
// Returns the two options (start makes them require --wait).
std::vector<CLI::Option*> add_wait_options(CLI::App* sub, std::string& target, std::string& timeout);
bool parse_wait_options(const std::string& target_name, const std::string& timeout, WaitTarget* target,
                        int64_t* timeout_ms);

// Starts one task (taking its lock); prints the outcome. True on success.
bool start_task(Context& ctx, const std::string& id);

// Resolves patterns against the loaded tasks. Prints the problems; returns
// false with `*exit_code` set on an invalid pattern or unreadable store.
// Patterns that match nothing are reported and set `*unmatched`.
bool select_tasks(const Context& ctx, const std::vector<std::string>& patterns, std::vector<std::string>* ids,
                  bool* unmatched, int* exit_code);

// Adds the required "patterns" positional every task command takes.
void add_patterns_option(CLI::App* sub, std::vector<std::string>& patterns);

// How long a mutating command waits for another one working on the same task.
inline constexpr int kTaskLockWaitMs = 30000;

// Takes task `id`'s cli.lock (waiting kTaskLockWaitMs) and reads its view.
// On failure prints why and returns an invalid Fd.
Fd lock_and_inspect(const Context& ctx, const std::string& id, TaskView* view);

}  // namespace spmi
