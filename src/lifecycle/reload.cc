// Reloading a task (reload.h).
#include "lifecycle/reload.h"

#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"
#include "common/signals.h"
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
  const Backend* backend = v.has_state ? s.backend(v.state.backend) : nullptr;
  if (backend && !backend->restarts_in_place(v)) {
    s.report.problem(id + ": its wrapper is not running on this host (a queued or remote job); it cannot be reloaded from here");
    return false;
  }
  Phase phase = v.state.phase;
  if (phase == Phase::Starting || phase == Phase::Stopping || phase == Phase::Killing) {
    s.report.problem(id + ": is " + phase_name(phase) + "; not reloaded");
    return false;
  }
  std::string err;
  if (!send_control(v.dir, ControlRequest::Reload, &err)) {
    s.report.problem(id + ": " + err);
    return false;
  }
  // The wrapper counts the reload once it is done (a reload_command is
  // bounded by stop_timeout).
  int64_t t0 = monotonic_ms(), deadline = t0 + v.spec.stop_timeout_ms + 10000;
  std::string lock_path = s.store.task_file(id, task_files::kLock);
  while (monotonic_ms() < deadline) {
    TaskState st;
    bool present = false;
    if (s.store.read_state(id, &st, &present, &err) && present && st.run_id == v.state.run_id &&
        st.reloads > v.state.reloads) {
      if (!st.reload_error.empty()) {
        s.report.problem(id + ": reload failed: " + st.reload_error);
        return false;
      }
      const ControlCommands& c = v.spec.control;
      bool running = st.phase == Phase::Running || st.phase == Phase::Draining;
      std::string how = !running ? "settings only; the task is " + std::string(phase_name(st.phase))
                        : c.reload.set() ? "reload_command succeeded"
                        : c.reload_signal > 0 ? signal_name(c.reload_signal) + " to pid " + std::to_string(st.pid)
                                              : "settings only; no reload_signal or reload_command";
      s.report.done("reloaded " + id + " (" + how + ")");
      return true;
    }
    if (probe_lock_file(lock_path) != LockProbe::Held) {
      s.report.problem(id + ": its wrapper ended during the reload (see " + v.dir + "/wrapper.log)");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.report.problem(id + ": the reload did not finish within " + format_duration_ms(deadline - t0));
  return false;
}

}  // namespace spmi
