// spmi reload <patterns>...: reload running tasks in place
// (lifecycle/reload.h): the wrapper takes the reloadable settings and sends
// reload_signal or runs reload_command; the pid and the run stay. Several
// tasks reload in parallel (8 at a time); lines are printed in id order.
#include "cli/commands.h"
#include "cli/results.h"
#include "lifecycle/reload.h"
#include "store/parallel.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  bool json = false;
};

int run_reload(Context& ctx, const Options& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  JsonResults results(ctx, "reload");
  Reporter& out = opts.json ? static_cast<Reporter&>(results) : ctx.reporter;
  constexpr size_t kParallelReloads = 8;
  std::vector<HeldReporter> held(ids.size(), HeldReporter(out));
  std::vector<char> ok(ids.size(), 0);
  for_each_index(ids.size(), kParallelReloads, [&](size_t i) {
    Session session{ctx.store, find_backend, held[i]};
    ok[i] = reload_task(session, ids[i]);
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

Command add_reload_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "reload", "Reload running tasks in place: reload_signal or reload_command, same pid (and new reloadable settings)");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_reload(ctx, *opts); }};
}

}  // namespace spmi
