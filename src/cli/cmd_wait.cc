// spmi wait <patterns>... --for running|ready|healthy|exited [--timeout 30s]:
// for scripts. Exit 0 once every task got there, 5 when the time ran out,
// 1 when a task cannot get there any more (it ended, failed, has no check).
#include "cli/commands.h"
#include "cli/wait.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  std::string target = "running";
  std::string timeout = "30s";
};

int run_wait(Context& ctx, const Options& opts) {
  WaitTarget target;
  int64_t timeout_ms = 0;
  if (!parse_wait_options(opts.target, opts.timeout, &target, &timeout_ms)) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  int waited = ids.empty() ? kExitOk : wait_for_tasks(ctx, ids, target, timeout_ms);
  if (waited != kExitOk) return waited;
  return combine_exit(false, unmatched);
}

}  // namespace

Command add_wait_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("wait", "Wait until tasks are running, ready, healthy or exited");
  add_selection_options(sub, opts->sel);
  add_wait_options(sub, opts->target, opts->timeout);
  return {sub, [&ctx, opts] { return run_wait(ctx, *opts); }};
}

}  // namespace spmi
