// spmi clean <patterns>...: remove inactive tasks from the state directory.
#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "lifecycle/end.h"
#include "lifecycle/deps.h"
#include "common/lock_file.h"
#include "common/names.h"

namespace spmi {

namespace {

struct CleanOptions {
  Selection sel;
};

int run_clean(Context& ctx, const CleanOptions& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  ctx.store.collect_abandoned();  // what killed loads and cleans left behind
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  // Dependents first, so that cleaning a task with what it depends on works;
  // a task that something left loaded depends on is refused.
  TaskSpecs all = stored_specs(ctx.store);
  std::vector<std::string> order;
  for (const auto& wave : dependents_first_waves(all, ids)) order.insert(order.end(), wave.begin(), wave.end());
  // Who depends on each task, in id order (one pass: cleaning 10,000 tasks
  // must not look at every spec for each of them).
  std::map<std::string_view, std::vector<std::string_view>> needed_by;
  for (const auto& [other, spec] : all)
    for (std::string_view d : std::set<std::string_view>(spec.depends_on.begin(), spec.depends_on.end()))
      needed_by[d].push_back(other);
  bool failed = false;
  for (const auto& id : order) {
    std::vector<std::string> dependents;
    if (auto it = needed_by.find(id); it != needed_by.end())
      for (std::string_view other : it->second)
        if (ctx.store.has_task(std::string(other))) dependents.emplace_back(other);
    if (!dependents.empty()) {
      print_error(id + ": not cleaned: " + join_quoted(dependents) + " depend" + (dependents.size() == 1 ? "s" : "") +
                  " on it (clean " +
                  (dependents.size() == 1 ? "it" : "them") + " too, or change " + (dependents.size() == 1 ? "its" : "their") + " depends_on)");
      failed = true;
      continue;
    }
    if (remove_inactive_task(ctx.session(), id, "stop it before cleaning it")) ctx.reporter.done("cleaned " + id);
    else failed = true;
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_clean_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CleanOptions>();
  CLI::App* sub = app.add_subcommand("clean", "Remove inactive tasks from spmi (their logs too)");
  add_selection_options(sub, opts->sel);
  return {sub, [&ctx, opts] { return run_clean(ctx, *opts); }};
}

}  // namespace spmi
