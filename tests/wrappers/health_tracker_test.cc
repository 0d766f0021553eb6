// Health thresholds with a fake clock: when checks run, success_after,
// failure_after, start_period, and a new run starting over.
#include <catch2/catch.hpp>

#include "wrappers/health_tracker.h"

using namespace spmi;

namespace {

HealthSettings settings() {
  HealthSettings s;
  s.type = HealthType::Tcp;
  s.interval_ms = 5000;
  s.success_after = 2;
  s.failure_after = 3;
  return s;
}

}  // namespace

TEST_CASE("health: no check configured means no status and no checks", "[health]") {
  HealthTracker t(HealthSettings{});
  t.run_started(0);
  CHECK_FALSE(t.enabled());
  CHECK(t.status() == HealthStatus::None);
  CHECK(t.next_check_ms() == -1);
}

TEST_CASE("health: first check after min(interval, 1s), then interval after each check", "[health]") {
  HealthTracker t(settings());
  t.run_started(10000);
  CHECK(t.status() == HealthStatus::Starting);
  CHECK(t.next_check_ms() == 11000);
  t.check_started();
  CHECK(t.next_check_ms() == -1);  // never two at once
  t.check_finished(true, 11300);
  CHECK(t.next_check_ms() == 16300);
  HealthSettings fast = settings();
  fast.interval_ms = 200;
  HealthTracker f(fast);
  f.run_started(0);
  CHECK(f.next_check_ms() == 200);
}

TEST_CASE("health: healthy after success_after, unhealthy after failure_after in a row", "[health]") {
  HealthTracker t(settings());
  t.run_started(0);
  CHECK(t.check_finished(true, 1000) == HealthChange::None);
  CHECK(t.check_finished(true, 6000) == HealthChange::BecameHealthy);
  CHECK(t.status() == HealthStatus::Healthy);
  CHECK(t.check_finished(true, 11000) == HealthChange::None);
  CHECK(t.check_finished(false, 16000) == HealthChange::None);
  CHECK(t.check_finished(false, 21000) == HealthChange::None);
  CHECK(t.check_finished(true, 26000) == HealthChange::None);  // the streak is broken
  CHECK(t.failures() == 0);
  CHECK(t.check_finished(false, 31000) == HealthChange::None);
  CHECK(t.check_finished(false, 36000) == HealthChange::None);
  CHECK(t.check_finished(false, 41000) == HealthChange::BecameUnhealthy);
  CHECK(t.status() == HealthStatus::Unhealthy);
  CHECK(t.failures() == 3);
  CHECK(t.check_finished(false, 46000) == HealthChange::None);  // reported once
  CHECK(t.check_finished(true, 51000) == HealthChange::None);
  CHECK(t.check_finished(true, 56000) == HealthChange::BecameHealthy);
}

TEST_CASE("health: failures in the start period do not count until a check succeeds", "[health]") {
  HealthSettings s = settings();
  s.failure_after = 1;
  s.success_after = 1;
  s.start_period_ms = 30000;
  HealthTracker t(s);
  t.run_started(0);
  CHECK(t.check_finished(false, 1000) == HealthChange::None);
  CHECK(t.check_finished(false, 6000) == HealthChange::None);
  CHECK(t.status() == HealthStatus::Starting);
  CHECK(t.check_finished(false, 30000) == HealthChange::BecameUnhealthy);  // the period is over
  HealthTracker u(s);
  u.run_started(0);
  CHECK(u.check_finished(true, 1000) == HealthChange::BecameHealthy);  // a success ends the period
  CHECK(u.check_finished(false, 6000) == HealthChange::BecameUnhealthy);
}

TEST_CASE("health: a new run starts over", "[health]") {
  HealthTracker t(settings());
  t.run_started(0);
  t.check_finished(false, 1000);
  t.check_finished(false, 2000);
  t.run_ended();
  CHECK(t.next_check_ms() == -1);
  t.run_started(50000);
  CHECK(t.status() == HealthStatus::Starting);
  CHECK(t.failures() == 0);
  CHECK(t.next_check_ms() == 51000);
}
