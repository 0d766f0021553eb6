// Restarting a task (restart.h).
#include "lifecycle/restart.h"

#include "backends/backend.h"
#include "common/duration.h"
#include "lifecycle/await_wrapper.h"
#include "lifecycle/end.h"
#include "lifecycle/start.h"
#include "store/control.h"
#include "store/task_view.h"

namespace spmi {

namespace {

// Restarts an active task through its wrapper; reports the outcome.
bool restart_in_place(const Session& s, const TaskView& v) {
  std::string err;
  if (!request_wrapper(wrapper_backend(s, v), v, ControlRequest::Restart, &err)) {
    s.report.problem(v.id + ": " + err);
    return false;
  }
  // Wait for the wrapper to record the new run (bounded by the stop timeout):
  // a restart, or (a scheduled task waiting for its fire) a run now.
  TaskState st;
  int64_t took = 0;
  auto new_run = [&v](const TaskState& t) {
    return (t.restarts > v.state.restarts || t.runs > v.state.runs) && t.phase != Phase::Starting &&
           t.phase != Phase::Stopping && t.phase != Phase::Killing;
  };
  if (!await_wrapper(s, v, "restart", v.spec.stop_budget_ms() + 10000, new_run, &st, &took)) return false;
  if (st.phase == Phase::Running || st.phase == Phase::Draining || st.phase == Phase::Scheduled) {
    s.report.done("restarted " + v.id + " (pid " + std::to_string(st.pid) + ", " + format_duration_ms(took) + ")");
    return true;
  }
  s.report.problem(v.id + ": stopped, but the new run is " + phase_name(st.phase) +
                   (st.error.empty() ? "" : ": " + st.error));
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
    // No wrapper to ask (a queued Slurm job): end it, then start it again.
    lock.reset();
    return end_in_dependency_order(s, {id}, false, false) && start_task(s, id);
  }
  return restart_in_place(s, v);
}

}  // namespace spmi
