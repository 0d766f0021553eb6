// End to end: schedule_action (watchdog_settings.h). A restart schedule
// restarts the running task at each fire (a new pid each time) and touches
// nothing else; a stop schedule stops it (the wrapper ends, as after spmi
// stop); a start schedule runs the task at once and again at a fire when
// it is not running.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::has;
using spmi::test::SpmiEnv;

namespace {

std::string watchdog(const SpmiEnv& env, const std::string& id, const std::string& command, const std::string& extra) {
  return env.write(id + ".toml", "[task]\nid = \"" + id + "\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"" +
                                     command + "\"\n" + extra);
}
}  // namespace

TEST_CASE("schedule_action = restart restarts a running task at each fire and nothing else", "[e2e][schedule]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", watchdog(env, "cycled", "sleep 300", "schedule = \"*/2 * * * * *\"\nschedule_action = \"restart\"\n"),
                   watchdog(env, "steady", "sleep 300", "")})
              .exit_code == 0);
  // Start just after an even second, so the first fire is ~1.9 s away and
  // the checks below see the run the start made, not a fire's restart (a
  // start a few ms before a fire once saw "stopping", under ASan).
  auto epoch_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(2000 - epoch_ms() % 2000 + 50));
  REQUIRE(env.run({"start", "cycled", "steady"}).exit_code == 0);
  // Running at once, not waiting for a fire.
  auto first = env.state("cycled");
  CHECK(first.phase == spmi::Phase::Running);
  CHECK(first.pid > 0);
  pid_t steady = env.state("steady").pid;
  std::set<pid_t> pids = {first.pid};
  // Three fires: three new pids, each previous one gone.
  REQUIRE(eventually(9000, [&] {
    auto st = env.state("cycled");
    if (st.phase == spmi::Phase::Running && st.pid > 0) pids.insert(st.pid);
    return pids.size() >= 4;
  }));
  for (pid_t p : pids)
    if (p != env.state("cycled").pid) CHECK(eventually(5000, [&] { return !alive(p); }));
  CHECK(env.state("steady").pid == steady);
  CHECK(alive(steady));
  auto st = env.state("cycled");
  CHECK(st.restarts >= 3);
  auto events = env.run({"events", "cycled", "-n", "50"}).out;
  CHECK(has(events, "schedule_action = restart"));
  CHECK(has(events, "restart-requested"));
  CHECK(has(env.run({"status", "cycled"}).out, "(restart at each fire)"));
  CHECK(env.run({"stop", "cycled", "steady"}).exit_code == 0);
}

TEST_CASE("schedule_action = stop stops the task at the fire, start runs it at once and again", "[e2e][schedule]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", watchdog(env, "ends", "sleep 300", "schedule = \"*/2 * * * * *\"\nschedule_action = \"stop\"\n"),
                   watchdog(env, "again", "sleep 1", "schedule = \"*/2 * * * * *\"\nschedule_action = \"start\"\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "ends", "again"}).exit_code == 0);
  CHECK(env.state("again").phase == spmi::Phase::Running);  // at once
  pid_t ends = env.state("ends").pid;
  REQUIRE(eventually(5000, [&] { return env.state("ends").phase == spmi::Phase::Exited; }));
  CHECK_FALSE(alive(ends));
  auto st = env.state("ends");
  CHECK(st.stop_request == "stop");
  CHECK(has(env.run({"events", "ends"}).out, "schedule_action = stop"));
  CHECK(has(env.run({"list"}).out, "ends"));
  // "again" ended after 1s and waits; a fire runs it again.
  REQUIRE(eventually(8000, [&] { return env.state("again").runs >= 1; }));
  CHECK(env.run({"stop", "again"}).exit_code == 0);
  // Only with a schedule, and a known action.
  auto bad = env.write("bad.toml", "[task]\nid = \"bad\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"true\"\n"
                                   "schedule_action = \"reboot\"\n");
  auto v = env.run({"validate", bad});
  CHECK(v.exit_code == 1);
  CHECK(has(v.err, "task.wrapper.schedule_action: unknown action 'reboot' (known: run, start, restart, stop)"));
}
