// spmi restart <patterns>...: restart tasks in place (lifecycle/restart.h);
// inactive ones are started. Several tasks restart in parallel (at most 8 at
// a time, as start does); each task's lines are printed together, in id
// order, once all are done.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/task_action.h"
#include "lifecycle/restart.h"

namespace spmi {

namespace {

struct RestartOptions {
  Selection sel;
  bool json = false;
};

}  // namespace

Command add_restart_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<RestartOptions>();
  CLI::App* sub = app.add_subcommand("restart", "Restart tasks in place (inactive ones are started), in parallel");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_task_action(ctx, opts->sel, opts->json, "restart", restart_task); }};
}

}  // namespace spmi
