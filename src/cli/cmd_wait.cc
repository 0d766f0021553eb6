// spmi wait <patterns>... --for running|ready|healthy|exited [--timeout 30s]:
// for scripts. Exit 0 once every task got there, 5 when the time ran out,
// 1 when a task cannot get there any more (it ended, failed, has no check).
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/view_format.h"
#include "cli/wait.h"

namespace spmi {

namespace {

struct WaitOptions {
  Selection sel;
  std::string target = "running";
  std::string timeout = "30s";
  bool json = false;
};

int run_wait(Context& ctx, const WaitOptions& opts) {
  WaitTarget target;
  int64_t timeout_ms = 0;
  if (!parse_wait_options(opts.target, opts.timeout, &target, &timeout_ms)) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  std::vector<TaskWait> waits;
  int waited = ids.empty() ? kExitOk : wait_for_tasks(ctx, ids, target, timeout_ms, opts.json ? &waits : nullptr);
  int exit_code = waited != kExitOk ? waited : combine_exit(false, unmatched);
  if (opts.json) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& w : waits) {
      nlohmann::json t = wait_to_json(w);
      t["id"] = w.id;
      tasks.push_back(std::move(t));
    }
    print_json({{"schema", kJsonSchemaVersion},
                {"for", wait_target_name(target)},
                {"exit_code", exit_code},
                {"ok", exit_code == kExitOk},
                {"tasks", tasks}});
  }
  return exit_code;
}

}  // namespace

Command add_wait_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<WaitOptions>();
  CLI::App* sub = app.add_subcommand("wait", "Wait until tasks are running, ready, healthy or exited");
  add_selection_options(sub, opts->sel);
  add_wait_options(sub, opts->target, opts->timeout);
  sub->add_flag("--json", opts->json, "Print what each task reached as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_wait(ctx, *opts); }};
}

}  // namespace spmi
