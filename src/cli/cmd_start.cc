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
  bool wait = false;
  std::string target = "ready";
  std::string timeout = "30s";
};

int run_start(Context& ctx, const Options& opts) {
  WaitTarget target = WaitTarget::Ready;
  int64_t timeout_ms = 0;
  if (opts.wait && !parse_wait_options(opts.target, opts.timeout, &target, &timeout_ms)) return kExitUsage;
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
  std::fflush(stdout);
  if (opts.wait && !started.empty()) {
    int waited = wait_for_tasks(ctx, started, target, timeout_ms);
    if (waited != kExitOk && !failed) return waited;
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_start_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("start", "Start inactive tasks");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Start only the given tasks, not what they depend on");
  CLI::Option* wait = sub->add_flag("--wait", opts->wait, "Then wait until the started tasks are ready (see --for, --timeout)");
  for (CLI::Option* o : add_wait_options(sub, opts->target, opts->timeout)) o->needs(wait);
  return {sub, [&ctx, opts] { return run_start(ctx, *opts); }};
}

}  // namespace spmi
