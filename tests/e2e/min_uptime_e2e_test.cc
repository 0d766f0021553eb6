// End to end: min_uptime (supervisord's startsecs, PM2's min_uptime). A run
// counts as started, and without ready_fd or a health check as ready, only
// once it stayed up that long; a shorter run is a failed start.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "e2e/harness.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::event_names;
using spmi::test::SpmiEnv;

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

TEST_CASE("min_uptime: a run that ends sooner is a failed start, even with exit 0", "[e2e][min_uptime]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("brief", "sleep 0.2", "min_uptime = \"1s\"\n")}).exit_code == 0);
  // start --wait fails: the run ended before it counted as started.
  auto w = env.run({"start", "brief", "--wait"});
  CHECK(w.exit_code == 1);
  REQUIRE(env.run({"wait", "brief", "--for", "exited", "--timeout", "10s"}).exit_code == 0);
  auto st = env.state("brief");
  CHECK(st.phase == spmi::Phase::FailedToStart);
  CHECK(st.error.find("the run ended after ") == 0);
  CHECK(st.error.find(", before min_uptime (1s): exit code 0") != std::string::npos);
  auto s = env.run({"status", "brief"});
  CHECK(s.exit_code == 1);  // failed-to-start is a failure for scripts
  CHECK(s.out.find("failed-to-start") != std::string::npos);
  CHECK(env.run({"list"}).out.find("failed") != std::string::npos);
  CHECK(event_names(env, "brief").back() == "failed-to-start");
}

TEST_CASE("min_uptime: ready only once the run stayed up that long", "[e2e][min_uptime]") {
  SpmiEnv env;
  // Long enough that start and status return before it, even in a
  // sanitizer build on a busy machine.
  REQUIRE(env.run({"load", env.task("steady", "exec sleep 100", "min_uptime = \"3s\"\n")}).exit_code == 0);
  int64_t t0 = steady_ms();
  REQUIRE(env.run({"start", "steady"}).exit_code == 0);
  auto st = env.state("steady");
  CHECK(st.phase == spmi::Phase::Running);
  CHECK_FALSE(st.ready);
  auto status = env.run({"status", "steady"});
  CHECK(status.out.find("not yet (once up for min_uptime 3s, at ") != std::string::npos);
  auto w = env.run({"wait", "steady", "--for", "ready", "--timeout", "10s"});
  CHECK(w.exit_code == 0);
  CHECK(steady_ms() - t0 >= 3000);
  CHECK(env.state("steady").ready);
  CHECK(event_names(env, "steady").back() == "ready");
  // Stopped before min_uptime: the user's stop, not a failed start.
  REQUIRE(env.run({"restart", "steady"}).exit_code == 0);
  REQUIRE(env.run({"stop", "steady"}).exit_code == 0);
  CHECK(env.state("steady").phase == spmi::Phase::Exited);
  CHECK(env.run({"status", "steady"}).exit_code == 0);
}

TEST_CASE("min_uptime: the watchdog restarts quick exits and gives up saying why", "[e2e][min_uptime][watchdog]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("flappy", "exit 0",
                                    "type = \"watchdog\"\nrestart = \"on-failure\"\nmin_uptime = \"2s\"\n"
                                    "restart_delay = \"100ms\"\nmax_restarts = 2\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "flappy"}).exit_code == 0);
  REQUIRE(env.run({"wait", "flappy", "--for", "exited", "--timeout", "20s"}).exit_code == 0);
  auto st = env.state("flappy");
  CHECK(st.phase == spmi::Phase::GaveUp);
  CHECK(st.restarts == 2);
  auto s = env.run({"status", "flappy"});
  CHECK(s.exit_code == 1);
  CHECK(s.out.find("before min_uptime (2s)") != std::string::npos);
  // A schedule and min_uptime do not go together: refused at load, naming the key.
  auto r = env.run({"load", env.task("cronned", "true",
                                     "type = \"watchdog\"\nschedule = \"* * * * *\"\nmin_uptime = \"1s\"\n")});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("task.wrapper.min_uptime: does not apply with a 'schedule'") != std::string::npos);
  auto bad = env.run({"load", env.task("slow", "true", "min_uptime = \"5 seconds\"\n")});
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("task.wrapper.min_uptime") != std::string::npos);
}
