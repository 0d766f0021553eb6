// spmi apply <files>... [--dry-run] [--prune] [--adopt] [--json]: make the
// loaded tasks what the files say.
//
// Every file is read and checked first (as by load, plus the dependency graph
// as it will be); any problem means nothing changes. Then: new tasks are
// loaded (not started); changed tasks get the new definition, and the ones
// running are stopped (dependents first) and started again (dependencies
// first), unless only metadata (comment, tags) changed: then the definition
// is written and the task runs on; or only reloadable keys (stop_timeout,
// restart policy, ... apply_plan.h) besides metadata: then it is written
// and the task reloaded (lifecycle/reload.h); unchanged tasks are left alone. A task
// id that another file or project owns is refused unless --adopt; with --prune, tasks that came from
// these files (same file or same project) and are no longer in them are
// stopped and removed. --dry-run prints the plan and changes nothing.
#include <algorithm>

#include <CLI/CLI.hpp>

#include "lifecycle/apply_plan.h"
#include "cli/commands.h"
#include "cli/results.h"
#include "lifecycle/apply.h"
#include "cli/descriptor_files.h"
#include "cli/view_format.h"
#include "common/names.h"

namespace spmi {

namespace {

struct ApplyOptions {
  std::vector<std::string> paths;
  bool dry_run = false;
  bool prune = false;
  bool json = false;
  bool adopt = false;
};

void print_plan(const ApplyPlan& plan, bool dry_run) {
  std::printf("%s\n", dry_run ? "plan (dry run: nothing is changed):" : "plan:");
  for (const auto& id : plan.added)
    std::printf("  + %s (%s)\n", id.c_str(), contains(plan.scale_up, id) ? "new instance; started with its group" : "new; load only");
  for (const auto& c : plan.changed)
    std::printf("  ~ %s: %s (%s)\n", c.id.c_str(), join(c.keys).c_str(),
                c.restart  ? "running: restart"
                : c.reload ? "running: reload, no restart (reloadable keys)"
                : c.running ? "running: update, no restart (metadata only)"
                            : "inactive: update");
  for (const auto& r : plan.removed)
    std::printf("  - %s (%s)\n", r.id.c_str(), r.running ? "running: stop, then remove" : "remove");
  for (const auto& id : plan.unchanged) std::printf("  = %s (unchanged)\n", id.c_str());
  for (const auto& id : plan.not_in_files) std::printf("  ? %s (no longer in the files; kept, --prune removes it)\n", id.c_str());
  if (!plan.stop_order.empty()) std::printf("stop order: %s\n", join(plan.stop_order, " -> ").c_str());
  if (!plan.restart_order.empty()) std::printf("restart order: %s\n", join(plan.restart_order, " -> ").c_str());
  if (plan.added.empty() && plan.changed.empty() && plan.removed.empty()) std::printf("nothing to do\n");
}

nlohmann::json plan_json(const ApplyPlan& plan, bool dry_run) {
  nlohmann::json changed = nlohmann::json::array(), removed = nlohmann::json::array();
  for (const auto& c : plan.changed)
    changed.push_back({{"id", c.id}, {"keys", c.keys}, {"running", c.running}, {"restart", c.restart}, {"reload", c.reload}});
  for (const auto& r : plan.removed) removed.push_back({{"id", r.id}, {"running", r.running}});
  return {{"schema", kJsonSchemaVersion},   {"dry_run", dry_run},
          {"added", plan.added},            {"changed", changed},
          {"removed", removed},             {"unchanged", plan.unchanged},
          {"not_in_files", plan.not_in_files}, {"stop_order", plan.stop_order},
          {"restart_order", plan.restart_order}, {"scale_up", plan.scale_up}};
}

int run_apply(Context& ctx, const ApplyOptions& opts) {
  std::vector<LoadedTask> loaded;
  if (!read_task_files(opts.paths, &loaded, "nothing applied", ctx.store.root())) return kExitFailure;
  std::vector<TaskSpec> incoming;
  // Every valid file defines a task, so the tasks' sources (absolute paths)
  // are the files.
  std::vector<std::string> sources, projects;
  auto add_once = [](std::vector<std::string>& list, const std::string& name) {
    if (!name.empty() && std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
  };
  for (const auto& l : loaded) {
    incoming.push_back(l.spec);
    add_once(sources, l.spec.source);
    add_once(projects, l.spec.project);
  }
  TaskSpecs stored = stored_specs(ctx.store);
  ApplyPlan plan = plan_apply(
      stored, incoming, sources, projects, opts.prune,
      [&](const std::string& id) { return inspect_task(ctx.store, id, false).condition == TaskCondition::Active; },
      opts.adopt);
  // Task ids are global: a file does not silently take another's task.
  if (!plan.conflicts.empty()) {
    for (const auto& c : plan.conflicts) {
      std::string path;
      for (const auto& l : loaded)
        if (l.spec.id == c.id) path = l.path;
      print_error(path + ": task '" + c.id + "' belongs to " + c.owner +
                  "; rename it, or use --adopt to move it to this file");
    }
    print_error("nothing applied");
    return kExitFailure;
  }

  // The graph as it will be must hold together before anything changes.
  std::vector<std::string> removed;
  for (const auto& r : plan.removed) removed.push_back(r.id);
  std::vector<std::string> problems = new_dependency_problems(stored, incoming, removed);
  if (!problems.empty()) {
    for (const auto& p : problems) print_error(p);
    if (!removed.empty()) print_error("(--prune would remove: " + join(removed) + ")");
    print_error("nothing applied");
    return kExitFailure;
  }
  if (opts.dry_run) {
    if (opts.json) print_json(plan_json(plan, true));
    else if (!ctx.quiet) print_plan(plan, true);
    return kExitOk;
  }
  if (!opts.json && !ctx.quiet) print_plan(plan, false);
  std::fflush(stdout);

  std::string err;
  if (!ctx.store.ensure_root(&err)) {
    print_error(err);
    return kExitSystem;
  }
  // With --json, stdout carries one document: the plan and each task's outcome.
  JsonResults results(ctx, "apply");
  StoreWrite worst = StoreWrite::Done;
  bool ok = carry_out_apply(opts.json ? results.session() : ctx.session(), plan, loaded, stored, &worst);
  std::fflush(stdout);
  int exit_code = worst != StoreWrite::Done ? store_exit_code(worst)  // 4 when the system refused a write
                  : ok                      ? kExitOk
                                            : kExitFailure;
  if (opts.json) {
    std::vector<std::string> touched = plan.added;
    for (const auto& c : plan.changed) touched.push_back(c.id);
    for (const auto& r : plan.removed) touched.push_back(r.id);
    results.print(touched, exit_code, plan_json(plan, false));
  }
  return exit_code;
}

}  // namespace

Command add_apply_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ApplyOptions>();
  CLI::App* sub = app.add_subcommand("apply", "Load new tasks, update changed ones and restart those running");
  sub->add_option("paths", opts->paths, "Descriptor files (.toml, .yaml, .yml, .json)")->required();
  sub->add_flag("--dry-run", opts->dry_run, "Print the plan and change nothing");
  sub->add_flag("--prune", opts->prune, "Remove tasks of these files or projects that the files no longer define");
  sub->add_flag("--json", opts->json, "Print the plan and each task's outcome as one JSON document");
  sub->add_flag("--adopt", opts->adopt,
                "Move tasks that another file or project owns to these files (ids are global; refused otherwise)");
  return {sub, [&ctx, opts] { return run_apply(ctx, *opts); }};
}

}  // namespace spmi
