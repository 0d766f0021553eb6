// spmi start <patterns>...: start inactive tasks through their backends
// (lifecycle/start.h), with what they depend on unless --no-deps, then
// optionally wait until they are ready.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/results.h"
#include "cli/wait.h"
#include "lifecycle/start.h"

namespace spmi {

namespace {

struct StartOptions {
  Selection sel;
  bool no_deps = false;
  bool json = false;
  WaitAfterStart wait;
};

int run_start(Context& ctx, StartOptions& opts) {
  if (!opts.wait.parse()) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  std::vector<std::string> started;
  JsonResults results(ctx, "start");
  Session session = opts.json ? results.session() : ctx.session();
  if (opts.no_deps) {
    std::vector<bool> ok = start_tasks(session, ids);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ok[i]) started.push_back(ids[i]);
      else failed = true;
    }
  } else {
    failed = !start_with_dependencies(session, ids, &started);
  }
  int exit_code = opts.wait.finish(ctx, started, failed, combine_exit(failed, unmatched), opts.json ? &results : nullptr);
  if (opts.json) results.print(ids, exit_code);
  return exit_code;
}

}  // namespace

Command add_start_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<StartOptions>();
  CLI::App* sub = app.add_subcommand("start", "Start inactive tasks");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Start only the given tasks, not what they depend on");
  opts->wait.add_options(sub, "the started tasks are ready");
  sub->add_flag("--json", opts->json, "Print the outcome for each task as JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_start(ctx, *opts); }};
}

}  // namespace spmi
