// The subcommand table: each command lives in its own cmd_<name>.cc and
// registers itself with CLI11 through one add_* function listed in main.cc.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "store/task_view.h"
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
Command add_apply_command(CLI::App& app, Context& ctx);

// The --for and --timeout options of wait and start --wait, and their check
// (prints the problem; false on a bad value).
// Returns the two options (start makes them require --wait).
std::vector<CLI::Option*> add_wait_options(CLI::App* sub, std::string& target, std::string& timeout);
bool parse_wait_options(const std::string& target_name, const std::string& timeout, WaitTarget* target,
                        int64_t* timeout_ms);

// Starts one task (taking its lock); prints the outcome. True on success.
bool start_task(Context& ctx, const std::string& id);
// Starts `ids` (several at once), then prints each outcome in `ids` order.
std::vector<bool> start_tasks(Context& ctx, const std::vector<std::string>& ids);

// Removes an inactive task's directory under its lock (cmd_clean.cc).
// Refuses, printing why, when its wrapper runs ("<id>: active; <refusal>")
// or processes of it are left.
bool remove_inactive_task(const Context& ctx, const std::string& id, const std::string& refusal);

// Starts `selected` and what they depend on (cmd_start.cc): dependencies
// first, independent branches in parallel, each waiting for its start_when
// within its start_timeout. `started` receives what was started.
bool start_with_dependencies(Context& ctx, const std::vector<std::string>& selected, std::vector<std::string>* started);

// Stops (or kills) `ids` in waves so that a task ends only once nothing
// still running depends on it (cmd_stop.cc); with `with_active_dependents`
// the active tasks depending on them are ended too, first.
bool end_in_dependency_order(Context& ctx, const std::vector<std::string>& ids, bool with_active_dependents, bool kill);

// Which tasks a command acts on: id patterns, projects (-p) and tags (--tag).
// Within one kind any match counts; kinds given together must all match.
struct Selection {
  std::vector<std::string> patterns;
  std::vector<std::string> projects;
  std::vector<std::string> tags;
  bool empty() const { return patterns.empty() && projects.empty() && tags.empty(); }
};

// Adds the "patterns" positional and -p/--project, --tag (selection.cc).
// `optional`: the command acts on every task when none is given.
void add_selection_options(CLI::App* sub, Selection& sel, bool optional = false);

// Resolves a selection against the loaded tasks (in id order). Prints the
// problems; returns false with `*exit_code` set on an invalid pattern, an
// empty selection (unless `all_when_empty`) or an unreadable store. Patterns,
// projects or tags that match nothing are reported and set `*unmatched`.
bool select_tasks(const Context& ctx, const Selection& sel, std::vector<std::string>* ids, bool* unmatched,
                  int* exit_code, bool all_when_empty = false);
// The same for plain patterns.
bool select_tasks(const Context& ctx, const std::vector<std::string>& patterns, std::vector<std::string>* ids,
                  bool* unmatched, int* exit_code);

// How long a mutating command waits for another one working on the same task.
inline constexpr int kTaskLockWaitMs = 30000;

// Takes task `id`'s cli.lock (waiting kTaskLockWaitMs) and reads its view.
// On failure returns an invalid Fd with why in `err` ("<id>: ..."), or
// printed when `err` is null.
Fd lock_and_inspect(const Context& ctx, const std::string& id, TaskView* view, std::string* err = nullptr);

}  // namespace spmi
