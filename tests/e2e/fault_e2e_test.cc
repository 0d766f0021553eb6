// End to end: faults injected from outside, each followed by the invariants
// a user relies on. The CLI is SIGKILLed at random moments of load, apply,
// start, stop, restart, kill and clean (as Ctrl-C, an OOM kill or a lost
// SSH session would do it), and many CLIs work on the same tasks at once.
// After each: every file parses (nothing half-written), a task is active
// exactly when one wrapper runs it, no process of a task runs unless the
// task is active, nobody is left behind, and stop and clean still work.
//
// The random choices come from a seed printed on failure; set
// SPMI_FAULT_SEED to replay one. The runs are bounded by a number of
// iterations and a time budget (SPMI_FAULT_SECONDS, default 40 s each).
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/proc.h"
#include "common/process_tree.h"
#include "e2e/harness.h"

using spmi::test::SpmiEnv;

namespace {

using Clock = std::chrono::steady_clock;

// Two versions of one project: v2 changes a's command, drops c, adds d.
const char* kStackV1 = R"([project]
name = "f"
[project.defaults.wrapper]
stop_timeout = "2s"
[project.tasks.fa.wrapper]
command = "exec sleep 300"
[project.tasks.fb]
depends_on = ["fa"]
[project.tasks.fb.wrapper]
command = "exec sleep 300"
[project.tasks.fw.wrapper]
type = "watchdog"
command = "sleep 0.3"
restart = "always"
restart_delay = "100ms"
max_restarts = 100000
[project.tasks.ft.wrapper]
command = "trap '' TERM; sleep 300"
stop_timeout = "300ms"
[project.tasks.fc.wrapper]
command = "sleep 300 & sleep 300; wait"
)";

const char* kStackV2 = R"([project]
name = "f"
[project.defaults.wrapper]
stop_timeout = "2s"
[project.tasks.fa.wrapper]
command = "exec sleep 301"
[project.tasks.fb]
depends_on = ["fa"]
[project.tasks.fb.wrapper]
command = "exec sleep 300"
[project.tasks.fw.wrapper]
type = "watchdog"
command = "sleep 0.3"
restart = "always"
restart_delay = "100ms"
max_restarts = 100000
[project.tasks.ft.wrapper]
command = "trap '' TERM; sleep 300"
stop_timeout = "300ms"
[project.tasks.fd.wrapper]
command = "exec sleep 300"
)";

unsigned seed_from_env() {
  if (const char* s = std::getenv("SPMI_FAULT_SEED")) return static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

int budget_seconds() {
  const char* s = std::getenv("SPMI_FAULT_SECONDS");
  int v = s ? std::atoi(s) : 0;
  return v > 0 ? v : 40;
}

std::string proc_file(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\0', pos);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

struct TaskProcs {
  std::vector<pid_t> wrappers;  // wrapper processes (their helper children not counted)
  std::vector<pid_t> others;    // the task's own processes
};

// Every live (non-zombie) process that belongs to a task under `root`, by
// task id: wrappers (argv "spmi-wrapper ... <root>/<id>") and the tasks'
// processes (SPMI_TASK_DIR=<root>/<id> in their environment).
std::map<std::string, TaskProcs> processes_under(const std::string& root) {
  std::map<std::string, TaskProcs> out;
  std::map<pid_t, std::string> wrapper_of;
  std::vector<std::pair<spmi::ProcStat, std::string>> wrappers;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  const std::string prefix = root + "/";
  while (struct dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    spmi::ProcStat st;
    if (pid <= 0 || pid == ::getpid() || !spmi::read_proc_stat(pid, &st) || st.state == 'Z') continue;
    std::vector<std::string> argv = split_nul(proc_file(pid, "cmdline"));
    if (argv.size() >= 2 && argv[0] == "spmi-wrapper" && argv.back().rfind(prefix, 0) == 0) {
      wrapper_of[pid] = argv.back().substr(prefix.size());
      wrappers.emplace_back(st, wrapper_of[pid]);
      continue;
    }
    for (const auto& var : split_nul(proc_file(pid, "environ")))
      if (var.rfind("SPMI_TASK_DIR=" + prefix, 0) == 0) out[var.substr(14 + prefix.size())].others.push_back(pid);
  }
  ::closedir(d);
  // A wrapper's helper children (clone copies of it) are not second wrappers.
  for (const auto& [st, id] : wrappers) {
    auto parent = wrapper_of.find(st.ppid);
    if (parent == wrapper_of.end() || parent->second != id) out[id].wrappers.push_back(st.pid);
  }
  return out;
}

std::string pids_text(const std::vector<pid_t>& pids) {
  std::string s;
  for (pid_t p : pids) s += (s.empty() ? "" : " ") + std::to_string(p);
  return s;
}

// "" when the state directory and the processes agree; else the first
// disagreement, in words.
std::string inconsistency(const SpmiEnv& env) {
  auto r = env.run_raw({"list", "--json"}, 20);
  if (r.exit_code == -1) return "list --json hung: " + r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("tasks")) return "list --json did not print JSON: " + r.out + r.err;
  std::map<std::string, std::string> state;
  for (const auto& t : j["tasks"]) {
    std::string id = t["id"], s = t["state"];
    if (s == "broken" || s == "wrapper-lost") return id + " is " + s + ": " + r.err;
    state[id] = s;
  }
  if (r.exit_code != 0) return "list --json exited " + std::to_string(r.exit_code) + ": " + r.err;
  auto procs = processes_under(env.spmi_path());
  for (const auto& [id, p] : procs) {
    auto it = state.find(id);
    if (it == state.end())
      return "processes of " + id + ", which is not loaded: wrappers [" + pids_text(p.wrappers) + "], others [" +
             pids_text(p.others) + "]";
    if (p.wrappers.size() > 1) return id + " has two wrappers: " + pids_text(p.wrappers);
    if (it->second != "active" && !(p.wrappers.empty() && p.others.empty()))
      return id + " is " + it->second + " but its processes run: wrappers [" + pids_text(p.wrappers) + "], others [" +
             pids_text(p.others) + "]";
  }
  for (const auto& [id, s] : state)
    if (s == "active" && procs[id].wrappers.empty()) return id + " is active but no wrapper runs it";
  return "";
}

// Files a killed writer left behind: work directories of load/clean and
// the hidden temporary files of atomic writes (".<name>.tmp.<pid>"), whose
// writer is gone.
std::vector<std::string> leftovers(const std::string& root) {
  std::vector<std::string> out;
  auto dead = [](const std::string& name) {
    // ".<name>.tmp.<pid>@<host>"
    pid_t pid = static_cast<pid_t>(std::atoi(name.substr(name.rfind(".tmp.") + 5).c_str()));
    return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
  };
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    std::string name = e.path().filename();
    if (name.rfind(".new-", 0) == 0 || name.rfind(".removing-", 0) == 0) out.push_back(e.path());
    if (!e.is_directory() || name[0] == '.') continue;
    for (const auto& f : std::filesystem::directory_iterator(e.path(), ec)) {
      std::string fname = f.path().filename();
      if (fname[0] == '.' && fname.find(".tmp.") != std::string::npos && dead(fname)) out.push_back(f.path());
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

// The end of every fault test: everything stops and is cleaned, nothing
// is left running or lying around.
void stop_and_clean_all(const SpmiEnv& env, const std::string& v1) {
  REQUIRE(env.run({"apply", v1}).exit_code == 0);  // every task loaded again, work dirs collected
  auto stop = env.run({"stop", ".*"});
  INFO(stop.out << stop.err);
  CHECK(stop.exit_code == 0);
  auto clean = env.run({"clean", ".*"});
  INFO(clean.out << clean.err);
  CHECK(clean.exit_code == 0);
  CHECK(env.run({"list", "--json"}).out.find("\"id\"") == std::string::npos);
  auto procs = processes_under(env.spmi_path());
  std::string left;
  for (const auto& [id, p] : procs) left += id + ": [" + pids_text(p.wrappers) + "] [" + pids_text(p.others) + "] ";
  INFO("left running: " << left);
  CHECK(procs.empty());
  // Nothing half-written or abandoned.
  auto files = leftovers(env.spmi_path());
  INFO("left behind: " << join(files));
  CHECK(files.empty());
  // Whatever a failed check left, the harness ends by pid.
  for (const auto& [id, p] : procs)
    for (const auto& list : {p.wrappers, p.others})
      for (pid_t pid : list) ::kill(pid, SIGKILL);
}

}  // namespace

TEST_CASE("the CLI killed at random moments of load, apply, start, stop, restart, kill, clean leaves a "
          "consistent state",
          "[e2e][fault][serial]") {
  SpmiEnv env;
  const std::string v1 = env.write("stack.toml", kStackV1);
  const std::string v2 = env.write("stack2.toml", kStackV2);
  REQUIRE(env.run({"load", v1}).exit_code == 0);
  // The checks can see what they look for: five wrappers and their tasks,
  // and a wrapper killed behind spmi's back is an inconsistency.
  REQUIRE(env.run({"start", ".*"}).exit_code == 0);
  REQUIRE(inconsistency(env).empty());
  auto procs = processes_under(env.spmi_path());
  for (const char* id : {"fa", "fb", "fc", "ft", "fw"}) {
    CHECK(procs[id].wrappers.size() == 1);
    if (std::string(id) != "fw") CHECK_FALSE(procs[id].others.empty());  // fw may be between two runs
  }
  ::kill(procs["fa"].wrappers.at(0), SIGKILL);
  CHECK(spmi::test::eventually(5000, [&] { return inconsistency(env).find("fa is wrapper-lost") == 0; }));
  REQUIRE(env.run({"kill", "fa"}).exit_code == 0);  // ends what the lost wrapper left
  REQUIRE(inconsistency(env).empty());
  const std::vector<std::vector<std::string>> ops = {
      {"load", v1},         {"apply", v1},        {"apply", v2, "--prune"}, {"apply", v1, "--prune"},
      {"start", ".*"},      {"start", "fb"},      {"stop", ".*"},           {"stop", "fa"},
      {"restart", "f[aw]"}, {"kill", "ft|fc"},    {"clean", ".*"},          {"load", "--replace", v2},
      {"start", "fw|ft|fc"}};
  const unsigned seed = seed_from_env();
  INFO("seed " << seed << " (SPMI_FAULT_SEED replays it)");
  std::mt19937 rng(seed);
  // The budget, stretched (up to four times) on a slow machine until at
  // least 100 kills were tried: a sanitizer build on a busy host does a
  // third of the work in the same time.
  const auto until = Clock::now() + std::chrono::seconds(budget_seconds());
  const auto ceiling = Clock::now() + std::chrono::seconds(4 * budget_seconds());
  int iterations = 0, killed_midway = 0;
  std::map<std::string, int> kills_per_op;
  while (iterations < 400 && (Clock::now() < until || iterations < 100) && Clock::now() < ceiling) {
    const auto& op = ops[rng() % ops.size()];
    // Most of these commands end within 2-10 ms, stops of a TERM-ignoring
    // task within 300 ms: mostly early kills, some late ones.
    auto delay = std::chrono::microseconds(rng() % 4 ? rng() % 6000 : rng() % 60000);
    pid_t pid = env.spawn(op);
    REQUIRE(pid > 0);
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++killed_midway;
      ++kills_per_op[op[0]];
    }
    ++iterations;
    std::string why;
    bool consistent = spmi::test::eventually(5000, [&] {
      why = inconsistency(env);
      return why.empty();
    });
    INFO("iteration " << iterations << ": spmi " << join(op) << " killed after " << delay.count() << " us");
    INFO(why);
    REQUIRE(consistent);
  }
  std::string per_op;
  for (const auto& [op, n] : kills_per_op) per_op += op + "=" + std::to_string(n) + " ";
  WARN(iterations << " iterations, " << killed_midway << " killed midway: " << per_op);
  // Bounded, but never vacuous.
  CHECK(iterations >= 100);
  CHECK(killed_midway >= 50);
  for (const char* op : {"load", "apply", "start", "stop", "clean"}) CHECK(kills_per_op[op] > 0);
  stop_and_clean_all(env, v1);
}

TEST_CASE("parallel start, stop, kill, restart, clean, apply and list on the same tasks keep every invariant",
          "[e2e][fault][concurrency][serial]") {
  SpmiEnv env;
  const std::string v1 = env.write("stack.toml", kStackV1);
  const std::string v2 = env.write("stack2.toml", kStackV2);
  REQUIRE(env.run({"load", v1}).exit_code == 0);
  const std::vector<std::vector<std::string>> ops = {
      {"start", ".*"},    {"stop", ".*"},       {"kill", "ft|fc"},     {"restart", "f[aw]"},
      {"clean", "fc|fd"}, {"apply", v1},        {"apply", v2, "--prune"}, {"list"},
      {"status", ".*"},   {"start", "fb"},      {"stop", "fa"},        {"list", "--json"}};
  const unsigned seed = seed_from_env();
  INFO("seed " << seed << " (SPMI_FAULT_SEED replays it)");
  // Half the budget, stretched (up to twice the whole) until at least 100
  // commands ran, as above.
  const auto until = Clock::now() + std::chrono::seconds(budget_seconds() / 2);
  const auto ceiling = Clock::now() + std::chrono::seconds(2 * budget_seconds());
  constexpr int kThreads = 6;
  std::atomic<int> runs{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed + static_cast<unsigned>(t));
      while ((Clock::now() < until || runs.load() < 100) && Clock::now() < ceiling && failures[t].empty()) {
        const auto& op = ops[rng() % ops.size()];
        auto r = env.run_raw(op, 60);
        ++runs;
        // 0 done, 1 a task failed or was refused (clean of an active
        // task, a stop racing a start), 3 nothing matched (all cleaned).
        // Never a hang (-1), a usage error (2), an internal error (4) or
        // a crash.
        if (r.exit_code != 0 && r.exit_code != 1 && r.exit_code != 3)
          failures[t] = "spmi " + join(op) + " exited " + std::to_string(r.exit_code) + ": " + r.out + r.err;
        // A listed JSON always parses.
        if (op[0] == "list" && op.size() > 1 && r.exit_code == 0 &&
            nlohmann::json::parse(r.out, nullptr, false).is_discarded())
          failures[t] = "list --json printed a torn document: " + r.out;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) CHECK(f.empty());
  WARN(runs.load() << " commands in parallel");
  CHECK(runs.load() >= 100);
  std::string why;
  bool consistent = spmi::test::eventually(5000, [&] {
    why = inconsistency(env);
    return why.empty();
  });
  INFO(why);
  CHECK(consistent);
  stop_and_clean_all(env, v1);
}
