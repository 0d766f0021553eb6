// spmi start <patterns>...: start inactive tasks through their backends
// (lifecycle/start.h), with what they depend on unless --no-deps, then
// optionally wait until they are ready.
#include "cli/commands.h"
#include "cli/wait.h"
#include "lifecycle/start.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  bool no_deps = false;
  WaitAfterStart wait;
};

int run_start(Context& ctx, Options& opts) {
  if (!opts.wait.parse()) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  std::vector<std::string> started;
  if (opts.no_deps) {
    std::vector<bool> ok = start_tasks(ctx.session(), ids);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ok[i]) started.push_back(ids[i]);
      else failed = true;
    }
  } else {
    failed = !start_with_dependencies(ctx.session(), ids, &started);
  }
  return opts.wait.finish(ctx, started, failed, combine_exit(failed, unmatched));
}

}  // namespace

Command add_start_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("start", "Start inactive tasks");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Start only the given tasks, not what they depend on");
  opts->wait.add_options(sub, "the started tasks are ready");
  return {sub, [&ctx, opts] { return run_start(ctx, *opts); }};
}

}  // namespace spmi
