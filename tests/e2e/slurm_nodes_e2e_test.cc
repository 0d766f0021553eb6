// End to end against the two-node Slurm cluster (scripts/slurm-cluster.sh
// start --nodes 2, started by scripts/test.sh): slurmd spmi-n1 and spmi-n2
// each in its own PID, UTS and mount namespace, so a task's wrapper really
// runs on another host whose processes spmi here cannot see. Covered: a task
// placed on the second node and managed from here (list, status, JSON,
// stop, kill, restart, wait, logs, logs -f, logs --clear, connect through
// srun, connect --follow) without ever reading its pids in this host's
// /proc; the second node dying (status, stop, start elsewhere); a watchdog
// with a health check and restarts on the remote node; one squeue for all
// the queued tasks of a list.
//
// Tagged [slurm2]: they share one cluster, and one of them kills and revives
// a node, so ctest runs them one at a time (RESOURCE_LOCK, tests/CMakeLists.txt).
// Without the cluster every test here fails, naming the script to run.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "common/proc.h"
#include "e2e/harness.h"
#include "e2e/slurm_helpers.h"

using spmi::test::eventually;
using spmi::test::has;
using spmi::test::run_program;
using spmi::test::slurm_listed;
using spmi::test::slurm_task;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace {

// Points this test's Slurm clients (and the spmi it runs) at the two-node
// cluster for the test's duration.
class TwoNodeCluster {
 public:
  TwoNodeCluster() {
    const char* given = std::getenv("SPMI_TEST_SLURM2_CONF");
    conf_ = given && *given ? given : "/tmp/spmi-slurm2/slurm.conf";
    const char* old = std::getenv("SLURM_CONF");
    had_ = old != nullptr;
    if (had_) old_ = old;
    ::setenv("SLURM_CONF", conf_.c_str(), 1);
    int code = -1;
    std::string out = run_program({"scontrol", "ping"}, &code);
    INFO("the two-node tests need the two-node cluster: scripts/slurm-cluster.sh start --nodes 2 "
         "(scripts/test.sh does this; SPMI_TEST_SLURM2_CONF names its slurm.conf, default "
         "/tmp/spmi-slurm2/slurm.conf); scontrol ping said: " + out);
    REQUIRE(code == 0);
    REQUIRE(has(out, "UP"));
  }
  ~TwoNodeCluster() {
    if (had_) ::setenv("SLURM_CONF", old_.c_str(), 1);
    else ::unsetenv("SLURM_CONF");
  }
  TwoNodeCluster(const TwoNodeCluster&) = delete;
  TwoNodeCluster& operator=(const TwoNodeCluster&) = delete;

  // scripts/slurm-cluster.sh <args...> against this cluster; its exit code.
  int script(const std::vector<std::string>& args) const {
    // Its run directory is where its slurm.conf is (scripts/test.sh exports
    // SLURM_RUN_DIR for the one-node cluster).
    std::string run_dir = std::filesystem::path(conf_).parent_path();
    std::vector<std::string> argv = {"env", "SLURM_RUN_DIR=" + run_dir, "bash",
                                     std::string(SPMI_SOURCE_DIR) + "/scripts/slurm-cluster.sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    int code = -1;
    run_program(argv, &code);
    return code;
  }

 private:
  std::string conf_;
  bool had_ = false;
  std::string old_;
};

// `spmi args...` under strace: the /proc paths it opened and the pids it
// signalled or opened a pidfd on, one per line ("open /proc/12/stat",
// "pid 12").
std::string traced_proc_access(const SpmiEnv& env, const std::vector<std::string>& args) {
  std::string log = env.dir() + "/strace.log";
  std::filesystem::remove(log);
  std::vector<std::string> argv = {"strace", "-f", "-qq", "-o", log, "-e", "trace=openat,open,pidfd_open,kill,tgkill",
                                   "env"};
  // LeakSanitizer cannot run under ptrace: off for this run (ASan build).
  for (const auto& e : env.environment({"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"})) argv.push_back(e);
  argv.push_back(SPMI_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  int code = -1;
  run_program(argv, &code);
  REQUIRE(code == 0);
  std::string out;
  std::ifstream in(log);
  std::regex open_re(R"re(open(at)?\(.*"(/proc/[0-9]+)[/"])re"), pid_re(R"re((pidfd_open|kill|tgkill)\(([0-9]+))re");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, open_re)) out += "open " + m[2].str() + "\n";
    else if (std::regex_search(line, m, pid_re)) out += "pid " + m[2].str() + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("slurm on two nodes: a task on the second node is seen and managed from here, never through local pids",
          "[e2e][slurm2]") {
  TwoNodeCluster cluster;
  SpmiEnv env;
  REQUIRE(env.run({"load", slurm_task(env, "far", "echo started on $(hostname); while read l; do echo \"got $l\"; done",
                                      "nodelist = \"spmi-n2\"\n")})
              .exit_code == 0);
  auto r = env.run({"start", "far", "--wait", "--for", "running", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto st = env.state("far");
  const std::string job = st.backend_id;
  CHECK(st.host == "spmi-n2");
  CHECK(st.host != spmi::host_name());
  REQUIRE(eventually(10000, [&] { return slurp(env.spmi_path() + "/far/stdout.log") == "started on spmi-n2\n"; }));

  // list, status and JSON name the node; the pid is the node's.
  auto j = slurm_listed(env, "far");
  CHECK(j["host"] == "spmi-n2");
  CHECK(j["state"] == "active");
  CHECK(j["phase"] == "running");
  CHECK(j["pid"] == st.pid);
  std::string table = env.run({"list", "far"}).out;
  CHECK(std::regex_search(table, std::regex("far +active +" + std::to_string(st.pid) + " +spmi-n2 ")));
  std::string status = env.run({"status", "far"}).out;
  CHECK(has(status, "Host: spmi-n2"));
  CHECK(has(status, "PID: " + std::to_string(st.pid) + " on spmi-n2"));
  CHECK(has(status, "Backend ID: " + job));
  CHECK(env.run({"wait", "far", "--for", "ready", "--timeout", "30s"}).exit_code == 0);

  // None of list, status, wait, logs reads the node's pids in this host's
  // /proc (they name other processes here), nor signals them.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"list"}, {"status", "far"}, {"list", "--json"}, {"wait", "far", "--for", "running", "--timeout", "5s"},
           {"logs", "far"}}) {
    std::string seen = traced_proc_access(env, args);
    INFO(args[0] << " touched:\n" << seen);
    for (int pid : {st.pid, st.wrapper_pid}) {
      CHECK_FALSE(has(seen, "open /proc/" + std::to_string(pid) + "\n"));
      CHECK_FALSE(has(seen, "pid " + std::to_string(pid) + "\n"));
    }
  }

  // connect goes through srun --overlap; a typed line reaches the task there.
  {
    spmi::test::PtySession term({SPMI_BIN, "connect", "far"}, env.environment({"TERM=xterm"}));
    bool connected = term.read_until("connected to far", 20000);
    INFO(term.output());
    CHECK(has(term.output(), "connecting to far on spmi-n2 (srun --jobid " + job + " --overlap)"));
    REQUIRE(connected);
    term.type("one\n");
    CHECK(term.read_until("got one", 10000));
    term.type("\x04");
    CHECK(term.wait_exit(10000) == 0);
  }
  // logs, logs -f and connect --follow read the shared files from here.
  CHECK(env.run({"logs", "far"}).out == "started on spmi-n2\ngot one\n");
  {
    spmi::test::PtySession follow({SPMI_BIN, "logs", "-f", "far"}, env.environment({"TERM=xterm"}));
    spmi::test::PtySession watch({SPMI_BIN, "connect", "--follow", "far"}, env.environment({"TERM=xterm"}));
    REQUIRE(follow.read_until("got one", 10000));
    REQUIRE(watch.read_until("got one", 10000));
    spmi::test::PtySession term({SPMI_BIN, "connect", "far"}, env.environment({"TERM=xterm"}));
    REQUIRE(term.read_until("connected to far", 20000));
    term.type("two\n");
    CHECK(follow.read_until("got two", 10000));
    CHECK(watch.read_until("got two", 10000));
    term.type("\x04");
    CHECK(term.wait_exit(10000) == 0);
    follow.type("\x03");
    watch.type("\x03");
  }
  // logs --clear reaches the wrapper on the node (its control FIFO is read
  // there): the file is emptied and the wrapper writes on from the start.
  r = env.run({"logs", "--clear", "far"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "cleared the logs of far"));
  CHECK(eventually(5000, [&] { return slurp(env.spmi_path() + "/far/stdout.log").empty(); }));
  {
    spmi::test::PtySession term({SPMI_BIN, "connect", "far"}, env.environment({"TERM=xterm"}));
    REQUIRE(term.read_until("connected to far", 20000));
    term.type("three\n");
    CHECK(term.read_until("got three", 10000));
    term.type("\x04");
    CHECK(term.wait_exit(10000) == 0);
  }
  CHECK(slurp(env.spmi_path() + "/far/stdout.log") == "got three\n");

  // restart: in place, through the wrapper on the node; the job stays.
  r = env.run({"restart", "far"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "restarted far (pid "));
  auto after = env.state("far");
  CHECK(after.backend_id == job);
  CHECK(after.host == "spmi-n2");
  CHECK(after.restarts == 1);
  CHECK(after.pid != st.pid);
  // stop: through Slurm (scancel --batch --signal=TERM); the wrapper records it.
  r = env.run({"stop", "far"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "stopped far (SIGTERM"));
  st = env.state("far");
  CHECK(st.phase == spmi::Phase::Exited);
  CHECK(st.end_cause == spmi::EndCause::User);
  CHECK(slurm_listed(env, "far")["state"] == "inactive");

  // kill: at once, SIGKILL to the tree on the node.
  REQUIRE(env.run({"load", slurm_task(env, "doomed", "exec sleep 300", "nodelist = \"spmi-n2\"\n")}).exit_code == 0);
  REQUIRE(env.run({"start", "doomed", "--wait", "--for", "running", "--timeout", "60s"}).exit_code == 0);
  CHECK(env.state("doomed").host == "spmi-n2");
  r = env.run({"kill", "doomed"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "killed doomed (SIGKILL"));
  CHECK(env.state("doomed").exit_signal == SIGKILL);
}

TEST_CASE("slurm on two nodes: the second node dies, status tells the truth, a new start runs on the first",
          "[e2e][slurm2]") {
  TwoNodeCluster cluster;
  SpmiEnv env;
  // The node comes back whatever happens here: the other tests need it.
  struct Revive {
    const TwoNodeCluster& cluster;
    ~Revive() { cluster.script({"node-start", "spmi-n2"}); }
  } revive{cluster};
  // No node named: Slurm prefers spmi-n2 (the lower Weight) while it is up.
  REQUIRE(env.run({"load", slurm_task(env, "svc", "echo on $(hostname); exec sleep 600"),
                   slurm_task(env, "side", "exec sleep 600", "nodelist = \"spmi-n2\"\n"),
                   slurm_task(env, "gone", "exec sleep 600", "nodelist = \"spmi-n2\"\n")})
              .exit_code == 0);
  // svc first, alone, once the jobs of earlier tests have left spmi-n2:
  // Slurm fills free cores before sharing them, so with other jobs on
  // spmi-n2 it might pick spmi-n1.
  REQUIRE(eventually(60000, [] { return run_program({"squeue", "-h", "-w", "spmi-n2", "-o", "%i"}).empty(); }));
  auto r = env.run({"start", "svc", "--wait", "--for", "running", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  r = env.run({"start", "side", "gone", "--wait", "--for", "running", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto old = env.state("svc");
  REQUIRE(old.host == "spmi-n2");
  REQUIRE(env.state("side").host == "spmi-n2");

  // The node dies: its slurmd, the wrappers and the tasks, all at once.
  REQUIRE(cluster.script({"node-kill", "spmi-n2"}) == 0);
  // Before Slurm notices: the wrapper is gone, nothing of the run counts as
  // alive, and the job Slurm still shows as running blocks a second start.
  auto j = slurm_listed(env, "svc");
  CHECK(j["state"] == "wrapper-lost");
  CHECK(j["pid"].is_null());
  CHECK(j["host"] == "spmi-n2");
  CHECK(j["end_cause"] == "lost");
  r = env.run({"start", "svc"});
  if (!has(env.run({"status", "svc"}).out, "NODE_FAIL")) {  // Slurm has not noticed yet (it takes ~30 s)
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "svc: its wrapper on spmi-n2 is gone while Slurm job " + old.backend_id + " is still RUNNING"));
    CHECK(has(r.err, "'spmi stop svc' ends that job"));
    // stop of such a task ends the job through Slurm and records the end.
    r = env.run({"stop", "side"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, "stopped side (its wrapper on spmi-n2 was lost; Slurm job " + env.state("side").backend_id +
                         " cancelled)"));
    CHECK(env.state("side").phase == spmi::Phase::Exited);
    CHECK(slurm_listed(env, "side")["state"] == "inactive");
  }

  // Slurm marks the node down and the job failed (never requeued: spmi
  // submits with --no-requeue); status says so, with the node.
  REQUIRE(eventually(90000, [&] { return has(env.run({"list", "svc"}).out, "NODE_FAIL"); }));
  std::string status = env.run({"status", "svc"}).out;
  INFO(status);
  CHECK(has(status, "Active: wrapper-lost"));
  CHECK(has(status, "Slurm: Slurm job " + old.backend_id + ": NODE_FAIL (NodeDown)"));
  CHECK(has(status, "Host: spmi-n2"));
  CHECK(has(status, "Note: its node spmi-n2 failed"));
  CHECK(has(status, "(its wrapper is gone)"));
  CHECK(has(env.run({"list", "svc"}).out, "wrapper on spmi-n2 lost; NODE_FAIL (NodeDown)"));
  int code = -1;
  std::string sinfo = run_program({"sinfo", "-h", "-n", "spmi-n2", "-o", "%T"}, &code);
  CHECK(sinfo.rfind("down", 0) == 0);
  // stop of a task whose job failed with its node: nothing to end, the
  // user's stop is recorded (resurrect leaves it down).
  REQUIRE(eventually(30000, [&] { return has(env.run({"list", "gone"}).out, "NODE_FAIL"); }));
  r = env.run({"stop", "gone"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "stopped gone (its wrapper was lost on spmi-n2; nothing of it ran; recorded as stopped)"));
  CHECK(env.state("gone").end_cause == spmi::EndCause::User);
  std::string would = env.run({"resurrect", "--dry-run"}).out;
  INFO(would);
  CHECK(has(would, "svc"));  // lost with its node: resurrect would start it
  CHECK_FALSE(has(would, "gone"));

  // A new start runs it on the first node; the old run is not counted.
  r = env.run({"start", "svc", "--wait", "--for", "running", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto now = env.state("svc");
  CHECK(now.host == "spmi-n1");
  CHECK(now.backend_id != old.backend_id);
  CHECK(now.run_id != old.run_id);
  REQUIRE(eventually(10000, [&] { return has(slurp(env.spmi_path() + "/svc/stdout.log"), "on spmi-n1"); }));
  j = slurm_listed(env, "svc");
  CHECK(j["state"] == "active");
  CHECK(j["host"] == "spmi-n1");
  CHECK(j["restarts"] == 0);
  CHECK(env.run({"stop", "svc"}).exit_code == 0);
}

TEST_CASE("slurm on two nodes: a watchdog with a health check and restarts runs on the remote node as locally",
          "[e2e][slurm2]") {
  TwoNodeCluster cluster;
  SpmiEnv env;
  std::string flag = env.dir() + "/healthy";
  std::ofstream(flag) << "yes";
  REQUIRE(env.run({"load", slurm_task(env, "guard", "echo run $SPMI_RUN_ID; exec sleep 600", "nodelist = \"spmi-n2\"\n",
                                      "type = \"watchdog\"\nrestart = \"always\"\nrestart_delay = \"100ms\"\n"
                                      "[task.wrapper.health]\ntype = \"command\"\ncommand = [\"test\", \"-e\", \"" +
                                          flag + "\"]\ninterval = \"200ms\"\nfailure_after = 2\n"
                                                 "on_unhealthy = \"restart\"\n")})
              .exit_code == 0);
  auto r = env.run({"start", "guard", "--wait", "--for", "healthy", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto st = env.state("guard");
  CHECK(st.host == "spmi-n2");
  auto j = slurm_listed(env, "guard");
  CHECK(j["health"] == "healthy");
  CHECK(j["restarts"] == 0);
  CHECK(has(env.run({"list", "guard"}).out, "healthy"));

  // The check fails on the node: two failures later the watchdog there
  // restarts the task, in the same job.
  std::filesystem::remove(flag);
  REQUIRE(eventually(20000, [&] { return env.state("guard").restarts >= 1; }));
  std::string events = env.run({"events", "guard", "--json"}).out;
  CHECK(has(events, "\"unhealthy\""));
  CHECK(has(events, "\"restarted\""));
  // Healthy again once the check passes; wait --for healthy sees it from here.
  std::ofstream(flag) << "yes";
  r = env.run({"wait", "guard", "--for", "healthy", "--timeout", "30s"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  auto now = env.state("guard");
  CHECK(now.host == "spmi-n2");
  CHECK(now.backend_id == st.backend_id);
  CHECK(now.pid != st.pid);
  std::string out = slurp(env.spmi_path() + "/guard/stdout.log");
  CHECK(std::count(out.begin(), out.end(), '\n') >= 2);  // a line per run
  r = env.run({"stop", "guard"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(env.state("guard").phase == spmi::Phase::Exited);
}

TEST_CASE("slurm on two nodes: list asks Slurm once for all its queued tasks", "[e2e][slurm2]") {
  TwoNodeCluster cluster;
  SpmiEnv env;
  // squeue and scontrol in PATH that count their calls, then run the real ones.
  std::string bin = env.dir() + "/bin", calls = env.dir() + "/calls";
  std::filesystem::create_directories(bin);
  for (const char* tool : {"squeue", "scontrol"}) {
    std::string real = run_program({"sh", "-c", std::string("command -v ") + tool});
    real.erase(real.find_last_not_of('\n') + 1);
    REQUIRE_FALSE(real.empty());
    std::string shim = bin + "/" + tool;
    std::ofstream(shim) << "#!/bin/sh\necho " << tool << " >> '" << calls << "'\nexec '" << real << "' \"$@\"\n";
    std::filesystem::permissions(shim, std::filesystem::perms::owner_all);
  }
  std::string project = "[project]\nname = \"queue\"\n[project.defaults.backend]\ntype = \"slurm\"\npartition = \"held\"\n"
                        "[project.defaults.wrapper]\ncommand = \"sleep 100\"\n";
  for (int i = 0; i < 20; ++i) project += "[project.tasks.q" + std::to_string(i) + "]\n";
  REQUIRE(env.run({"load", env.write("queue.toml", project)}).exit_code == 0);
  auto r = env.run({"start", "-p", "queue"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::filesystem::remove(calls);
  std::string path = "PATH=" + bin + ":" + std::getenv("PATH");
  r = env.run_raw({"list"}, 60, {path});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 21);
  CHECK(has(r.out, "PENDING"));
  CHECK(slurp(calls) == "squeue\n");
  // status of all of them: one call too.
  std::filesystem::remove(calls);
  r = env.run_raw({"status", "-p", "queue"}, 60, {path});
  CHECK(r.exit_code == 0);
  CHECK(slurp(calls) == "squeue\n");
  CHECK(env.run({"stop", "-p", "queue"}).exit_code == 0);
}
