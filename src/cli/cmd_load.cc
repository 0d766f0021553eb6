// spmi load <paths>... [--replace]: validate descriptors and store their tasks.
//
// All files are read and validated first; any problem in any file (or an id
// defined twice, or an id already loaded without --replace, an id another
// file or project owns without --adopt, or an active task to replace) means
// nothing is written. Each task directory is then created
// atomically.
#include <algorithm>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "lifecycle/deps.h"
#include "cli/descriptor_files.h"
#include "lifecycle/apply_plan.h"

namespace spmi {

namespace {

struct LoadOptions {
  std::vector<std::string> paths;
  bool replace = false;
  bool adopt = false;
};

int run_load(Context& ctx, const LoadOptions& opts) {
  std::vector<LoadedTask> loaded;
  if (!read_task_files(opts.paths, &loaded, "nothing loaded", ctx.store.root())) return kExitFailure;

  // Conflicts with what is already stored are checked before writing anything.
  bool conflict = false;
  const TaskSpecs stored = stored_specs(ctx.store);
  {
    std::vector<TaskSpec> incoming;
    for (const auto& l : loaded) incoming.push_back(l.spec);
    for (const auto& p : new_dependency_problems(stored, incoming)) {
      print_error(p);
      conflict = true;
    }
  }
  for (const auto& l : loaded) {
    auto it = stored.find(l.spec.id);
    if (it == stored.end()) {
      if (ctx.store.has_task(l.spec.id)) {  // there, but its spec cannot be read
        print_error(l.path + ": task '" + l.spec.id + "' is already loaded ('spmi status " + l.spec.id + "' says more)");
        conflict = true;
      }
      continue;
    }
    const std::string owner = owner_of(it->second);
    if (!opts.replace) {
      print_error(l.path + ": task '" + l.spec.id + "' is already loaded from " + owner +
                  " (--replace updates it; 'spmi apply' also restarts it if it runs)");
      conflict = true;
      continue;
    }
    if (owned_elsewhere(it->second, l.spec) && !opts.adopt) {
      print_error(l.path + ": task '" + l.spec.id + "' belongs to " + owner +
                  "; rename it, or add --adopt to move it to this file");
      conflict = true;
      continue;
    }
    TaskView v = inspect_task(ctx.store, l.spec.id);
    if (v.condition == TaskCondition::Active || v.has_leftovers()) {
      print_error(l.path + ": task '" + l.spec.id + "' is active; stop it first, or use 'spmi apply " + l.path +
                  "', which restarts it with the new definition");
      conflict = true;
    }
  }
  if (conflict) {
    print_error("nothing loaded");
    return kExitFailure;
  }

  std::string err;
  if (!ctx.store.ensure_root(&err)) {
    print_error(err);
    return kExitSystem;
  }
  int code = kExitOk;
  std::vector<const LoadedTask*> tasks;
  for (const auto& l : loaded) tasks.push_back(&l);
  std::vector<StoreResult> results = store_tasks(ctx.store, tasks, std::vector<bool>(tasks.size(), false));
  for (size_t i = 0; i < loaded.size(); ++i) {
    const LoadedTask& l = loaded[i];
    if (results[i].write == StoreWrite::Done) ctx.reporter.done("loaded " + l.spec.id + " (" + l.path + ")");
    else print_error(l.spec.id + ": " + results[i].err);
    code = std::max(code, store_exit_code(results[i].write));  // 4 (the system refused) outranks 1
  }
  return code;
}

}  // namespace

Command add_load_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<LoadOptions>();
  CLI::App* sub = app.add_subcommand("load", "Validate descriptor files and load their tasks");
  sub->add_option("paths", opts->paths, "Descriptor files (.toml, .yaml, .yml, .json)")->required();
  sub->add_flag("--replace", opts->replace, "Update tasks that are already loaded (they must be inactive)");
  sub->add_flag("--adopt", opts->adopt, "With --replace: also take tasks that another file or project owns")
      ->needs(sub->get_option("--replace"));
  return {sub, [&ctx, opts] { return run_load(ctx, *opts); }};
}

}  // namespace spmi
