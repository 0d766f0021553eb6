// Tests of the watchdog's restart policy (restart modes, backoff, tolerance,
// min_uptime), with times passed in.
#include <catch2/catch.hpp>

#include <csignal>

#include "wrappers/restart_policy.h"
#include "wrappers/restart_test_settings.h"

using namespace spmi;
using spmi::test::settings;

TEST_CASE("restart policy: never, on-failure, always, success codes", "[wrapper][restart]") {
  RestartPolicy never(settings(RestartMode::Never));
  CHECK(never.on_run_ended(1, 0, 0, 10).kind == RestartDecision::Stop);
  RestartPolicy on_failure(settings(RestartMode::OnFailure));
  CHECK(on_failure.on_run_ended(0, 0, 0, 10).kind == RestartDecision::Stop);
  CHECK(on_failure.on_run_ended(2, 0, 0, 10).kind == RestartDecision::Restart);
  CHECK(on_failure.on_run_ended(0, SIGSEGV, 0, 10).kind == RestartDecision::Restart);  // a signal death is a failure
  auto s = settings(RestartMode::OnFailure);
  s.success_exit_codes = {0, 3};
  RestartPolicy codes(s);
  CHECK(codes.on_run_ended(3, 0, 0, 10).kind == RestartDecision::Stop);
  RestartPolicy always(settings(RestartMode::Always));
  CHECK(always.on_run_ended(0, 0, 0, 10).kind == RestartDecision::Restart);
}

TEST_CASE("restart policy: exponential backoff, capped, reset after a good run, jitter bounded",
          "[wrapper][restart]") {
  RestartPolicy p(settings(RestartMode::Always));
  std::vector<int64_t> delays;
  int64_t t = 0;
  for (int i = 0; i < 3; ++i) {
    auto d = p.on_run_ended(1, 0, t, t + 10);
    delays.push_back(d.delay_ms);
    t += 100000;  // restarts far apart: the tolerance window never fills
    p.record_restart(t);
  }
  // 10 ms runs never reach restart_reset_after: 1s, 2s, 4s...
  CHECK(delays == std::vector<int64_t>{1000, 2000, 4000});
  CHECK(p.on_run_ended(1, 0, t, t + 10).delay_ms == 8000);
  CHECK(p.on_run_ended(1, 0, t, t + 10).delay_ms == 8000);  // capped
  // A run that stayed up 30 s earns the first delay again.
  CHECK(p.on_run_ended(1, 0, t, t + 30000).delay_ms == 1000);

  RestartPolicy jittery(settings(RestartMode::Always), [] { return 0.999; });
  auto d = jittery.on_run_ended(1, 0, 0, 10).delay_ms;
  CHECK(d >= 1000);
  CHECK(d < 1100);  // at most 10 %

  auto tiny = settings(RestartMode::Always);
  tiny.delay_ms = 0;
  RestartPolicy floor(tiny);
  CHECK(floor.on_run_ended(1, 0, 0, 1).delay_ms >= kMinRestartGapMs);  // never spins
}

TEST_CASE("restart policy: restart_delay 0 restarts a run that stayed up at once, a quick failure still waits",
          "[wrapper][restart]") {
  auto s = settings(RestartMode::Always);
  s.delay_ms = 0;
  s.reset_after_ms = 1000;
  RestartPolicy p(s, [] { return 0.999; });
  CHECK(p.on_run_ended(1, 0, 0, 5000).delay_ms == 0);  // up 5 s: no backoff, no jitter
  p.record_restart(5000);
  // The next run dies after 10 ms: the floor, then doubling.
  int64_t d1 = p.on_run_ended(1, 0, 5000, 5010).delay_ms;
  CHECK(d1 >= kMinRestartGapMs);
  CHECK(d1 < kMinRestartGapMs * 11 / 10);
  p.record_restart(5200);
  CHECK(p.on_run_ended(1, 0, 5200, 5210).delay_ms >= 2 * kMinRestartGapMs);
  // Up long enough again: at once.
  CHECK(p.on_run_ended(1, 0, 6000, 9000).delay_ms == 0);
}

TEST_CASE("restart policy: tolerance window gives up, a reset gives a fresh budget", "[wrapper][restart]") {
  RestartPolicy p(settings(RestartMode::Always));
  for (int i = 0; i < 3; ++i) {
    CHECK(p.on_run_ended(1, 0, i * 1000, i * 1000 + 10).kind == RestartDecision::Restart);
    p.record_restart(i * 1000 + 20);
  }
  auto d = p.on_run_ended(1, 0, 3000, 3010);
  CHECK(d.kind == RestartDecision::GiveUp);
  CHECK(d.reason.find("3 restarts within 1m") != std::string::npos);
  // The window slides: once old restarts age out, restarting is allowed again.
  CHECK(p.on_run_ended(1, 0, 70000, 70010).kind == RestartDecision::Restart);
  p.reset();
  CHECK(p.restarts_in_window(70020) == 0);
}

TEST_CASE("min_uptime: a shorter run is a failed start whatever its exit code", "[wrapper][restart]") {
  auto s = settings(RestartMode::OnFailure);
  s.min_uptime_ms = 1000;
  RestartPolicy p(s);
  // exit 0 after 300 ms: a failure, restarted, and the reason says why.
  auto d = p.on_run_ended(0, 0, 0, 300);
  CHECK(d.kind == RestartDecision::Restart);
  CHECK(d.reason == "ended after 300ms, before min_uptime (1s)");
  // exit 0 after it stayed up: a success, as before.
  d = p.on_run_ended(0, 0, 0, 1000);
  CHECK(d.kind == RestartDecision::Stop);
  CHECK_FALSE(d.failed_start);
  // restart = never: no restart, but a failed start.
  auto n = settings(RestartMode::Never);
  n.min_uptime_ms = 1000;
  RestartPolicy never(n);
  d = never.on_run_ended(0, 0, 5000, 5999);
  CHECK(d.kind == RestartDecision::Stop);
  CHECK(d.failed_start);
  CHECK(d.reason == "ended after 999ms, before min_uptime (1s)");
  CHECK_FALSE(never.on_run_ended(1, 0, 5000, 6000).failed_start);  // stayed up: an ordinary failure
}
