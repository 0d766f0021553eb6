// spmi restart <patterns>...: restart tasks in place (lifecycle/restart.h);
// inactive ones are started. Several tasks restart in parallel (at most 8 at
// a time, as start does); each task's lines are printed together, in id
// order, once all are done.
#include "cli/commands.h"
#include "cli/results.h"
#include "lifecycle/restart.h"
#include "store/parallel.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  bool json = false;
};

int run_restart(Context& ctx, const Options& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  JsonResults results(ctx, "restart");
  Reporter& out = opts.json ? static_cast<Reporter&>(results) : ctx.reporter;
  constexpr size_t kParallelRestarts = 8;
  std::vector<HeldReporter> held(ids.size(), HeldReporter(out));
  std::vector<char> ok(ids.size(), 0);
  for_each_index(ids.size(), kParallelRestarts, [&](size_t i) {
    Session session{ctx.store, find_backend, held[i]};
    ok[i] = restart_task(session, ids[i]);
  });
  bool failed = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    held[i].replay();
    failed = failed || !ok[i];
  }
  std::fflush(stdout);
  int exit_code = combine_exit(failed, unmatched);
  if (opts.json) results.print(ids, exit_code);
  return exit_code;
}

}  // namespace

Command add_restart_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("restart", "Restart tasks in place (inactive ones are started), in parallel");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_restart(ctx, *opts); }};
}

}  // namespace spmi
