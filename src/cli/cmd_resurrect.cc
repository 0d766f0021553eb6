// spmi resurrect [patterns] [--dry-run] [--wait]: start again every task
// that was running when its wrapper went away without a user's stop (a
// reboot, a shutdown's SIGTERM, a killed wrapper), and every `autostart`
// task that is not active, with what they depend on, in dependency order.
// Tasks a user stopped stay stopped; active ones are left alone. What
// `spmi export` runs at boot (lifecycle/resurrect.h does the work).
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/wait.h"
#include "lifecycle/resurrect.h"

namespace spmi {

namespace {

struct ResurrectOptions {
  Selection sel;
  bool dry_run = false;
  WaitAfterStart wait;
};

int run_resurrect(Context& ctx, ResurrectOptions& opts) {
  if (!opts.wait.parse()) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code, true)) return code;
  std::vector<std::string> started;
  bool failed = !resurrect_tasks(ctx.session(), ids, opts.dry_run, &started);
  return opts.wait.finish(ctx, started, failed, combine_exit(failed, unmatched));
}

}  // namespace

Command add_resurrect_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ResurrectOptions>();
  CLI::App* sub = app.add_subcommand(
      "resurrect", "Start again what was running before a reboot or a lost wrapper (and autostart tasks)");
  add_selection_options(sub, opts->sel, true);
  sub->add_flag("-n,--dry-run", opts->dry_run, "Only say which tasks would start");
  opts->wait.add_options(sub, "the started tasks are ready");
  return {sub, [&ctx, opts] { return run_resurrect(ctx, *opts); }};
}

}  // namespace spmi
