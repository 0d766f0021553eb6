// spmi restart <patterns>...: restart tasks in place (lifecycle/restart.h);
// inactive ones are started.
#include "cli/commands.h"
#include "lifecycle/restart.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
};

int run_restart(Context& ctx, const Options& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  Session session = ctx.session();
  for (const auto& id : ids) failed = !restart_task(session, id) || failed;
  std::fflush(stdout);
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_restart_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("restart", "Restart tasks in place (inactive ones are started)");
  add_selection_options(sub, opts->sel);
  return {sub, [&ctx, opts] { return run_restart(ctx, *opts); }};
}

}  // namespace spmi
