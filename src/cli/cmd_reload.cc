// spmi reload <patterns>...: reload running tasks in place
// (lifecycle/reload.h): the wrapper takes the reloadable settings and sends
// reload_signal or runs reload_command; the pid and the run stay. Several
// tasks reload in parallel (8 at a time); lines are printed in id order.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/task_action.h"
#include "lifecycle/reload.h"

namespace spmi {

namespace {

struct ReloadOptions {
  Selection sel;
  bool json = false;
};

}  // namespace

Command add_reload_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ReloadOptions>();
  CLI::App* sub = app.add_subcommand(
      "reload", "Reload running tasks in place: reload_signal or reload_command, same pid (and new reloadable settings)");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_task_action(ctx, opts->sel, opts->json, "reload", reload_task); }};
}

}  // namespace spmi
