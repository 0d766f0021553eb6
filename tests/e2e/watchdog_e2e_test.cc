// End to end: the watchdog wrapper's restarts with real processes, `spmi
// restart` and `spmi events`.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/harness.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::SpmiEnv;
using spmi::test::event_names;
using spmi::test::listed;
using spmi::test::watchdog;

TEST_CASE("a task that fails twice then stays up is restarted twice by the same watchdog", "[e2e][watchdog]") {
  SpmiEnv env;
  std::string counter = env.dir() + "/count";
  auto desc = watchdog(env, "flaky",
                       "n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter +
                           "; [ $n -ge 3 ] && exec sleep 100; exit 1",
                       "restart = \"on-failure\"\nrestart_delay = \"100ms\"\n");
  REQUIRE(env.run({"load", desc}).exit_code == 0);
  REQUIRE(env.run({"start", "flaky"}).exit_code == 0);
  auto first = env.state("flaky");
  REQUIRE(eventually(5000, [&] {
    auto st = env.state("flaky");
    return st.restarts == 2 && st.phase == spmi::Phase::Running;
  }));
  auto st = env.state("flaky");
  CHECK(st.wrapper_pid == first.wrapper_pid);
  CHECK(alive(st.pid));
  auto t = listed(env, "flaky");
  CHECK(t["state"] == "active");
  CHECK(t["restarts"] == 2);
  CHECK(t["restart"] == "on-failure");
  auto names = event_names(env, "flaky");
  CHECK(names == std::vector<std::string>{"started", "restart-scheduled", "restarting", "restarted",
                                          "restart-scheduled", "restarting", "restarted"});
  // It stays up: no further restarts.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(env.state("flaky").restarts == 2);
  CHECK(env.run({"stop", "flaky"}).exit_code == 0);
  CHECK(event_names(env, "flaky").back() == "stopped");
}

TEST_CASE("a quick-failing task ends failed after max_restarts, and a manual start recovers it",
          "[e2e][watchdog]") {
  SpmiEnv env;
  auto desc = watchdog(env, "quick", "exit 3",
                       "restart = \"always\"\nrestart_delay = \"100ms\"\nmax_restarts = 2\nrestart_window = \"1m\"\n");
  REQUIRE(env.run({"load", desc}).exit_code == 0);
  REQUIRE(env.run({"start", "quick"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return listed(env, "quick")["state"] == "failed"; }));
  auto t = listed(env, "quick");
  CHECK(t["restarts"] == 2);
  CHECK(t["exit"]["code"] == 3);
  CHECK(env.run({"list"}).out.find("gave up") != std::string::npos);
  CHECK(env.run({"status", "quick"}).out.find("gave up: 2 restarts within 1m") != std::string::npos);
  CHECK(event_names(env, "quick").back() == "gave-up");
  // Sticky: nothing restarts it by itself.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(listed(env, "quick")["state"] == "failed");
  // A user's start gives a fresh budget: it runs (and restarts) again.
  REQUIRE(env.run({"start", "quick"}).exit_code == 0);
  CHECK(eventually(3000, [&] { return env.state("quick").restarts >= 1; }));
  REQUIRE(eventually(5000, [&] { return listed(env, "quick")["state"] == "failed"; }));
}

TEST_CASE("restart = never, and on-failure after a clean exit, do not restart", "[e2e][watchdog]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", watchdog(env, "never", "exit 1", "restart = \"never\"\n"),
                   watchdog(env, "clean", "exit 0", "restart = \"on-failure\"\n"),
                   watchdog(env, "ok42", "exit 42", "success_exit_codes = [0, 42]\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "never", "clean", "ok42"}).exit_code == 0);
  for (const std::string id : {"never", "clean", "ok42"}) {
    INFO(id);
    REQUIRE(eventually(3000, [&] { return listed(env, id)["state"] == "inactive"; }));
    CHECK(env.state(id).restarts == 0);
    CHECK(event_names(env, id) == std::vector<std::string>{"started", "exited"});
  }
}

TEST_CASE("spmi restart keeps the same wrapper and starts a new process", "[e2e][watchdog]") {
  for (const std::string type : {"watchdog", "default"}) {
    INFO(type);
    SpmiEnv env;
    REQUIRE(env.run({"load", env.task("svc", "exec sleep 100", "type = \"" + type + "\"\n")}).exit_code == 0);
    REQUIRE(env.run({"start", "svc"}).exit_code == 0);
    auto before = env.state("svc");
    auto r = env.run({"restart", "svc"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("restarted svc (pid ") == 0);
    auto after = env.state("svc");
    CHECK(after.wrapper_pid == before.wrapper_pid);
    CHECK(after.pid != before.pid);
    CHECK_FALSE(alive(before.pid));
    CHECK(alive(after.pid));
    CHECK(after.phase == spmi::Phase::Running);
    CHECK(env.run({"stop", "svc"}).exit_code == 0);
    // restart of an inactive task starts it.
    r = env.run({"restart", "svc"});
    CHECK(r.out.find("started svc") == 0);
    CHECK(env.run({"stop", "svc"}).exit_code == 0);
  }
}

TEST_CASE("stop during the backoff ends the task for good", "[e2e][watchdog]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", watchdog(env, "slowretry", "exit 1", "restart = \"always\"\nrestart_delay = \"30s\"\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "slowretry"}).exit_code == 0);
  REQUIRE(eventually(3000, [&] { return env.state("slowretry").phase == spmi::Phase::Backoff; }));
  auto t = listed(env, "slowretry");
  CHECK(t["state"] == "active");
  CHECK(t["next_start_at"].is_string());
  CHECK(env.run({"list"}).out.find("restarting in") != std::string::npos);
  CHECK(env.run({"stop", "slowretry"}).exit_code == 0);
  CHECK(listed(env, "slowretry")["state"] == "inactive");
  CHECK(event_names(env, "slowretry").back() == "stopped");
}

TEST_CASE("watchdog keys are validated", "[e2e][watchdog]") {
  SpmiEnv env;
  auto bad = env.write("bad.toml", "[task]\nid = \"b\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"true\"\n"
                                   "restart = \"sometimes\"\nsuccess_exit_codes = [0, 300]\nmax_restarts = -1\n"
                                   "restart_delay = \"10s\"\nrestart_max_delay = \"1s\"\n");
  auto r = env.run({"load", bad});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("unknown restart policy 'sometimes'") != std::string::npos);
  CHECK(r.err.find("expected exit codes from 0 to 255") != std::string::npos);
  CHECK(r.err.find("task.wrapper.max_restarts") != std::string::npos);
  CHECK(r.err.find("must not be shorter than restart_delay") != std::string::npos);
  // Restart keys belong to the watchdog only.
  auto plain = env.write("plain.toml", "[task]\nid = \"p\"\n[task.wrapper]\ncommand = \"true\"\nrestart = \"always\"\n");
  CHECK(env.run({"load", plain}).err.find("task.wrapper.restart: needs type = \"watchdog\"") != std::string::npos);
}
