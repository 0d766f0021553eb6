// spmi stop <patterns>... and spmi kill <patterns>...: end active tasks.
//
// stop: the wrapper sends the task's stop signal to the whole tree and
// SIGKILL at the stop timeout. kill: SIGKILL to the whole tree at once. Both
// return when nothing of the task is left, and say which signal ended it
// (lifecycle/end.h does the work).
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/results.h"
#include "lifecycle/end.h"

namespace spmi {

namespace {

struct StopOptions {
  Selection sel;
  bool no_deps = false;
  bool json = false;
};

int run_end(Context& ctx, const StopOptions& opts, bool kill) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  JsonResults results(ctx, kill ? "kill" : "stop");
  Session s = opts.json ? results.session() : ctx.session();
  bool ok = opts.no_deps ? end_tasks(s, ids, kill) : end_in_dependency_order(s, ids, true, kill);
  std::fflush(stdout);
  int exit_code = combine_exit(!ok, unmatched);
  if (opts.json) results.print(ids, exit_code);
  return exit_code;
}

}  // namespace


Command add_stop_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<StopOptions>();
  CLI::App* sub = app.add_subcommand("stop", "Stop active tasks (stop signal, then SIGKILL at the stop timeout)");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Stop only the given tasks, not the tasks that depend on them");
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_end(ctx, *opts, false); }};
}

Command add_kill_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<StopOptions>();
  CLI::App* sub = app.add_subcommand("kill", "Kill active tasks (SIGKILL to every process of the task)");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Kill only the given tasks, not the tasks that depend on them");
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_end(ctx, *opts, true); }};
}

}  // namespace spmi
