// The watchdog's restart policy: whether a run that ended is restarted, after
// which delay, and when to give up. Pure logic over times passed in, so it is
// tested with a fake clock.
//
//   restart      never | on-failure | always
//   failure      a death by signal, or an exit code not in success_exit_codes
//   delay        restart_delay, doubled after each restart up to
//                restart_max_delay, plus 0-10% jitter; back to restart_delay
//                once a run stayed up restart_reset_after
//   tolerance    at most max_restarts restarts within a sliding
//                restart_window; one more and the task is given up (sticky)
//   min_uptime   a run that ended sooner is a failed start: a failure
//                whatever its exit code; without a restart, the task ends
//                failed to start
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/restart_settings.h"

namespace spmi {

// The shortest delay between two starts, whatever the settings say: a task
// that dies at once can never spin.
inline constexpr int64_t kMinRestartGapMs = 100;

struct RestartDecision {
  enum Kind { Stop, Restart, GiveUp } kind = Stop;
  int64_t delay_ms = 0;
  std::string reason;  // for the events file and status
  bool failed_start = false;  // the run ended before min_uptime
};

class RestartPolicy {
 public:
  // `jitter` returns a number in [0, 1); tests pass a fixed one. (A plain
  // function pointer: this code lives in every resident wrapper.)
  explicit RestartPolicy(RestartSettings s, double (*jitter)() = nullptr);

  const RestartSettings& settings() const { return s_; }
  // Is this end of a run a failure? (exit_signal > 0: killed by that signal)
  bool is_failure(int exit_code, int exit_signal) const;
  // Decides what follows a run that started at `started_ms` and ended at
  // `now_ms` by itself (not by a stop request).
  RestartDecision on_run_ended(int exit_code, int exit_signal, int64_t started_ms, int64_t now_ms);
  // Decides what follows a run the watchdog itself ended to restart it (an
  // unhealthy task, too much memory): a restart whatever the mode, within
  // the same backoff and tolerance.
  RestartDecision on_forced_restart(int64_t started_ms, int64_t now_ms, const std::string& why);
  // Records that a restart happens at `now_ms`.
  void record_restart(int64_t now_ms);
  // A user's start or restart: a fresh budget and the first delay again.
  void reset();
  // New settings (a reload); the restarts counted so far stay.
  void set_settings(const RestartSettings& s) { s_ = s; }
  int restarts_in_window(int64_t now_ms);

 private:
  RestartDecision schedule_restart(int64_t started_ms, int64_t now_ms, std::string reason);

  RestartSettings s_;
  double (*jitter_)();
  int64_t next_delay_ms_;
  std::vector<int64_t> recent_;  // times of recent restarts, oldest first
};

}  // namespace spmi
