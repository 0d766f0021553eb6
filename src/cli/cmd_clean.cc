// spmi clean <patterns>...: remove inactive tasks from the state directory.
#include "cli/commands.h"
#include "common/lock_file.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
};

int run_clean(Context& ctx, const Options& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  for (const auto& id : ids) {
    std::string err;
    TaskView v;
    Fd lock = lock_and_inspect(ctx, id, &v);
    if (!lock.valid()) {
      failed = true;
      continue;
    }
    bool wrapper_alive = probe_lock_file(ctx.store.task_file(id, task_files::kLock)) == LockProbe::Held;
    if (v.condition == TaskCondition::Active || wrapper_alive) {
      print_error(id + ": active; stop it before cleaning it");
      failed = true;
      continue;
    }
    if (v.has_leftovers()) {
      print_error(v.leftovers_refusal());
      failed = true;
      continue;
    }
    if (!ctx.store.remove_task(id, &err)) {
      print_error(id + ": " + err);
      failed = true;
      continue;
    }
    std::printf("cleaned %s\n", id.c_str());
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_clean_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("clean", "Remove inactive tasks from spmi (their logs too)");
  add_selection_options(sub, opts->sel);
  return {sub, [&ctx, opts] { return run_clean(ctx, *opts); }};
}

}  // namespace spmi
