// End to end: a task's own cgroup on this machine's real hierarchies (cgroup
// v1 controllers with a controller-less cgroup2 beside them here; cgroup v2
// where the machine has it): membership of the whole tree, the kernel's
// limits, the atomic kill, removal at the end, and the refusal where no
// hierarchy is writable. Each test's cgroups live under its own parent
// ($SPMI_CGROUP_PARENT, removed by the harness).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/proc.h"
#include "e2e/harness.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::eventually;
using spmi::test::SpmiEnv;

namespace {

nlohmann::json status_json(const SpmiEnv& env, const std::string& id) {
  auto j = nlohmann::json::parse(env.run({"status", id, "--json"}).out);
  REQUIRE(j["tasks"].size() == 1);
  return j["tasks"][0];
}

std::vector<pid_t> procs_in(const std::string& dir) {
  std::vector<pid_t> out;
  std::ifstream in(dir + "/cgroup.procs");
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

bool has(const std::vector<pid_t>& v, pid_t p) { return std::find(v.begin(), v.end(), p) != v.end(); }

// The task's shell became `sleep` (after its subshell forked the daemon
// and ended) and each of `dirs` holds the two sleeps.
bool two_sleeps_in(pid_t main, const std::vector<std::string>& dirs) {
  return spmi::test::slurp("/proc/" + std::to_string(main) + "/comm") == "sleep\n" &&
         std::all_of(dirs.begin(), dirs.end(), [](const std::string& d) { return procs_in(d).size() == 2; });
}

double cpu_seconds_of(pid_t pid) {
  spmi::ProcStat st;
  if (!spmi::read_proc_stat(pid, &st)) return -1;
  return static_cast<double>(st.cpu_ticks) / static_cast<double>(spmi::clock_ticks_per_second());
}

}  // namespace

TEST_CASE("cgroup: a task and its daemons run in a cgroup of their own, removed at the end", "[e2e][cgroup]") {
  if (spmi::test::skipped_without_root("making cgroups in the machine's hierarchies")) return;
  SpmiEnv env;
  // A daemon that double-forks away from the shell: still in the group.
  REQUIRE(env.run({"load", env.task("d", "(setsid sleep 600 &); echo started; exec sleep 600")}).exit_code == 0);
  REQUIRE(env.run({"start", "d"}).exit_code == 0);
  auto st = env.state("d");
  REQUIRE((st.cgroup_mode == "v1" || st.cgroup_mode == "v2"));
  REQUIRE_FALSE(st.cgroups.empty());
  REQUIRE(eventually(5000, [&] { return two_sleeps_in(st.pid, st.cgroups); }));
  for (const auto& dir : st.cgroups) {
    INFO(dir);
    CHECK(dir.find("/" + env.cgroup_parent() + "/d-" + st.run_id) != std::string::npos);
    auto members = procs_in(dir);
    CHECK(members.size() == 2);
    CHECK(has(members, st.pid));
    CHECK_FALSE(has(members, st.wrapper_pid));  // the wrapper stays outside: an OOM kill never takes it
  }
  auto j = status_json(env, "d");
  CHECK(j["cgroup"]["mode"] == st.cgroup_mode);
  CHECK(j["cgroup"]["members"].size() == 2);
  CHECK(j["cgroup"]["memory_bytes"].get<long long>() > 0);
  CHECK(env.run({"status", "d"}).out.find("      Cgroup: " + st.cgroup_mode + " ") != std::string::npos);

  REQUIRE(env.run({"stop", "d"}).exit_code == 0);
  for (const auto& dir : st.cgroups) CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("cgroup: memory_max lets the kernel stop a hog, and the watchdog reports and restarts it", "[e2e][cgroup]") {
  if (spmi::test::skipped_without_root("making cgroups in the machine's hierarchies")) return;
  SpmiEnv env;
  std::string hog = env.write("hog.py",
                              "import time\n"
                              "b = bytearray(200 * 1024 * 1024)\n"
                              "for i in range(0, len(b), 4096): b[i] = 1\n"
                              "time.sleep(600)\n");
  REQUIRE(env.run({"load", spmi::test::watchdog(env, "hog", "exec python3 " + hog,
                                                "memory_max = \"50MiB\"\nrestart = \"on-failure\"\nrestart_delay = \"200ms\"\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "hog"}).exit_code == 0);
  REQUIRE(eventually(20000, [&] {
    auto names = spmi::test::event_names(env, "hog");
    return std::count(names.begin(), names.end(), "oom-kill") >= 2;
  }));
  std::string reason;
  for (const auto& e : spmi::test::events(env, "hog"))
    if (e["event"] == "oom-kill") reason = e["reason"];
  CHECK(reason.find("OOM killer") != std::string::npos);
  CHECK(reason.find("memory_max (50MiB)") != std::string::npos);
  auto j = status_json(env, "hog");
  CHECK(j["restarts"].get<int>() >= 1);
  CHECK(j["memory_max_bytes"] == 50LL << 20);
  if (!j["cgroup"].is_null() && j["cgroup"].contains("oom_kills")) CHECK(j["cgroup"]["oom_kills"].get<int>() >= 1);
  CHECK(env.run({"kill", "hog"}).exit_code == 0);
}

TEST_CASE("cgroup: cpu_max = 20% holds a busy loop to a fifth of a core", "[e2e][cgroup]") {
  if (spmi::test::skipped_without_root("making cgroups in the machine's hierarchies")) return;
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("burn", "exec sh -c 'while :; do :; done'", "cpu_max = \"20%\"\n")}).exit_code == 0);
  REQUIRE(env.run({"start", "burn"}).exit_code == 0);
  pid_t pid = env.state("burn").pid;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double before = cpu_seconds_of(pid);
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  double used = cpu_seconds_of(pid) - before;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("used " << used << " s of CPU in " << wall << " s");
  CHECK(used / wall <= 0.25);
  CHECK(used / wall > 0.05);  // it does run
  auto j = status_json(env, "burn");
  CHECK(j["cpu_max_cores"] == 0.2);
  CHECK(env.run({"status", "burn"}).out.find("20% of a core at most (cpu_max)") != std::string::npos);
}

TEST_CASE("cgroup: pids_max = 20 stops a fork bomb, and stop leaves nothing", "[e2e][cgroup]") {
  if (spmi::test::skipped_without_root("making cgroups in the machine's hierarchies")) return;
  SpmiEnv env;
  // Every process forks for ever and ignores SIGTERM: only the kill ends it.
  std::string bomb = env.write("bomb.py",
                               "import os, signal, time\n"
                               "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                               "while True:\n"
                               "    try:\n"
                               "        os.fork()\n"
                               "    except OSError:\n"
                               "        time.sleep(0.01)\n");
  REQUIRE(env.run({"load", env.task("bomb", "exec python3 " + bomb, "pids_max = 20\nstop_timeout = \"1s\"\n")}).exit_code == 0);
  REQUIRE(env.run({"start", "bomb"}).exit_code == 0);
  auto st = env.state("bomb");
  REQUIRE_FALSE(st.cgroups.empty());
  REQUIRE(eventually(10000, [&] { return procs_in(st.cgroups.front()).size() >= 20; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto members = procs_in(st.cgroups.front());
  CHECK(members.size() == 20);  // held at the limit
  auto j = status_json(env, "bomb");
  CHECK(j["cgroup"]["pids"].get<int>() <= 20);

  auto r = env.run({"stop", "bomb"});
  CHECK(r.exit_code == 0);
  for (pid_t p : members) CHECK_FALSE(spmi::test::alive(p));
  for (const auto& dir : st.cgroups) CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("cgroup: where no hierarchy is writable, a task with limits is refused and one without runs", "[e2e][cgroup]") {
  if (spmi::test::skipped_without_root("switching to nobody, who cannot write the hierarchies")) return;
  SpmiEnv env;
  // A state directory of nobody's, reachable by nobody.
  std::string base = env.dir() + "-nobody";
  REQUIRE(::mkdir(base.c_str(), 0755) == 0);
  std::string state = base + "/state";
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  REQUIRE(::chown(state.c_str(), 65534, 65534) == 0);
  auto write = [&](const std::string& name, const std::string& text) {
    std::string p = base + "/" + name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), 0644);
    return p;
  };
  std::string limited = write("limited.toml", "[task]\nid = \"limited\"\n[task.wrapper]\ncommand = \"sleep 600\"\nmemory_max = \"64MiB\"\n");
  std::string plain = write("plain.toml", "[task]\nid = \"plain\"\n[task.wrapper]\ncommand = \"sleep 600\"\n");
  auto as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                     "env", "SPMI_PATH=" + state, "SPMI_CGROUP_PARENT=" + env.cgroup_parent(),
                                     "sh", "-c", "exec \"$@\" 2>&1", "sh", SPMI_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    int code = -1;
    std::string out = spmi::test::run_program(argv, &code);
    return std::make_pair(code, out);
  };
  REQUIRE(as_nobody({"load", limited, plain}).first == 0);
  auto [code, out] = as_nobody({"start", "limited"});
  INFO(out);
  CHECK(code != 0);
  CHECK(out.find("limited: ") != std::string::npos);
  CHECK(out.find("cannot enforce its cgroup limits: ") != std::string::npos);
  CHECK(out.find("Permission denied") != std::string::npos);

  auto started = as_nobody({"start", "plain"});
  INFO(started.second);
  CHECK(started.first == 0);
  auto status = as_nobody({"status", "plain"}).second;
  CHECK(status.find("      Cgroup: none: ") != std::string::npos);
  as_nobody({"kill", "plain"});
  std::error_code ec;
  std::filesystem::remove_all(base, ec);
}

TEST_CASE("cgroup: a lost wrapper's cgroup proves what is left of the task, and kill removes it", "[e2e][cgroup]") {
  if (spmi::test::skipped_without_root("making cgroups in the machine's hierarchies")) return;
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("lost", "(setsid sleep 600 &); exec sleep 600")}).exit_code == 0);
  REQUIRE(env.run({"start", "lost"}).exit_code == 0);
  auto st = env.state("lost");
  REQUIRE_FALSE(st.cgroups.empty());
  REQUIRE(eventually(5000, [&] { return two_sleeps_in(st.pid, st.cgroups); }));
  auto members = procs_in(st.cgroups.front());
  // The wrapper dies without a word: its cgroup stays, with the task in it.
  spmi::ProcStat w;
  REQUIRE(spmi::read_proc_stat(st.wrapper_pid, &w));
  REQUIRE(::kill(st.wrapper_pid, SIGKILL) == 0);
  REQUIRE(eventually(5000, [&] { return spmi::test::listed(env, "lost")["state"] == "wrapper-lost"; }));
  auto j = spmi::test::listed(env, "lost");
  CHECK(j["leftover_pids"].size() == 2);
  for (pid_t p : members) CHECK(std::find(j["leftover_pids"].begin(), j["leftover_pids"].end(), p) != j["leftover_pids"].end());
  REQUIRE(env.run({"kill", "lost"}).exit_code == 0);
  for (pid_t p : members) CHECK_FALSE(spmi::test::alive(p));
  for (const auto& dir : st.cgroups) CHECK_FALSE(std::filesystem::exists(dir));
  CHECK(spmi::test::listed(env, "lost")["state"] == "inactive");
}
