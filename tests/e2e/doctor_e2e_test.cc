// End to end: `spmi doctor` names what this machine lacks and what to do:
// a backend's tool missing from PATH (a problem only when a task uses the
// backend), a state directory others can read, tasks lost in a reboot,
// leftover processes of a lost wrapper, and a PID 1 that does not reap
// orphans (checked against a subreaper that does not reap, and one that
// does).
#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/harness.h"
#include "e2e/pid_helpers.h"
#include "system/doctor.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::SpmiEnv;
namespace fs = std::filesystem;

namespace {

struct Doctor {
  int exit_code = -1;
  nlohmann::json checks;
  std::string out;
  // The first finding of `check` (null when there is none).
  nlohmann::json find(const std::string& check) const {
    for (const auto& c : checks)
      if (c["check"] == check) return c;
    return nullptr;
  }
};

Doctor doctor(const SpmiEnv& env, const std::vector<std::string>& extra_env = {}) {
  auto r = env.run_raw({"doctor", "--json"}, 60, extra_env);
  Doctor d;
  d.exit_code = r.exit_code;
  d.out = r.out + r.err;
  auto j = nlohmann::json::parse(r.out);
  d.checks = j["checks"];
  bool problem = false;
  for (const auto& c : d.checks) problem = problem || c["verdict"] == "problem";
  CHECK(j["ok"] == !problem);
  CHECK(d.exit_code == (problem ? 1 : 0));
  return d;
}

// A PATH with everything spmi's tasks here need but tmux.
std::string path_without_tmux(const SpmiEnv& env) {
  std::string bin = env.dir() + "/bin";
  fs::create_directories(bin);
  for (const char* tool : {"sh", "sleep", "true", "screen", "env"}) {
    std::string where = spmi::test::run_program({"sh", "-c", std::string("command -v ") + tool});
    if (!where.empty()) fs::create_symlink(where.substr(0, where.size() - 1), bin + "/" + tool);
  }
  return bin;
}

}  // namespace

TEST_CASE("doctor: the wrappers, the state directory and every check are there", "[e2e][doctor]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("fine", "exec sleep 300")}).exit_code == 0);
  Doctor d = doctor(env);
  INFO(d.out);
  for (const char* name : {"spmi-wrapper", "spmi-watchdog", "spmi-probe", "state directory", "tasks"}) {
    INFO(name);
    CHECK(d.find(name)["verdict"] == "ok");
  }
  for (const char* name : {"screen", "tmux", "sbatch", "cgroups", "lingering", "orphans"}) {
    INFO(name);
    CHECK(!d.find(name).is_null());
  }
  // Where the PID 1 does not reap at once (this machine's), that is named.
  auto orphans = d.find("orphans");
  if (orphans["verdict"] == "problem") {
    CHECK(orphans["detail"].get<std::string>().find("zombie") != std::string::npos);
    CHECK(orphans["fix"].get<std::string>().find("init") != std::string::npos);
  }
  // The table for people says the same.
  auto text = env.run({"doctor"});
  CHECK(text.exit_code == d.exit_code);
  CHECK(text.out.find("spmi-wrapper: ") != std::string::npos);
}

TEST_CASE("doctor: a tool missing from PATH is a problem only when a task needs it", "[e2e][doctor]") {
  SpmiEnv env;
  std::vector<std::string> no_tmux = {"PATH=" + path_without_tmux(env)};
  Doctor d = doctor(env, no_tmux);
  auto tmux = d.find("tmux");
  INFO(d.out);
  CHECK(tmux["verdict"] == "note");
  CHECK(tmux["detail"].get<std::string>().find("not found on PATH") != std::string::npos);
  std::string descriptor = env.write(
      "win.toml", "[task]\nid = \"win\"\n[task.backend]\ntype = \"tmux\"\n[task.wrapper]\ncommand = \"true\"\n");
  REQUIRE(env.run({"load", descriptor}).exit_code == 0);
  d = doctor(env, no_tmux);
  tmux = d.find("tmux");
  CHECK(tmux["verdict"] == "problem");
  CHECK(tmux["detail"].get<std::string>().find("win") != std::string::npos);
  CHECK(tmux["fix"].get<std::string>().find("apt-get install tmux") != std::string::npos);
  CHECK(d.exit_code == 1);
}

TEST_CASE("doctor: a state directory others can read is named with the fix", "[e2e][doctor]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("t", "true")}).exit_code == 0);
  ::chmod(env.spmi_path().c_str(), 0750);
  Doctor d = doctor(env);
  auto dir = d.find("state directory");
  CHECK(dir["verdict"] == "problem");
  CHECK(dir["detail"].get<std::string>().find("mode 0750") != std::string::npos);
  CHECK(dir["fix"] == "chmod 700 " + env.spmi_path());
  struct stat st;
  REQUIRE(::stat(env.spmi_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0750);  // doctor only looks
}

TEST_CASE("doctor: tasks lost in a reboot and leftovers of a lost wrapper", "[e2e][doctor][lost]") {
  spmi::test::Subreaper subreaper;
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("before", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"load", env.task("orphan", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"start", "before", "orphan"}).exit_code == 0);
  auto before = env.state("before"), orphan = env.state("orphan");
  for (pid_t p : {before.wrapper_pid, before.pid, orphan.wrapper_pid}) {
    REQUIRE(::kill(p, SIGKILL) == 0);
    REQUIRE(::waitpid(p, nullptr, 0) == p);
  }
  Doctor d = doctor(env);
  INFO(d.out);
  auto leftovers = d.find("leftover processes");
  CHECK(leftovers["verdict"] == "problem");
  CHECK(leftovers["detail"].get<std::string>().find("orphan (pids " + std::to_string(orphan.pid) + ")") !=
        std::string::npos);
  CHECK(leftovers["fix"] == "spmi kill <id> ends them");
  CHECK(d.find("lost wrappers")["detail"].get<std::string>().find("before") == 0);
  // After a reboot the old pids mean nothing: no leftovers, both lost in it.
  d = doctor(env, {"SPMI_TEST_BOOT_ID=99999999-0000-0000-0000-000000000000"});
  CHECK(d.find("lost in a reboot")["detail"] == "before, orphan");
  CHECK(d.find("leftover processes").is_null());
  CHECK(d.exit_code == 1);
  CHECK(env.run({"kill", "orphan"}).exit_code == 0);
  CHECK_FALSE(alive(orphan.pid));
}

TEST_CASE("the orphan check: a subreaper that never reaps, and one that reaps at once", "[e2e][doctor]") {
  {
    // This test process adopts the orphan and does not reap it.
    spmi::test::Subreaper subreaper;
    spmi::OrphanCheck c = spmi::check_orphans();
    CHECK_FALSE(c.reaped);
    CHECK(c.adopter == "pid " + std::to_string(::getpid()) + " (spmi_tests)");
  }
  {
    spmi::test::Subreaper subreaper;
    std::atomic<bool> stop{false};
    std::thread reaper([&] {
      while (!stop) {
        if (::waitpid(-1, nullptr, WNOHANG) <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
    spmi::OrphanCheck c = spmi::check_orphans();
    stop = true;
    reaper.join();
    CHECK(c.reaped);
    CHECK(c.zombie_ms < spmi::kPromptReapMs);
  }
}
