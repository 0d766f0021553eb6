// spmi wait <patterns>... --for running|ready|healthy|exited [--timeout 30s]:
// for scripts. Exit 0 once every task got there, 5 when the time ran out,
// 1 when a task cannot get there any more (it ended, failed, has no check).
#include "cli/commands.h"
#include "cli/wait.h"
#include "common/duration.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  std::string target = "running";
  std::string timeout = "30s";
};

}  // namespace

bool parse_wait_options(const std::string& target_name, const std::string& timeout, WaitTarget* target,
                        int64_t* timeout_ms) {
  if (!wait_target_from_name(target_name, target)) {
    print_error("--for: unknown condition '" + target_name + "' (known: running, ready, healthy, exited)");
    return false;
  }
  std::string err;
  if (timeout == "0") {
    *timeout_ms = 0;  // no limit
  } else if (!parse_duration(timeout, timeout_ms, &err)) {
    print_error("--timeout: " + err);
    return false;
  }
  return true;
}

std::vector<CLI::Option*> add_wait_options(CLI::App* sub, std::string& target, std::string& timeout) {
  return {sub->add_option("--for", target, "running, ready, healthy or exited (default: " + target + ")"),
          sub->add_option("--timeout", timeout, "How long to wait, e.g. 30s or 5m; 0 waits forever (default: 30s)")};
}

namespace {

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
