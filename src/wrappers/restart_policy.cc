// Restart decisions: failure, exponential backoff with jitter, tolerance window.
#include "wrappers/restart_policy.h"

#include <algorithm>

#include "common/duration.h"

namespace spmi {

RestartPolicy::RestartPolicy(RestartSettings s, double (*jitter)())
    : s_(std::move(s)), jitter_(jitter), next_delay_ms_(std::max(s_.delay_ms, kMinRestartGapMs)) {}

bool RestartPolicy::is_failure(int exit_code, int exit_signal) const {
  if (exit_signal > 0) return true;
  return std::find(s_.success_exit_codes.begin(), s_.success_exit_codes.end(), exit_code) ==
         s_.success_exit_codes.end();
}

int RestartPolicy::restarts_in_window(int64_t now_ms) {
  size_t expired = 0;
  while (expired < recent_.size() && recent_[expired] <= now_ms - s_.window_ms) ++expired;
  recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(expired));
  return static_cast<int>(recent_.size());
}

RestartDecision RestartPolicy::on_run_ended(int exit_code, int exit_signal, int64_t started_ms, int64_t now_ms) {
  RestartDecision d;
  bool short_run = s_.min_uptime_ms > 0 && now_ms - started_ms < s_.min_uptime_ms;
  bool failed = short_run || is_failure(exit_code, exit_signal);
  std::string why = short_run ? "ended after " + format_duration_ms(std::max<int64_t>(0, now_ms - started_ms)) +
                                    ", before min_uptime (" + format_duration_ms(s_.min_uptime_ms) + ")"
                    : failed ? "failed"
                             : "exited (restart = always)";
  if (s_.mode == RestartMode::Never || (s_.mode == RestartMode::OnFailure && !failed)) {
    d.reason = short_run ? why : failed ? "restart = never" : "exited successfully";
    d.failed_start = short_run;
    return d;
  }
  d = schedule_restart(started_ms, now_ms, why);
  if (d.kind == RestartDecision::GiveUp && short_run) d.reason += " (the last run " + why + ")";
  return d;
}

RestartDecision RestartPolicy::on_forced_restart(int64_t started_ms, int64_t now_ms, const std::string& why) {
  return schedule_restart(started_ms, now_ms, why);
}

RestartDecision RestartPolicy::schedule_restart(int64_t started_ms, int64_t now_ms, std::string reason) {
  RestartDecision d;
  // Counted (and the old ones dropped) even when unlimited.
  int recent = restarts_in_window(now_ms);
  if (s_.max_restarts != kUnlimitedRestarts && recent >= s_.max_restarts) {
    d.kind = RestartDecision::GiveUp;
    d.reason = "gave up: " + std::to_string(s_.max_restarts) + " restarts within " + format_duration_ms(s_.window_ms);
    return d;
  }
  // A run that stayed up long enough earns the first delay again.
  int64_t first = std::max(s_.delay_ms, kMinRestartGapMs);
  bool stayed_up = now_ms - started_ms >= s_.reset_after_ms;
  if (stayed_up) next_delay_ms_ = first;
  // restart_delay = 0: a run that stayed up is restarted at once (runsv's
  // rule); one that ended sooner still waits, from the 100 ms floor.
  if (stayed_up && s_.delay_ms == 0) {
    d.kind = RestartDecision::Restart;
    d.delay_ms = 0;
    d.reason = std::move(reason);
    return d;
  }
  int64_t base = next_delay_ms_;
  double j = jitter_ ? jitter_() : 0.0;
  d.kind = RestartDecision::Restart;
  d.delay_ms = std::max(kMinRestartGapMs, base + static_cast<int64_t>(static_cast<double>(base) * 0.1 * j));
  next_delay_ms_ = std::min(std::max(s_.max_delay_ms, first), base * 2);
  d.reason = std::move(reason);
  return d;
}

void RestartPolicy::record_restart(int64_t now_ms) { recent_.push_back(now_ms); }

void RestartPolicy::reset() {
  recent_.clear();
  next_delay_ms_ = std::max(s_.delay_ms, kMinRestartGapMs);
}

}  // namespace spmi
