// spmi resurrect [patterns] [--dry-run] [--wait]: start again every task
// that was running when its wrapper went away without a user's stop (a
// reboot, a shutdown's SIGTERM, a killed wrapper), and every `autostart`
// task that is not active, with what they depend on, in dependency order.
// Tasks a user stopped stay stopped; active ones are left alone. What
// `spmi export` runs at boot (lifecycle/resurrect.h does the work).
#include "cli/commands.h"
#include "cli/wait.h"
#include "lifecycle/resurrect.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  bool dry_run = false;
  bool wait = false;
  std::string target = "ready";
  std::string timeout = "30s";
};

int run_resurrect(Context& ctx, const Options& opts) {
  WaitTarget target = WaitTarget::Ready;
  int64_t timeout_ms = 0;
  if (opts.wait && !parse_wait_options(opts.target, opts.timeout, &target, &timeout_ms)) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code, true)) return code;
  std::vector<std::string> started;
  bool failed = !resurrect_tasks(ctx.session(), ids, opts.dry_run, &started);
  std::fflush(stdout);
  if (opts.wait && !started.empty()) {
    int waited = wait_for_tasks(ctx, started, target, timeout_ms);
    if (waited != kExitOk && !failed) return waited;
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_resurrect_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "resurrect", "Start again what was running before a reboot or a lost wrapper (and autostart tasks)");
  add_selection_options(sub, opts->sel, true);
  sub->add_flag("-n,--dry-run", opts->dry_run, "Only say which tasks would start");
  CLI::Option* wait = sub->add_flag("--wait", opts->wait, "Then wait until the started tasks are ready (see --for, --timeout)");
  for (CLI::Option* o : add_wait_options(sub, opts->target, opts->timeout)) o->needs(wait);
  return {sub, [&ctx, opts] { return run_resurrect(ctx, *opts); }};
}

}  // namespace spmi
