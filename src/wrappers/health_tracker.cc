// Health thresholds (see health_tracker.h).
#include "wrappers/health_tracker.h"

#include <algorithm>

namespace spmi {

void HealthTracker::run_started(int64_t now_ms) {
  if (!enabled()) return;
  status_ = HealthStatus::Starting;
  started_ms_ = now_ms;
  successes_ = failures_ = 0;
  in_start_period_ = s_.start_period_ms > 0;
  next_ms_ = now_ms + std::min<int64_t>(s_.interval_ms, 1000);
}

void HealthTracker::run_ended() {
  next_ms_ = -1;
  if (enabled()) status_ = HealthStatus::Starting;
  successes_ = failures_ = 0;
}

void HealthTracker::check_started() { next_ms_ = -1; }

HealthChange HealthTracker::check_finished(bool ok, int64_t now_ms) {
  next_ms_ = now_ms + s_.interval_ms;
  if (in_start_period_ && (ok || now_ms - started_ms_ >= s_.start_period_ms)) in_start_period_ = false;
  if (ok) {
    failures_ = 0;
    ++successes_;
    if (status_ != HealthStatus::Healthy && successes_ >= s_.success_after) {
      status_ = HealthStatus::Healthy;
      return HealthChange::BecameHealthy;
    }
    return HealthChange::None;
  }
  successes_ = 0;
  if (in_start_period_) return HealthChange::None;  // still starting: not counted
  ++failures_;
  if (status_ != HealthStatus::Unhealthy && failures_ >= s_.failure_after) {
    status_ = HealthStatus::Unhealthy;
    return HealthChange::BecameUnhealthy;
  }
  return HealthChange::None;
}

}  // namespace spmi
