// Health thresholds over check results: when checks run and when the status
// flips. Pure logic over times passed in, tested with a fake clock.
//
//   first check   min(interval, 1s) after the run started, then `interval`
//                 after each check ended (checks never overlap)
//   healthy       after `success_after` consecutive successes
//   unhealthy     after `failure_after` consecutive failures; failures
//                 during `start_period` do not count until a check succeeded
//   a check that outlives `timeout` is killed and counts as a failure (the
//   probe enforces it; here it is just a failure)
#pragma once

#include <cstdint>
#include <string>

#include "common/watchdog_settings.h"

namespace spmi {

enum class HealthChange { None, BecameHealthy, BecameUnhealthy };

class HealthTracker {
 public:
  explicit HealthTracker(const HealthSettings& s) : s_(s) {}

  bool enabled() const { return s_.type != HealthType::None; }
  HealthStatus status() const { return status_; }
  int failures() const { return failures_; }
  // When the next check is due (-1: none: not running, or one is in flight).
  int64_t next_check_ms() const { return next_ms_; }

  void run_started(int64_t now_ms);
  void run_ended();
  void check_started();
  HealthChange check_finished(bool ok, int64_t now_ms);

 private:
  HealthSettings s_;
  HealthStatus status_ = HealthStatus::None;
  int64_t started_ms_ = 0;
  int64_t next_ms_ = -1;
  int successes_ = 0;
  int failures_ = 0;
  bool in_start_period_ = false;
};

}  // namespace spmi
