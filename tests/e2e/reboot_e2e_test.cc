// End to end: life across reboots. A reboot is simulated the way it looks
// to spmi afterwards: every wrapper and task of a project SIGKILLed (and
// reaped), the boot id switched (SPMI_TEST_BOOT_ID), and, as root, an
// unrelated process holding one of the old pids. `spmi resurrect` must
// bring back exactly what was running, in dependency order, and leave
// stopped tasks and foreign processes alone.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "e2e/harness.h"
#include "e2e/pid_helpers.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::SpmiEnv;

namespace {

const std::vector<std::string> kNextBoot = {"SPMI_TEST_BOOT_ID=11111111-2222-3333-4444-555555555555"};

nlohmann::json listed_after(const SpmiEnv& env, const std::string& id) {
  auto r = env.run_raw({"list", "--json"}, 30, kNextBoot);
  nlohmann::json all = nlohmann::json::parse(r.out);
  for (const auto& t : all["tasks"])
    if (t["id"] == id) return t;
  return nullptr;
}

// SIGKILLs the task's wrapper and main process and reaps both (this test is
// their subreaper), as a power cut leaves them.
void kill_hard(const SpmiEnv& env, const std::string& id) {
  auto st = env.state(id);
  REQUIRE(::kill(st.wrapper_pid, SIGKILL) == 0);
  REQUIRE(::waitpid(st.wrapper_pid, nullptr, 0) == st.wrapper_pid);
  REQUIRE(::kill(st.pid, SIGKILL) == 0);
  REQUIRE(::waitpid(st.pid, nullptr, 0) == st.pid);
}

}  // namespace

TEST_CASE("a simulated reboot: resurrect brings back what ran, in dependency order, and nothing else",
          "[e2e][reboot][serial]") {
  spmi::test::Subreaper subreaper;
  SpmiEnv env;
  std::string marker = env.dir() + "/db-ready";
  // web may start only once db is ready: it fails at once without db's marker.
  std::string project = env.write("p.toml", R"([project]
name = "p"
[[project.tasks]]
id = "db"
wrapper = { type = "watchdog", ready_fd = 3, command = "sleep 0.3; touch )" + marker + R"(; echo >&3; exec sleep 300" }
[[project.tasks]]
id = "web"
depends_on = ["db"]
start_when = "ready"
wrapper = { command = "test -e )" + marker + R"( && exec sleep 300" }
[[project.tasks]]
id = "off"
wrapper = { command = "exec sleep 300" }
[[project.tasks]]
id = "termed"
wrapper = { command = "exec sleep 300" }
[[project.tasks]]
id = "once"
wrapper = { command = "true" }
)");
  REQUIRE(env.run({"load", project}).exit_code == 0);
  REQUIRE(env.run({"start", "-p", "p"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.state("web").phase == spmi::Phase::Running; }));
  REQUIRE(eventually(5000, [&] { return env.state("once").phase == spmi::Phase::Exited; }));
  CHECK(env.state("once").end_cause == spmi::EndCause::Exit);
  // A user's stop, and a shutdown's SIGTERM to a wrapper.
  REQUIRE(env.run({"stop", "off"}).exit_code == 0);
  CHECK(env.state("off").end_cause == spmi::EndCause::User);
  REQUIRE(::kill(env.state("termed").wrapper_pid, SIGTERM) == 0);
  REQUIRE(eventually(5000, [&] { return env.state("termed").phase == spmi::Phase::Exited; }));
  CHECK(env.state("termed").end_cause == spmi::EndCause::Signal);
  CHECK(env.state("termed").stop_request == "stop");

  // The power goes.
  auto db_before = env.state("db"), web_before = env.state("web");
  kill_hard(env, "db");
  kill_hard(env, "web");
  ::unlink(marker.c_str());
  // Someone else's process now holds the old db's pid (only root can pick one).
  std::unique_ptr<spmi::test::Impostor> impostor;
  if (::geteuid() == 0) impostor = std::make_unique<spmi::test::Impostor>(db_before.pid);

  // After the reboot: lost in a reboot, nothing searched for.
  for (const char* id : {"db", "web"}) {
    INFO(id);
    auto t = listed_after(env, id);
    CHECK(t["state"] == "lost-in-reboot");
    CHECK(t["end_cause"] == "reboot");
    CHECK(t["pid"].is_null());
    CHECK(t["leftover_pids"].empty());
  }
  CHECK(listed_after(env, "off")["end_cause"] == "user");
  CHECK(listed_after(env, "termed")["end_cause"] == "signal");
  CHECK(listed_after(env, "once")["end_cause"] == "exit");
  auto status = env.run_raw({"status", "db"}, 30, kNextBoot);
  CHECK(status.exit_code == 1);
  CHECK(status.out.find("Active: lost-in-reboot") != std::string::npos);

  auto dry = env.run_raw({"resurrect", "--dry-run"}, 30, kNextBoot);
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out == "would start db (it was running before the reboot)\n"
                   "would start termed (its wrapper was stopped by a signal, not by a user)\n"
                   "would start web (it was running before the reboot)\n");
  CHECK(env.state("db").run_id == db_before.run_id);  // nothing started

  auto r = env.run_raw({"resurrect", "--wait", "--for", "running"}, 60, kNextBoot);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  for (const char* id : {"db", "web", "termed"}) {
    INFO(id);
    CHECK(listed_after(env, id)["state"] == "active");
  }
  CHECK(listed_after(env, "off")["state"] == "inactive");
  CHECK(listed_after(env, "once")["state"] == "inactive");
  // In order: web ran its check after db was ready, and is still running.
  auto db = env.state("db"), web = env.state("web");
  CHECK(db.run_id != db_before.run_id);
  CHECK(web.run_id != web_before.run_id);
  CHECK(db.ready);
  CHECK(web.started_at_ms >= db.ready_at_ms);
  CHECK(eventually(5000, [&] { return env.state("web").phase == spmi::Phase::Running; }));
  if (impostor) CHECK(alive(impostor->pid));

  // Again: everything wanted is running; nothing is started twice.
  auto again = env.run_raw({"resurrect"}, 30, kNextBoot);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to bring back (3 active, 2 stopped or ended by themselves)") != std::string::npos);
  CHECK(env.state("db").run_id == db.run_id);

  CHECK(env.run_raw({"stop", "-p", "p"}, 60, kNextBoot).exit_code == 0);
  if (impostor) CHECK(alive(impostor->pid));
}

TEST_CASE("after a reboot a user's stop of a lost task is recorded, and resurrect leaves it down",
          "[e2e][reboot]") {
  spmi::test::Subreaper subreaper;
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("gone", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"start", "gone"}).exit_code == 0);
  kill_hard(env, "gone");
  auto stop = env.run_raw({"stop", "gone"}, 30, kNextBoot);
  INFO(stop.out << stop.err);
  CHECK(stop.exit_code == 0);
  CHECK(stop.out.find("stopped gone (its wrapper was lost in a reboot; nothing of it ran; recorded as stopped)") !=
        std::string::npos);
  CHECK(env.state("gone").end_cause == spmi::EndCause::User);
  CHECK(listed_after(env, "gone")["state"] == "inactive");
  auto r = env.run_raw({"resurrect"}, 30, kNextBoot);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("nothing to bring back") != std::string::npos);
  CHECK(listed_after(env, "gone")["state"] == "inactive");
}

TEST_CASE("resurrect in the same boot: a killed wrapper's task comes back, one with leftovers is refused",
          "[e2e][reboot][lost]") {
  spmi::test::Subreaper subreaper;
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("crashed", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"load", env.task("orphaned", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"start", "crashed", "orphaned"}).exit_code == 0);
  kill_hard(env, "crashed");
  auto orphaned = env.state("orphaned");
  REQUIRE(::kill(orphaned.wrapper_pid, SIGKILL) == 0);
  REQUIRE(::waitpid(orphaned.wrapper_pid, nullptr, 0) == orphaned.wrapper_pid);
  CHECK(spmi::test::listed(env, "crashed")["end_cause"] == "lost");
  auto r = env.run({"resurrect"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("bringing back crashed (its wrapper was lost)") != std::string::npos);
  CHECK(r.err.find("orphaned: its wrapper was lost and 1 of its processes still run; end them with "
                   "'spmi kill orphaned' first") != std::string::npos);
  CHECK(spmi::test::listed(env, "crashed")["state"] == "active");
  CHECK(alive(orphaned.pid));
  CHECK(env.run({"kill", "orphaned"}).exit_code == 0);
  CHECK_FALSE(alive(orphaned.pid));
  CHECK(env.run({"stop", "crashed"}).exit_code == 0);
}

TEST_CASE("autostart: resurrect starts the task whenever it is not active, even after a user's stop",
          "[e2e][reboot]") {
  SpmiEnv env;
  std::string d = env.write("a.toml", "[task]\nid = \"always\"\nautostart = true\n[task.wrapper]\ncommand = \"exec sleep 300\"\n");
  REQUIRE(env.run({"load", d}).exit_code == 0);
  auto r = env.run({"resurrect"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("bringing back always (autostart)") != std::string::npos);
  CHECK(spmi::test::listed(env, "always")["autostart"] == true);
  REQUIRE(env.run({"stop", "always"}).exit_code == 0);
  CHECK(env.run({"resurrect"}).exit_code == 0);
  CHECK(spmi::test::listed(env, "always")["state"] == "active");
  CHECK(env.run({"stop", "always"}).exit_code == 0);
}
