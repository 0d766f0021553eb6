// spmi load <paths>... [--replace]: validate descriptors and store their tasks.
//
// All files are read and validated first; any problem in any file (or an id
// defined twice, or an id already loaded without --replace, or an active task
// to replace) means nothing is written. Each task directory is then created
// atomically.
#include <map>

#include "cli/commands.h"
#include "cli/deps.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

struct Options {
  std::vector<std::string> paths;
  bool replace = false;
};

struct Loaded {
  TaskSpec spec;
  std::string path;
  std::string text;
  std::string format;
};

int run_load(Context& ctx, const Options& opts) {
  std::vector<Loaded> loaded;
  std::vector<Diagnostic> diags;
  std::map<std::string, std::string> first_file;  // id -> file that defines it
  size_t bad_files = 0;
  for (const auto& path : opts.paths) {
    Document doc;
    std::vector<TaskSpec> specs;
    size_t before = diags.size();
    if (!load_descriptor(path, &doc, &specs, &diags)) {
      bad_files += diags.size() > before ? 1 : 0;
      continue;
    }
    for (auto& spec : specs) {
      auto [it, fresh] = first_file.emplace(spec.id, path);
      if (!fresh) {
        diags.push_back({path, {}, "task id '" + spec.id + "' is also defined in " + it->second});
        ++bad_files;
        continue;
      }
      loaded.push_back({std::move(spec), path, doc.text, doc.format});
    }
  }
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (!diags.empty()) {
    print_error("nothing loaded: " + std::to_string(diags.size()) + " problem(s) in " + std::to_string(bad_files) +
                " file(s)");
    return kExitFailure;
  }

  // Conflicts with what is already stored are checked before writing anything.
  bool conflict = false;
  {
    std::vector<TaskSpec> incoming;
    for (const auto& l : loaded) incoming.push_back(l.spec);
    for (const auto& p : new_dependency_problems(stored_specs(ctx.store), incoming)) {
      print_error(p);
      conflict = true;
    }
  }
  for (const auto& l : loaded) {
    if (!ctx.store.has_task(l.spec.id)) continue;
    if (!opts.replace) {
      print_error(l.path + ": task '" + l.spec.id + "' is already loaded (use --replace to update it)");
      conflict = true;
      continue;
    }
    TaskView v = inspect_task(ctx.store, l.spec.id);
    if (v.condition == TaskCondition::Active || v.has_leftovers()) {
      print_error(l.path + ": task '" + l.spec.id + "' is active; stop it before replacing it");
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
  bool failed = false;
  for (const auto& l : loaded) {
    bool ok;
    if (ctx.store.has_task(l.spec.id)) {
      Fd lock = ctx.store.lock_task(l.spec.id, kTaskLockWaitMs, &err);
      ok = lock.valid();
      if (ok) {
        TaskView v = inspect_task(ctx.store, l.spec.id);
        if (v.condition == TaskCondition::Active) {
          err = "task '" + l.spec.id + "' became active; not replaced";
          ok = false;
        } else {
          ok = ctx.store.replace_task(l.spec, l.text, l.format, &err);
        }
      }
    } else {
      ok = ctx.store.create_task(l.spec, l.text, l.format, &err);
    }
    if (ok) {
      std::printf("loaded %s (%s)\n", l.spec.id.c_str(), l.path.c_str());
    } else {
      print_error(l.spec.id + ": " + err);
      failed = true;
    }
  }
  return failed ? kExitFailure : kExitOk;
}

}  // namespace

Command add_load_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("load", "Validate descriptor files and load their tasks");
  sub->add_option("paths", opts->paths, "Descriptor files (.toml, .yaml, .yml, .json)")->required();
  sub->add_flag("--replace", opts->replace, "Update tasks that are already loaded (they must be inactive)");
  return {sub, [&ctx, opts] { return run_load(ctx, *opts); }};
}

}  // namespace spmi
