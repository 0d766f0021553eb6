// spmi start <patterns>...: start inactive tasks through their backends.
//
// Each start holds the task's cli.lock until the wrapper has reported, so
// concurrent starts of one task start exactly one instance; the wrapper's
// own lock refuses a second wrapper even without spmi's lock.
#include "backends/registry.h"
#include "cli/commands.h"
#include "cli/deps.h"
#include "cli/view_format.h"
#include "common/clock.h"
#include "common/duration.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

namespace spmi {

namespace {

struct Options {
  Selection sel;
  bool no_deps = false;
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

// A task's start_when as a wait condition ("started" is "running").
WaitTarget target_of(const std::string& start_when) {
  WaitTarget t = WaitTarget::Running;
  wait_target_from_name(start_when == "started" ? "running" : start_when, &t);
  return t;
}

}  // namespace

// Starts `selected` and everything they depend on, dependencies first: a
// task starts as soon as all its dependencies are started, ready or healthy
// (its start_when), so independent branches come up in parallel. A
// dependency that fails, or does not get there within the dependent's
// start_timeout, fails the dependent with a message naming it.
bool start_with_dependencies(Context& ctx, const std::vector<std::string>& selected,
                             std::vector<std::string>* started) {
  TaskSpecs all = stored_specs(ctx.store);
  std::vector<std::string> plan = with_dependencies(all, selected);
  enum State { Pending, Up, Failed };
  std::map<std::string, State> state;
  std::map<std::string, int64_t> waiting_since;
  for (const auto& id : plan) {
    state[id] = Pending;
    bool is_selected = std::find(selected.begin(), selected.end(), id) != selected.end();
    if (!is_selected && inspect_task(ctx.store, id, false).condition == TaskCondition::Active) state[id] = Up;
  }
  bool failed = false;
  auto fail = [&](const std::string& id, const std::string& why) {
    state[id] = Failed;
    failed = true;
    print_error(id + ": not started: " + why);
  };
  for (;;) {
    bool pending = false, progress = false;
    for (const auto& id : plan) {
      if (state[id] != Pending) continue;
      auto spec = all.find(id);
      if (spec == all.end()) {
        fail(id, "it is not loaded");
        continue;
      }
      WaitTarget target = target_of(spec->second.start_when);
      bool ready = true, all_up = true, broken = false;
      std::string blocker, blocker_why;
      for (const auto& d : spec->second.depends_on) {
        if (!state.count(d) || state[d] == Failed) {
          fail(id, "its dependency '" + d + "' " + (state.count(d) ? "failed" : "is not loaded"));
          broken = true;
          break;
        }
        if (state[d] == Pending) {
          ready = all_up = false;
          continue;
        }
        std::string why;
        WaitOutcome o = assess_task(inspect_task(ctx.store, d, false), target, &why);
        if (o == WaitOutcome::Impossible) {
          fail(id, "its dependency '" + d + "' will not become " + wait_target_name(target) + ": " + why);
          broken = true;
          break;
        }
        if (o == WaitOutcome::Waiting) {
          ready = false;
          blocker = d;
          blocker_why = why;
        }
      }
      if (broken) {
        progress = true;
        continue;
      }
      if (ready) {
        progress = true;
        if (start_task(ctx, id)) {
          state[id] = Up;
          started->push_back(id);
        } else {
          state[id] = Failed;
          failed = true;
        }
        std::fflush(stdout);
        continue;
      }
      pending = true;
      if (!all_up) continue;
      // Every dependency runs; wait for the condition, within the timeout.
      int64_t now = monotonic_ms();
      auto [it, fresh] = waiting_since.emplace(id, now);
      if (fresh) print_debug(ctx, id + ": waiting for '" + blocker + "' to be " + wait_target_name(target));
      if (now - it->second > spec->second.start_timeout_ms) {
        fail(id, "its dependency '" + blocker + "' did not become " + wait_target_name(target) + " within " +
                     format_duration_ms(spec->second.start_timeout_ms) + " (" + blocker_why + ")");
        progress = true;
      }
    }
    if (!pending) return !failed;
    if (!progress) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

namespace {

int run_start(Context& ctx, const Options& opts) {
  WaitTarget target = WaitTarget::Ready;
  int64_t timeout_ms = 0;
  if (opts.wait && !parse_wait_options(opts.target, opts.timeout, &target, &timeout_ms)) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  std::vector<std::string> started;
  if (opts.no_deps) {
    for (const auto& id : ids) {
      if (start_task(ctx, id)) started.push_back(id);
      else failed = true;
    }
  } else {
    failed = !start_with_dependencies(ctx, ids, &started);
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
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Start only the given tasks, not what they depend on");
  CLI::Option* wait = sub->add_flag("--wait", opts->wait, "Then wait until the started tasks are ready (see --for, --timeout)");
  for (CLI::Option* o : add_wait_options(sub, opts->target, opts->timeout)) o->needs(wait);
  return {sub, [&ctx, opts] { return run_start(ctx, *opts); }};
}

}  // namespace spmi
