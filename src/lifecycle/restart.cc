// Restarting a task (restart.h).
#include "lifecycle/restart.h"

#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"
#include "lifecycle/end.h"
#include "lifecycle/start.h"
#include "store/control.h"
#include "store/task_view.h"

namespace spmi {

namespace {

// Restarts an active task through its wrapper; reports the outcome.
bool restart_in_place(const Session& s, const TaskView& v) {
  std::string err;
  if (!send_control(v.dir, ControlRequest::Restart, &err)) {
    s.report.problem(v.id + ": " + err);
    return false;
  }
  // Wait for the wrapper to record the new run (bounded by the stop timeout).
  int64_t t0 = monotonic_ms(), deadline = t0 + v.spec.stop_budget_ms() + 10000;
  std::string lock = s.store.task_file(v.id, task_files::kLock);
  while (monotonic_ms() < deadline) {
    TaskState st;
    bool present = false;
    // A new run: a restart, or (a scheduled task waiting for its fire) a run now.
    if (s.store.read_state(v.id, &st, &present, &err) && present &&
        (st.restarts > v.state.restarts || st.runs > v.state.runs) && st.phase != Phase::Starting &&
        st.phase != Phase::Stopping && st.phase != Phase::Killing) {
      if (st.phase == Phase::Running || st.phase == Phase::Draining || st.phase == Phase::Scheduled) {
        s.report.done("restarted " + v.id + " (pid " + std::to_string(st.pid) + ", " +
                      format_duration_ms(monotonic_ms() - t0) + ")");
        return true;
      }
      s.report.problem(v.id + ": stopped, but the new run is " + phase_name(st.phase) +
                  (st.error.empty() ? "" : ": " + st.error));
      return false;
    }
    if (probe_lock_file(lock) != LockProbe::Held) {
      s.report.problem(v.id + ": its wrapper ended during the restart (see " + v.dir + "/wrapper.log)");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  s.report.problem(v.id + ": the restart did not finish within " + format_duration_ms(deadline - t0));
  return false;
}

}  // namespace

bool restart_task(const Session& s, const std::string& id) {
  TaskView v;
  Fd lock = lock_for_change(s, id, &v);
  if (!lock.valid()) return false;
  if (v.condition != TaskCondition::Active) {
    lock.reset();
    return start_task(s, id);
  }
  const Backend* backend = v.has_state ? s.backend(v.state.backend) : nullptr;
  if (backend && !backend->restarts_in_place(v)) {
    // No wrapper here to ask (queued, or on another node): end it, then
    // start it again.
    lock.reset();
    return end_in_dependency_order(s, {id}, false, false) && start_task(s, id);
  }
  return restart_in_place(s, v);
}

}  // namespace spmi
