// spmi start <patterns>...: start inactive tasks through their backends.
//
// Each start holds the task's cli.lock until the wrapper has reported, so
// concurrent starts of one task start exactly one instance; the wrapper's
// own lock refuses a second wrapper even without spmi's lock.
#include "backends/registry.h"
#include "cli/commands.h"
#include "cli/view_format.h"

namespace spmi {

namespace {

struct Options {
  std::vector<std::string> patterns;
  bool wait = false;
  std::string target = "ready";
  std::string timeout = "30s";
};

}  // namespace

bool start_task(Context& ctx, const std::string& id) {
  TaskView v;
  Fd lock = lock_and_inspect(ctx, id, &v);
  if (!lock.valid()) return false;
  switch (v.condition) {
    case TaskCondition::Broken:
      print_error(id + ": " + v.error);
      return false;
    case TaskCondition::Active:
      print_error(id + ": already active (pid " + std::to_string(v.state.pid) + "); not started again");
      return false;
    case TaskCondition::WrapperLost:
      if (v.has_leftovers()) {
        print_error(v.leftovers_refusal());
        return false;
      }
      break;
    case TaskCondition::Inactive:
    case TaskCondition::FailedToStart:
    case TaskCondition::Failed:  // a user's start gives a fresh restart budget
      break;
  }
  const BackendType* type = find_backend_type(v.spec.backend);
  if (!type) {
    print_error(id + ": unknown backend type '" + v.spec.backend + "'");
    return false;
  }
  print_debug(ctx, id + ": starting through the " + v.spec.backend + " backend");
  StartResult r = type->make()->start(v.spec, v.dir);
  if (!r.ok) {
    print_error(id + ": failed to start: " + r.error);
    return false;
  }
  if (r.pid == 0 && !v.spec.schedule.cron.empty()) {
    TaskView after = inspect_task(ctx.store, id, false);
    std::printf("started %s (scheduled: %s)\n", id.c_str(), describe_next_fire(after.state).c_str());
  } else {
    std::printf("started %s (pid %d)\n", id.c_str(), static_cast<int>(r.pid));
  }
  return true;
}

namespace {

int run_start(Context& ctx, const Options& opts) {
  WaitTarget target = WaitTarget::Ready;
  int64_t timeout_ms = 0;
  if (opts.wait && !parse_wait_options(opts.target, opts.timeout, &target, &timeout_ms)) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.patterns, &ids, &unmatched, &code)) return code;
  bool failed = false;
  std::vector<std::string> started;
  for (const auto& id : ids) {
    if (start_task(ctx, id)) started.push_back(id);
    else failed = true;
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
  add_patterns_option(sub, opts->patterns);
  CLI::Option* wait = sub->add_flag("--wait", opts->wait, "Then wait until the started tasks are ready (see --for, --timeout)");
  for (CLI::Option* o : add_wait_options(sub, opts->target, opts->timeout)) o->needs(wait);
  return {sub, [&ctx, opts] { return run_start(ctx, *opts); }};
}

}  // namespace spmi
