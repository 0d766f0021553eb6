// Where a task stands with respect to a condition a caller waits for
// (running, ready, healthy, exited): used by `spmi wait`, `start --wait` and
// dependency waves (a task's start_when). A pure function of a task view.
#include "store/wait_target.h"

#include "common/names.h"
#include "common/signals.h"

namespace spmi {

namespace {

constexpr NameTable<WaitTarget, 4> kTargets{{{
    {WaitTarget::Running, "running"},
    {WaitTarget::Ready, "ready"},
    {WaitTarget::Healthy, "healthy"},
    {WaitTarget::Exited, "exited"},
}}};

}  // namespace

WaitOutcome assess_task(const TaskView& v, WaitTarget target, std::string* why) {
  const TaskState& st = v.state;
  const bool active = v.condition == TaskCondition::Active;
  const bool running = active && (st.phase == Phase::Running || st.phase == Phase::Draining);
  if (v.condition == TaskCondition::Broken) {
    *why = v.error;
    return WaitOutcome::Impossible;
  }
  if (target == WaitTarget::Exited) {
    *why = active ? std::string("still active (") + phase_name(st.phase) + ")" : "";
    return active ? WaitOutcome::Waiting : WaitOutcome::Reached;
  }
  if (target == WaitTarget::Healthy && v.spec.health.type == HealthType::None) {
    *why = "it has no health check (task.wrapper.health)";
    return WaitOutcome::Impossible;
  }
  if (!active) {
    // How the last run ended, in the words a run that ended under our eyes gets.
    std::string how = !v.has_state || !st.main_exited ? ""
                      : st.exit_signal              ? ", killed by " + signal_name(st.exit_signal)
                                                    : ", exit code " + std::to_string(st.exit_code);
    *why = std::string("it is ") + condition_name(v.condition) +
           (v.has_state ? std::string(" (") + phase_name(st.phase) + how + ")" : std::string(" (never started)"));
    return WaitOutcome::Impossible;
  }
  // A scheduled task is running and ready once its schedule is armed: its
  // runs come and go by themselves.
  const bool armed = st.phase == Phase::Scheduled;
  bool reached = target == WaitTarget::Running   ? running || armed
                 : target == WaitTarget::Ready   ? (running && st.ready) || armed
                                                 : running && st.health == HealthStatus::Healthy;
  if (reached) return WaitOutcome::Reached;
  *why = std::string("now ") + phase_name(st.phase);
  if (!v.backend_status.empty()) *why += ": " + v.backend_status;
  if (running && st.health != HealthStatus::None) *why += ", " + std::string(health_status_name(st.health));
  if (running && target == WaitTarget::Ready && !st.ready) *why += ", not ready";
  return WaitOutcome::Waiting;
}


const char* wait_target_name(WaitTarget t) { return kTargets.name(t); }
bool wait_target_from_name(const std::string& name, WaitTarget* out) { return kTargets.parse(name, out); }

}  // namespace spmi
