// Reloading a task (reload.h).
#include "lifecycle/reload.h"

#include "backends/backend.h"
#include "common/signals.h"
#include "lifecycle/await_wrapper.h"
#include "store/control.h"
#include "store/task_view.h"

namespace spmi {

bool reload_task(const Session& s, const std::string& id) {
  TaskView v;
  Fd lock = lock_for_change(s, id, &v);
  if (!lock.valid()) return false;
  if (v.condition != TaskCondition::Active) {
    s.report.problem(id + ": not running; nothing to reload (start it with 'spmi start " + id + "')");
    return false;
  }
  if (v.queued()) {
    s.report.problem(id + ": queued as Slurm job " + v.state.backend_id + "; nothing runs yet to reload");
    return false;
  }
  Phase phase = v.state.phase;
  if (phase == Phase::Starting || phase == Phase::Stopping || phase == Phase::Killing) {
    s.report.problem(id + ": is " + phase_name(phase) + "; not reloaded");
    return false;
  }
  std::string err;
  if (!request_wrapper(wrapper_backend(s, v), v, ControlRequest::Reload, &err)) {
    s.report.problem(id + ": " + err);
    return false;
  }
  // The wrapper counts the reload once it is done (a reload_command is
  // bounded by stop_timeout).
  TaskState st;
  int64_t took = 0;
  auto counted = [&v](const TaskState& t) { return t.run_id == v.state.run_id && t.reloads > v.state.reloads; };
  if (!await_wrapper(s, v, "reload", v.spec.stop_timeout_ms + 10000, counted, &st, &took)) return false;
  if (!st.reload_error.empty()) {
    s.report.problem(id + ": reload failed: " + st.reload_error);
    return false;
  }
  const ControlCommands& c = v.spec.control;
  bool running = st.phase == Phase::Running || st.phase == Phase::Draining;
  std::string how = !running            ? "settings only; the task is " + std::string(phase_name(st.phase))
                    : c.reload.set()    ? "reload_command succeeded"
                    : c.reload_signal > 0 ? signal_name(c.reload_signal) + " to pid " + std::to_string(st.pid)
                                          : "settings only; no reload_signal or reload_command";
  s.report.done("reloaded " + id + " (" + how + ")");
  return true;
}

}  // namespace spmi
