// The watchdog's on_event hook (watchdog_features.h): runs the hook's command
// for the events it names, one run at a time, as a clone child with a
// timeout (like a health check: it never blocks the loop and never counts as
// the task's), with the task's user, directory, limits and environment plus
// the event's SPMI_* variables. Its output goes to wrapper.log; a run that
// fails or times out is recorded as an "on-event-failed" event.
#include <poll.h>

#include <algorithm>

#include "common/clock.h"
#include "common/duration.h"
#include "common/signals.h"
#include "wrappers/helper_env.h"
#include "wrappers/watchdog_features.h"
#include "wrappers/wrapper.h"

namespace spmi {

namespace {

constexpr size_t kMaxHookQueue = 16;

}  // namespace

void WatchdogFeatures::event_recorded(const EventRecord& r) {
  const EventHookSettings& h = w_->spec().on_event;
  if (!h.enabled() || r.event.rfind("on-event", 0) == 0) return;  // never a hook for the hook's own events
  if (std::find(h.events.begin(), h.events.end(), r.event) == h.events.end()) return;
  if (hook_queue_.size() >= kMaxHookQueue) {
    w_->log("on_event: the hook is still busy; dropped its run for '" + hook_queue_.front().event + "'");
    hook_queue_.pop_front();
  }
  hook_queue_.push_back(r);
  if (!hook_.running()) start_hook();
}

void WatchdogFeatures::start_hook() {
  const TaskSpec& spec = w_->spec();
  while (!hook_queue_.empty() && !hook_.running()) {
    EventRecord r = hook_queue_.front();
    hook_queue_.pop_front();
    // The task's environment (as its last run got it) and the event.
    HelperEnv env = w_->helper_env();
    env.set("SPMI_TASK_ID", spec.id);
    env.set("SPMI_RUN_ID", w_->state().run_id);
    env.set("SPMI_EVENT", r.event);
    env.set("SPMI_EVENT_TIME", format_rfc3339_utc(r.time_ms));
    env.set("SPMI_FROM", phase_name(r.from));
    env.set("SPMI_TO", phase_name(r.to));
    env.set("SPMI_REASON", r.reason);
    env.set("SPMI_PID", r.pid > 0 ? std::to_string(r.pid) : "");
    env.set("SPMI_EXIT_CODE", r.exited && !r.exit_signal ? std::to_string(r.exit_code) : "");
    env.set("SPMI_SIGNAL", r.exited && r.exit_signal ? signal_name(r.exit_signal) : "");
    env.set("SPMI_RESTARTS", std::to_string(r.restarts));
    std::string err;
    if (!w_->start_helper(&hook_, HelperCommand{spec.on_event.shell_command, spec.on_event.argv},
                          spec.on_event.timeout_ms, env, &err)) {
      w_->log("on_event: cannot run the hook for '" + r.event + "': " + err);
      w_->note_event("on-event-failed", "the hook for '" + r.event + "' could not run: " + err);
      continue;
    }
    hook_event_ = r.event;
  }
}

void WatchdogFeatures::finish_hook(bool timed_out) {
  std::string detail;
  bool ok = false;
  if (timed_out) {
    hook_.cancel();
    detail = "timed out after " + format_duration_ms(w_->spec().on_event.timeout_ms) + " (killed)";
  } else {
    ok = hook_.finish(&detail);
  }
  // Its output, line by line (the last 1 KiB of it).
  std::string out = hook_.output();
  for (size_t at = 0; at < out.size();) {
    size_t nl = out.find('\n', at);
    if (nl == std::string::npos) nl = out.size();
    if (nl > at) w_->log("on_event hook (" + hook_event_ + "): " + out.substr(at, nl - at));
    at = nl + 1;
  }
  w_->log("on_event hook (" + hook_event_ + ") ended: " + (ok ? "exit code 0" : detail));
  if (!ok) w_->note_event("on-event-failed", "the hook for '" + hook_event_ + "': " + detail);
  hook_event_.clear();
  start_hook();
}

void WatchdogFeatures::after_end() {
  // The runs for the last events (the task's end) finish before the
  // wrapper exits, each bounded by the hook's timeout.
  while (hook_.running()) {
    int64_t left = std::max<int64_t>(0, hook_.deadline_ms() - monotonic_ms());
    struct pollfd fds[2] = {{hook_.pidfd(), POLLIN, 0}, {hook_.output_fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (n > 0 && fds[1].revents) hook_.read_output();
    if (n > 0 && fds[0].revents) finish_hook(false);
    else if (monotonic_ms() >= hook_.deadline_ms()) finish_hook(true);
  }
}

}  // namespace spmi
