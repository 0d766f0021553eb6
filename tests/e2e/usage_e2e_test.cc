// End to end: what tasks cost. The CPU, memory and process figures of
// list and status against what /proc and ps say of the same processes.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <thread>

#include "common/proc.h"
#include "e2e/harness.h"

using spmi::test::eventually;
using spmi::test::SpmiEnv;

namespace {

nlohmann::json task_json(const SpmiEnv& env, const std::string& cmd, const std::string& id) {
  auto r = env.run({cmd, id, "--json"});
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["tasks"].size() == 1);
  return j["tasks"][0];
}

// utime + stime + cutime + cstime of `pid` in seconds, as /proc says.
double cpu_seconds_of(pid_t pid) {
  spmi::ProcStat st;
  REQUIRE(spmi::read_proc_stat(pid, &st));
  return static_cast<double>(st.cpu_ticks) / static_cast<double>(spmi::clock_ticks_per_second());
}

long long ps_rss_bytes(pid_t pid) {
  std::string out = spmi::test::run_program({"ps", "-o", "rss=", "-p", std::to_string(pid)});
  return std::stoll(out) * 1024;
}

}  // namespace

TEST_CASE("list and status show the memory of a task as ps does", "[e2e][usage]") {
  SpmiEnv env;
  // 100 MiB, every page touched, then idle.
  std::string hog = env.write("hog.py",
                              "import sys, time\n"
                              "b = bytearray(100 * 1024 * 1024)\n"
                              "for i in range(0, len(b), 4096): b[i] = 1\n"
                              "print('ready', flush=True)\n"
                              "time.sleep(600)\n");
  REQUIRE(env.run({"load", env.task("hog", "exec python3 " + hog)}).exit_code == 0);
  REQUIRE(env.run({"start", "hog"}).exit_code == 0);
  REQUIRE(eventually(10000, [&] { return spmi::test::slurp(env.spmi_path() + "/hog/stdout.log") == "ready\n"; }));
  pid_t pid = env.state("hog").pid;
  const long long ps_rss = ps_rss_bytes(pid);
  CHECK(ps_rss > 100LL << 20);

  auto j = task_json(env, "list", "hog");
  CHECK(j["processes"] == 1);
  // The same pages: within 2 MiB of what ps said a moment before.
  CHECK(std::llabs(j["rss_bytes"].get<long long>() - ps_rss) < (2LL << 20));
  CHECK(j["cpu_seconds"].get<double>() >= 0);
  CHECK(j["cpu_percent"].is_number());

  auto s = task_json(env, "status", "hog");
  CHECK(s["processes"] == 1);
  CHECK(s["pss_bytes"].get<long long>() > 100LL << 20);
  CHECK(s["pss_bytes"].get<long long>() <= s["rss_bytes"].get<long long>());
  REQUIRE(s["top_processes"].size() == 1);
  CHECK(s["top_processes"][0]["pid"] == pid);
  CHECK(s["top_processes"][0]["command"].get<std::string>().find("python3 " + hog) != std::string::npos);

  // The table's MEM column and status's lines.
  auto table = env.run({"list"}).out;
  CHECK(table.find("CPU") != std::string::npos);
  CHECK(table.find("MEM") != std::string::npos);
  CHECK(std::regex_search(table, std::regex(" 1[01][0-9]\\.[0-9]M ")));  // 100 MiB and python itself
  auto text = env.run({"status", "hog"}).out;
  CHECK(text.find("      Memory: ") != std::string::npos);
  CHECK(text.find("MiB proportional (PSS)") != std::string::npos);
  CHECK(text.find("   Processes: 1\n") != std::string::npos);
  CHECK(text.find(std::to_string(pid)) != std::string::npos);
}

TEST_CASE("CPU time and CPU% of a busy task agree with /proc", "[e2e][usage]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("burn", "while :; do :; done"), env.task("idle", "sleep 600")}).exit_code == 0);
  REQUIRE(env.run({"start", "burn|idle"}).exit_code == 0);
  pid_t burner = env.state("burn").pid;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // Taken between two readings of /proc, spmi's figure lies between them.
  double before = cpu_seconds_of(burner);
  auto first = task_json(env, "list", "burn");
  double after = cpu_seconds_of(burner);
  CHECK(first["cpu_seconds"].get<double>() >= before - 0.01);
  CHECK(first["cpu_seconds"].get<double>() <= after + 0.01);

  // A second look 1.5 s later measures the rate over that window.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  before = cpu_seconds_of(burner);
  auto j = task_json(env, "list", "burn");
  auto idle = task_json(env, "list", "idle");
  CHECK(j["cpu_window_seconds"].get<double>() >= 1.0);
  CHECK(j["cpu_window_seconds"].get<double>() < 10.0);
  // A busy loop takes a core unless the machine is loaded: at least a
  // fifth of it, at most one.
  CHECK(j["cpu_percent"].get<double>() > 20);
  CHECK(j["cpu_percent"].get<double>() <= 105);
  // An idle sleeper: nothing.
  CHECK(idle["cpu_percent"].get<double>() < 5);

  // The window goes on from the last look, kept outside $SPMI_PATH.
  auto cache = env.dir() + "/run/spmi";
  struct stat st;
  REQUIRE(::stat(cache.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache)) files += e.path().filename().string().rfind("cpu-", 0) == 0;
  CHECK(files == 1);
  for (const auto& e : std::filesystem::recursive_directory_iterator(env.spmi_path()))
    CHECK(e.path().filename().string().find("cpu") == std::string::npos);

  // status right after list still has a window of at least a second.
  auto s = task_json(env, "status", "burn");
  CHECK(s["cpu_window_seconds"].get<double>() >= 1.0);
}

TEST_CASE("the figures cover the whole tree, daemons included", "[e2e][usage]") {
  SpmiEnv env;
  // A shell with a child and a double-forked daemon (reparented to the wrapper).
  REQUIRE(env.run({"load", env.task("tree", "(setsid sleep 600 &) ; sleep 600 & wait")}).exit_code == 0);
  REQUIRE(env.run({"start", "tree"}).exit_code == 0);
  // The subshell that launches the daemon lives for a moment, so "three
  // processes" alone can be sh, subshell and daemon before the second
  // sleep exists: wait for the settled tree, sh and two sleeps.
  auto settled = [](const nlohmann::json& s) {
    if (!s["top_processes"].is_array() || s["top_processes"].size() != 3) return false;
    int sleeps = 0;
    for (const auto& p : s["top_processes"]) sleeps += p["command"].get<std::string>().rfind("sleep 600", 0) == 0;
    return sleeps == 2;
  };
  nlohmann::json j;
  REQUIRE(eventually(5000, [&] { j = task_json(env, "status", "tree"); return settled(j); }));
  CHECK(j["processes"] == 3);
  CHECK(task_json(env, "list", "tree")["processes"] == 3);
  long long sum = 0;
  for (const auto& p : j["top_processes"]) sum += p["rss_bytes"].get<long long>();
  CHECK(sum == j["rss_bytes"].get<long long>());

  // Inactive: no figures, and "-" in the table.
  REQUIRE(env.run({"stop", "tree"}).exit_code == 0);
  j = task_json(env, "list", "tree");
  CHECK(j["processes"].is_null());
  CHECK(j["rss_bytes"].is_null());
  CHECK(j["cpu_percent"].is_null());
  auto table = env.run({"list"}).out;
  CHECK(table.find("tree  inactive  -    -    -    ") != std::string::npos);
}
