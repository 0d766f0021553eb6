// Tests of the default wrapper's state machine, event by event.
#include <catch2/catch.hpp>

#include <csignal>

#include "wrappers/restart_test_settings.h"
#include "wrappers/wrapper_machine.h"

using namespace spmi;
using E = WrapperEvent;

TEST_CASE("a task that ends by itself", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  CHECK(m.phase() == Phase::Starting);
  CHECK(m.on(E::Started, 0).write_state);
  CHECK(m.phase() == Phase::Running);
  CHECK_FALSE(m.wants_ticks());  // no wake-ups while running
  auto a = m.on(E::MainExited, 0);
  CHECK(a.write_state);
  CHECK(m.phase() == Phase::Draining);
  CHECK(m.on(E::ChildReaped, 0).signal_tree == 0);
  a = m.on(E::NoChildren, 0);
  CHECK(a.exit);
  CHECK(m.phase() == Phase::Exited);
  CHECK(m.ended_by() == 0);
  CHECK(m.stop_request().empty());
}

TEST_CASE("a failed start ends the wrapper", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  auto a = m.on(E::StartFailed, 0);
  CHECK(a.exit);
  CHECK(m.phase() == Phase::FailedToStart);
}

TEST_CASE("stop: stop signal to the tree, deadline, SIGKILL", "[wrapper]") {
  WrapperMachine m(SIGINT);
  m.on(E::Started, 0);
  auto a = m.on(E::StopRequested, 0);
  CHECK(a.signal_tree == SIGINT);
  CHECK(a.arm_deadline);
  CHECK(m.phase() == Phase::Stopping);
  CHECK_FALSE(m.wants_ticks());  // the stop signal goes once
  CHECK(m.on(E::StopRequested, 0).signal_tree == 0);  // a second stop changes nothing
  // What the task forks meanwhile (its graceful shutdown) is not signalled.
  CHECK(m.on(E::ChildReaped, 0).signal_tree == 0);
  CHECK(m.on(E::Tick, 0).signal_tree == 0);
  CHECK(m.on(E::MainExited, 0).write_state);
  CHECK(m.phase() == Phase::Stopping);
  a = m.on(E::Deadline, 0);
  CHECK(a.signal_tree == SIGKILL);
  CHECK(a.disarm_deadline);
  CHECK(m.phase() == Phase::Killing);
  CHECK(m.wants_ticks());
  CHECK(m.on(E::Tick, 0).signal_tree == SIGKILL);
  CHECK(m.on(E::ChildReaped, 0).signal_tree == SIGKILL);
  a = m.on(E::NoChildren, 0);
  CHECK(a.exit);
  CHECK(m.ended_by() == SIGKILL);
  CHECK(m.stop_request() == "stop");
}

TEST_CASE("stop that the task obeys ends with the stop signal", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.on(E::Started, 0);
  m.on(E::StopRequested, 0);
  m.on(E::MainExited, 0);
  m.on(E::NoChildren, 0);
  CHECK(m.phase() == Phase::Exited);
  CHECK(m.ended_by() == SIGTERM);
}

TEST_CASE("kill: SIGKILL at once, also during a stop", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.on(E::Started, 0);
  auto a = m.on(E::KillRequested, 0);
  CHECK(a.signal_tree == SIGKILL);
  CHECK(m.phase() == Phase::Killing);
  CHECK(m.stop_request() == "kill");
  CHECK(m.on(E::StopRequested, 0).signal_tree == 0);
  m.on(E::NoChildren, 0);
  CHECK(m.ended_by() == SIGKILL);

  WrapperMachine n(SIGTERM);
  n.on(E::Started, 0);
  n.on(E::StopRequested, 0);
  CHECK(n.on(E::KillRequested, 0).signal_tree == SIGKILL);
  CHECK(n.stop_request() == "kill");
}

TEST_CASE("a daemon left behind is stopped like the main process", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.on(E::Started, 0);
  m.on(E::MainExited, 0);
  auto a = m.on(E::StopRequested, 0);
  CHECK(a.signal_tree == SIGTERM);
  CHECK(m.phase() == Phase::Stopping);
}

namespace {
using spmi::test::settings;
// A run that starts at `t` and ends by itself at `t + up` with `code`/`sig`.
WrapperActions run_and_end(WrapperMachine& m, int64_t t, int64_t up, int code, int sig = 0) {
  m.on(E::Started, t);
  m.set_main_exit(code, sig);
  m.on(E::MainExited, t + up);
  return m.on(E::NoChildren, t + up);
}
}  // namespace

TEST_CASE("watchdog: a failing run is restarted after the backoff", "[wrapper][restart]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::OnFailure)));
  auto a = run_and_end(m, 0, 50, 1);
  CHECK(m.phase() == Phase::Backoff);
  CHECK(a.backoff_ms == 1000);
  CHECK(a.event == "restart-scheduled");
  CHECK_FALSE(a.exit);
  a = m.on(E::BackoffElapsed, 1050);
  CHECK(a.spawn);
  CHECK(a.event == "restarting");
  CHECK(m.phase() == Phase::Starting);
  CHECK(m.restarts() == 1);
  a = m.on(E::Started, 1060);
  CHECK(a.event == "restarted");
  // A clean exit under on-failure ends it.
  m.set_main_exit(0, 0);
  m.on(E::MainExited, 2000);
  a = m.on(E::NoChildren, 2000);
  CHECK(a.exit);
  CHECK(m.phase() == Phase::Exited);
}

TEST_CASE("watchdog: a quick-failing task gives up after max_restarts", "[wrapper][restart]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  int64_t t = 0;
  for (int i = 0; i < 3; ++i) {
    run_and_end(m, t, 10, 1);
    REQUIRE(m.phase() == Phase::Backoff);
    t += 5000;
    m.on(E::BackoffElapsed, t);
  }
  auto a = run_and_end(m, t, 10, 1);
  CHECK(m.phase() == Phase::GaveUp);
  CHECK(a.exit);
  CHECK(a.event == "gave-up");
  CHECK(!a.note.empty());  // the state's note says why it gave up
  CHECK(a.note == a.reason);
}

TEST_CASE("watchdog: stop means no restart, also during the backoff", "[wrapper][restart]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  m.on(E::Started, 0);
  m.on(E::StopRequested, 10);
  m.set_main_exit(-1, SIGTERM);
  m.on(E::MainExited, 20);
  auto a = m.on(E::NoChildren, 20);
  CHECK(a.exit);
  CHECK_FALSE(a.spawn);
  CHECK(m.phase() == Phase::Exited);

  WrapperMachine b(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  run_and_end(b, 0, 10, 1);
  REQUIRE(b.phase() == Phase::Backoff);
  a = b.on(E::StopRequested, 100);
  CHECK(a.exit);
  CHECK(b.phase() == Phase::Exited);
  CHECK(b.on(E::BackoffElapsed, 2000).spawn == false);
}

TEST_CASE("restart: stop the tree, then start again in the same wrapper", "[wrapper][restart]") {
  WrapperMachine m(SIGTERM);  // even the default wrapper (restart = never)
  m.on(E::Started, 0);
  auto a = m.on(E::RestartRequested, 10);
  CHECK(a.signal_tree == SIGTERM);
  CHECK(a.arm_deadline);
  CHECK(m.phase() == Phase::Stopping);
  m.on(E::MainExited, 20);
  a = m.on(E::NoChildren, 20);
  CHECK(a.spawn);
  CHECK_FALSE(a.exit);
  CHECK(m.phase() == Phase::Starting);
  CHECK(m.stop_request().empty());
  m.on(E::Started, 30);
  CHECK(m.phase() == Phase::Running);
  // A stop while the restart's stop is under way cancels the restart.
  m.on(E::RestartRequested, 40);
  m.on(E::StopRequested, 41);
  a = m.on(E::NoChildren, 50);
  CHECK_FALSE(a.spawn);
  CHECK(m.phase() == Phase::Exited);
}

TEST_CASE("a restart that cannot exec counts as a failed run", "[wrapper][restart]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  run_and_end(m, 0, 10, 1);
  m.on(E::BackoffElapsed, 1000);
  auto a = m.on(E::StartFailed, 1001);
  CHECK(m.phase() == Phase::Backoff);
  CHECK(a.backoff_ms == 2000);
  // But the very first start failing is a failed start, not retried.
  WrapperMachine first(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  a = first.on(E::StartFailed, 0);
  CHECK(first.phase() == Phase::FailedToStart);
  CHECK(a.exit);
}

TEST_CASE("schedule: armed, fire, run ends, back to waiting, fires during a run skipped", "[wrapper][cron]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::Never)), true);
  auto a = m.on(E::Armed, 0);
  CHECK(m.phase() == Phase::Scheduled);
  CHECK(a.event == "scheduled");
  CHECK_FALSE(a.spawn);
  a = m.on(E::Fire, 2000);
  CHECK(a.spawn);
  CHECK(a.event == "fire");
  CHECK(m.runs() == 1);
  a = m.on(E::Started, 2001);
  CHECK(a.event == "started");
  a = m.on(E::Fire, 4000);  // still running: skipped, nothing else changes
  CHECK(a.event == "skipped");
  CHECK_FALSE(a.spawn);
  CHECK(m.skipped() == 1);
  CHECK(m.phase() == Phase::Running);
  m.set_main_exit(1, 0);
  m.on(E::MainExited, 5000);
  a = m.on(E::NoChildren, 5000);
  CHECK(m.phase() == Phase::Scheduled);  // a failed run does not end the schedule
  CHECK(a.event == "run-ended");
  CHECK_FALSE(a.exit);
  CHECK(m.on(E::Fire, 6000).spawn);
  CHECK(m.runs() == 2);
  // A failed exec of a fire is a failed run, not the end of the wrapper.
  a = m.on(E::StartFailed, 6001);
  CHECK(m.phase() == Phase::Scheduled);
  CHECK_FALSE(a.exit);
  // spmi restart runs it now; stop ends the wrapper.
  a = m.on(E::RestartRequested, 7000);
  CHECK(a.spawn);
  CHECK(a.reason == "spmi restart: run now");
  m.on(E::Started, 7001);
  m.set_main_exit(0, 0);
  m.on(E::MainExited, 7100);
  m.on(E::NoChildren, 7100);
  a = m.on(E::StopRequested, 8000);
  CHECK(a.exit);
  CHECK(m.phase() == Phase::Exited);
}

TEST_CASE("schedule: max_runtime stops the run and waits for the next fire", "[wrapper][cron]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::OnFailure)), true);
  m.on(E::Armed, 0);
  m.on(E::Fire, 1000);
  m.on(E::Started, 1000);
  auto a = m.on(E::RunTimeout, 4000);
  CHECK(a.signal_tree == SIGTERM);
  CHECK(a.arm_deadline);
  CHECK(a.event == "run-timeout");
  CHECK(m.stop_request() == "max-runtime");
  m.set_main_exit(-1, SIGTERM);
  m.on(E::MainExited, 4010);
  a = m.on(E::NoChildren, 4010);
  CHECK(m.phase() == Phase::Scheduled);  // not restarted, not ended
  CHECK_FALSE(a.spawn);
  CHECK_FALSE(a.exit);
  CHECK(a.reason == "stopped at max_runtime, ended by SIGTERM");
  // Without a schedule, max_runtime ends the task.
  WrapperMachine u(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  u.on(E::Started, 0);
  u.on(E::RunTimeout, 100);
  a = u.on(E::NoChildren, 110);
  CHECK(a.exit);
  CHECK(u.phase() == Phase::Exited);
  CHECK(u.on(E::Fire, 200).event.empty());
}

TEST_CASE("schedule: a schedule with no further fire ends the wrapper", "[wrapper][cron]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::Never)), true);
  m.on(E::Armed, 0);
  auto a = m.on(E::ScheduleEnded, 0);
  CHECK(a.exit);
  CHECK(a.event == "schedule-ended");
  CHECK(m.phase() == Phase::Exited);
}

TEST_CASE("forced restart (unhealthy, memory): stop, then the policy's backoff and tolerance", "[wrapper][health]") {
  WrapperMachine m(SIGTERM, RestartPolicy(settings(RestartMode::Never)));  // even with restart = never
  m.on(E::Started, 0);
  m.set_force_reason("unhealthy: connect refused");
  auto a = m.on(E::ForceRestart, 100);
  CHECK(a.signal_tree == SIGTERM);
  CHECK(a.event == "restart-forced");
  CHECK(a.reason == "unhealthy: connect refused");
  CHECK(m.phase() == Phase::Stopping);
  a = m.on(E::NoChildren, 150);
  CHECK(m.phase() == Phase::Backoff);
  CHECK(a.backoff_ms == 1000);
  CHECK(a.reason == "unhealthy: connect refused");
  CHECK(m.on(E::BackoffElapsed, 1150).spawn);
  // Forced restarts count against max_restarts (3 in the window).
  int64_t t = 2000;
  for (int i = 0; i < 2; ++i) {
    m.on(E::Started, t);
    m.on(E::ForceRestart, t + 10);
    m.on(E::NoChildren, t + 20);
    REQUIRE(m.phase() == Phase::Backoff);
    t += 10000;
    m.on(E::BackoffElapsed, t);
  }
  m.on(E::Started, t);
  m.on(E::ForceRestart, t + 10);
  a = m.on(E::NoChildren, t + 20);
  CHECK(m.phase() == Phase::GaveUp);
  CHECK(a.exit);
  // A stop during the forced restart's stop means: no restart.
  WrapperMachine s(SIGTERM, RestartPolicy(settings(RestartMode::Always)));
  s.on(E::Started, 0);
  s.on(E::ForceRestart, 10);
  s.on(E::StopRequested, 20);
  a = s.on(E::NoChildren, 30);
  CHECK(a.exit);
  CHECK(s.phase() == Phase::Exited);
}

TEST_CASE("min_uptime: the wrapper ends failed to start, or gives up saying why", "[wrapper][restart]") {
  // The default wrapper (restart = never): a run of 200 ms under min_uptime 1s.
  auto n = settings(RestartMode::Never);
  n.min_uptime_ms = 1000;
  WrapperMachine m(SIGTERM, RestartPolicy(n));
  auto a = run_and_end(m, 0, 200, 0);
  CHECK(m.phase() == Phase::FailedToStart);
  CHECK(a.exit);
  CHECK(a.event == "failed-to-start");
  CHECK(a.reason == "ended after 200ms, before min_uptime (1s)");
  // A run that stayed up ends as usual.
  WrapperMachine ok(SIGTERM, RestartPolicy(n));
  run_and_end(ok, 0, 1500, 0);
  CHECK(ok.phase() == Phase::Exited);
  // A stop before min_uptime is the user's stop, not a failed start.
  WrapperMachine stopped(SIGTERM, RestartPolicy(n));
  stopped.on(E::Started, 0);
  stopped.on(E::StopRequested, 100);
  stopped.on(E::NoChildren, 150);
  CHECK(stopped.phase() == Phase::Exited);
  // The watchdog restarts short runs even with exit 0, then gives up.
  auto s = settings(RestartMode::OnFailure);
  s.min_uptime_ms = 1000;
  WrapperMachine w(SIGTERM, RestartPolicy(s));
  int64_t t = 0;
  for (int i = 0; i < 3; ++i) {
    run_and_end(w, t, 10, 0);
    REQUIRE(w.phase() == Phase::Backoff);
    t += 5000;
    w.on(E::BackoffElapsed, t);
  }
  a = run_and_end(w, t, 10, 0);
  CHECK(w.phase() == Phase::GaveUp);
  CHECK(a.reason.find("(the last run ended after 10ms, before min_uptime (1s))") != std::string::npos);
}

TEST_CASE("stop with a stop_command: the command first, then the signal, each bounded by the deadline", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.set_stop_command(true);
  m.on(E::Started, 0);
  auto a = m.on(E::StopRequested, 0);
  CHECK(a.run_stop_command);
  CHECK(a.signal_tree == 0);  // nothing is signalled while the command runs
  CHECK(a.arm_deadline);
  CHECK(m.stop_command_running());
  CHECK(m.on(E::Tick, 0).signal_tree == 0);
  CHECK(m.on(E::ChildReaped, 0).signal_tree == 0);
  a = m.on(E::StopCommandEnded, 0);
  CHECK(a.signal_tree == SIGTERM);
  CHECK(a.arm_deadline);  // a fresh stop_timeout for the signal
  CHECK_FALSE(m.stop_command_running());
  CHECK(m.on(E::StopCommandEnded, 0).signal_tree == 0);  // once
  a = m.on(E::Deadline, 0);
  CHECK(a.signal_tree == SIGKILL);
  CHECK(m.phase() == Phase::Killing);
  CHECK(m.on(E::NoChildren, 0).exit);
}

TEST_CASE("a stop_command that hangs is cut at the deadline, then the signal, a kill cuts it at once", "[wrapper]") {
  WrapperMachine m(SIGINT);
  m.set_stop_command(true);
  m.on(E::Started, 0);
  m.on(E::StopRequested, 0);
  auto a = m.on(E::Deadline, 0);
  CHECK(a.cancel_stop_command);
  CHECK(a.signal_tree == SIGINT);
  CHECK(a.arm_deadline);
  CHECK(a.event == "stop-command-timeout");
  CHECK(m.phase() == Phase::Stopping);
  CHECK(m.on(E::Deadline, 0).signal_tree == SIGKILL);

  WrapperMachine k(SIGTERM);
  k.set_stop_command(true);
  k.on(E::Started, 0);
  k.on(E::StopRequested, 0);
  a = k.on(E::KillRequested, 0);
  CHECK(a.cancel_stop_command);
  CHECK(a.signal_tree == SIGKILL);

  // The task ends while its stop_command runs: the command is cut, the stop is over.
  WrapperMachine e(SIGTERM);
  e.set_stop_command(true);
  e.on(E::Started, 0);
  e.on(E::StopRequested, 0);
  a = e.on(E::NoChildren, 0);
  CHECK(a.cancel_stop_command);
  CHECK(a.exit);
  CHECK(e.phase() == Phase::Exited);
}

TEST_CASE("reload: taken while running, waiting or scheduled, never during a stop, no phase change", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  CHECK_FALSE(m.on(E::ReloadRequested, 0).reload);  // starting
  m.on(E::Started, 0);
  auto a = m.on(E::ReloadRequested, 0);
  CHECK(a.reload);
  CHECK_FALSE(a.write_state);
  CHECK(m.phase() == Phase::Running);
  m.on(E::StopRequested, 0);
  CHECK_FALSE(m.on(E::ReloadRequested, 0).reload);
  CHECK(m.phase() == Phase::Stopping);
}
