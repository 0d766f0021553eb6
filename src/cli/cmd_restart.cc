// spmi restart <patterns>...: restart tasks in place.
//
// An active task's wrapper stops the whole tree (stop signal, SIGKILL at the
// stop timeout) and starts the command again; the wrapper, its lock and its
// window stay. A watchdog's restart budget starts afresh. An inactive task
// is simply started.
#include <chrono>
#include <thread>

#include "cli/commands.h"
#include "store/control.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
};

// Restarts an active task; prints the outcome. True on success.
bool restart_active(Context& ctx, const TaskView& v) {
  std::string err;
  if (!send_control(v.dir, ControlRequest::Restart, &err)) {
    print_error(v.id + ": " + err);
    return false;
  }
  // Wait for the wrapper to record the new run (bounded by the stop timeout).
  int64_t t0 = monotonic_ms(), deadline = t0 + v.spec.stop_timeout_ms + 10000;
  std::string lock = ctx.store.task_file(v.id, task_files::kLock);
  while (monotonic_ms() < deadline) {
    TaskState st;
    bool present = false;
    // A new run: a restart, or (a scheduled task waiting for its fire) a run now.
    if (ctx.store.read_state(v.id, &st, &present, &err) && present &&
        (st.restarts > v.state.restarts || st.runs > v.state.runs) && st.phase != Phase::Starting &&
        st.phase != Phase::Stopping && st.phase != Phase::Killing) {
      if (st.phase == Phase::Running || st.phase == Phase::Draining || st.phase == Phase::Scheduled) {
        std::printf("restarted %s (pid %d, %s)\n", v.id.c_str(), static_cast<int>(st.pid),
                    format_duration_ms(monotonic_ms() - t0).c_str());
        return true;
      }
      print_error(v.id + ": stopped, but the new run is " + phase_name(st.phase) +
                  (st.error.empty() ? "" : ": " + st.error));
      return false;
    }
    if (probe_lock_file(lock) != LockProbe::Held) {
      print_error(v.id + ": its wrapper ended during the restart (see " + v.dir + "/wrapper.log)");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  print_error(v.id + ": the restart did not finish within " + format_duration_ms(deadline - t0));
  return false;
}

int run_restart(Context& ctx, const Options& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  for (const auto& id : ids) {
    TaskView v;
    Fd lock = lock_and_inspect(ctx, id, &v);
    if (!lock.valid()) {
      failed = true;
      continue;
    }
    if (v.condition == TaskCondition::Active && v.state.backend == "slurm" && (v.queued() || v.remote)) {
      // The wrapper's control FIFO is on its node (or there is no wrapper
      // yet): end the job, then submit a new one.
      lock.reset();
      failed = !end_in_dependency_order(ctx, {id}, false, false) || !start_task(ctx, id) || failed;
      continue;
    }
    if (v.condition == TaskCondition::Active) {
      failed = !restart_active(ctx, v) || failed;
      continue;
    }
    lock.reset();
    failed = !start_task(ctx, id) || failed;
  }
  std::fflush(stdout);
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_restart_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("restart", "Restart tasks in place (inactive ones are started)");
  add_selection_options(sub, opts->sel);
  return {sub, [&ctx, opts] { return run_restart(ctx, *opts); }};
}

}  // namespace spmi
