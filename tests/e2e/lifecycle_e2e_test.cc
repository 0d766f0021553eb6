// End to end: start, stop, kill, clean and connect with real processes:
// whole-tree stops, stop timeouts, a SIGKILLed wrapper, failed starts.
#include <catch2/catch.hpp>

#include <csignal>
#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/proc.h"
#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::read_pids;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace {

// A task that starts 20 background children and one daemonizing grandchild
// (setsid in a subshell that exits), writing every pid to <dir>/pids.
std::string tree_command(const std::string& pids_file) {
  return "for i in $(seq 20); do sleep 1000 & echo $! >> " + pids_file +
         "; done; (setsid sh -c 'echo $$ >> " + pids_file + "; exec sleep 1001' &); echo ready; wait";
}

}  // namespace

TEST_CASE("start, status and stop a task, SPMI's refusals", "[e2e][lifecycle]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("web", "echo hello; exec sleep 100")}).exit_code == 0);
  auto idle = env.run({"stop", "web"});  // inactive: already what was asked
  CHECK(idle.exit_code == 0);
  CHECK(idle.err.find("web: not active; nothing to stop") != std::string::npos);
  auto r = env.run({"start", "web"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("started web (pid ") == 0);
  auto st = env.state("web");
  CHECK(st.phase == spmi::Phase::Running);
  CHECK(spmi::process_running(st.pid, st.pid_start_ticks));
  CHECK(spmi::process_running(st.wrapper_pid, st.wrapper_start_ticks));
  r = env.run({"start", "web"});  // already active: what was asked, exit 0 with a note
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("web: already active (pid " + std::to_string(st.pid) + "); not started again") != std::string::npos);
  CHECK(env.run({"clean", "web"}).exit_code == 1);
  CHECK(env.run({"load", "--replace", env.task("web", "true")}).exit_code == 1);
  auto list = env.run({"list"}).out;
  CHECK(list.find("web  active  " + std::to_string(st.pid)) != std::string::npos);
  REQUIRE(eventually(3000, [&] { return env.run({"status", "web"}).out.find("\nhello\n") != std::string::npos; }));

  r = env.run({"stop", "web"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped web (SIGTERM") == 0);
  CHECK_FALSE(alive(st.pid));
  CHECK_FALSE(alive(st.wrapper_pid));
  auto after = env.state("web");
  CHECK(after.phase == spmi::Phase::Exited);
  CHECK(after.exit_signal == SIGTERM);
  CHECK(after.ended_by == SIGTERM);
  CHECK(after.finished_at_ms >= after.started_at_ms);
  CHECK(env.run({"list"}).out.find("web  inactive") != std::string::npos);
  CHECK(env.run({"clean", "web"}).exit_code == 0);
  CHECK(env.run({"list"}).out.find("web") == std::string::npos);
}

TEST_CASE("exit codes, finish times, cwd, env and mixed output reach the state", "[e2e][lifecycle]") {
  SpmiEnv env;
  env.write("work/marker", "");
  auto desc = env.write("t.yaml",
                        "task:\n  id: envtask\n  backend: {type: native}\n  wrapper:\n"
                        "    command: 'pwd; echo \"$GREETING $SPMI_TASK_ID\"; ls marker; echo to-err >&2; exit 7'\n"
                        "    cwd: work\n    mixed_stdout: true\n    env:\n      GREETING: hi\n");
  REQUIRE(env.run({"load", desc}).exit_code == 0);
  REQUIRE(env.run({"start", "envtask"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.state("envtask").phase == spmi::Phase::Exited; }));
  auto st = env.state("envtask");
  CHECK(st.exit_code == 7);
  CHECK(st.ended_by == 0);
  std::string out = slurp(env.spmi_path() + "/envtask/stdout.log");
  CHECK(out.find(env.dir() + "/work\n") != std::string::npos);
  CHECK(out.find("hi envtask\n") != std::string::npos);
  CHECK(out.find("marker\n") != std::string::npos);
  CHECK(out.find("to-err\n") != std::string::npos);  // mixed: stderr in the same file
  CHECK(env.run({"list"}).out.find("exit 7") != std::string::npos);
}

TEST_CASE("an argv command runs without a shell", "[e2e][lifecycle]") {
  SpmiEnv env;
  auto desc = env.write("argv.json", R"({"task": {"id": "argv", "backend": {"type": "native"},
      "wrapper": {"command": ["printf", "%s|", "a b", "$HOME", ";"]}}})");
  REQUIRE(env.run({"load", desc}).exit_code == 0);
  REQUIRE(env.run({"start", "argv"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.state("argv").phase == spmi::Phase::Exited; }));
  CHECK(slurp(env.spmi_path() + "/argv/stdout.log") == "a b|$HOME|;|");
}

TEST_CASE("a plain shell command is the task's process itself, a missing program is still the shell's 127", "[e2e][lifecycle]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("plain", "sleep 300"), env.task("nosuch", "no-such-program-spmi x"),
                   env.task("builtin", "echo -n hi")}).exit_code == 0);
  REQUIRE(env.run({"start", "plain", "nosuch", "builtin"}).exit_code == 0);
  // No intermediate sh: the recorded pid is sleep's. (The wrapper learns
  // that the exec happened when it closes the descriptors; the kernel
  // renames the process a moment later.)
  auto st = env.state("plain");
  CHECK(eventually(5000, [&] { return spmi::test::slurp("/proc/" + std::to_string(st.pid) + "/comm") == "sleep\n"; }));
  REQUIRE(eventually(5000, [&] { return env.state("nosuch").phase == spmi::Phase::Exited; }));
  CHECK(env.state("nosuch").exit_code == 127);
  CHECK(slurp(env.spmi_path() + "/nosuch/stderr.log").find("not found") != std::string::npos);
  // A builtin keeps the shell's meaning (dash's echo knows -n; /bin/echo would too, printf differs).
  REQUIRE(eventually(5000, [&] { return env.state("builtin").phase == spmi::Phase::Exited; }));
  CHECK(slurp(env.spmi_path() + "/builtin/stdout.log") == "hi");
  CHECK(env.run({"stop", "plain"}).exit_code == 0);
  CHECK_FALSE(alive(st.pid));
}

TEST_CASE("failures to start are reported with the reason", "[e2e][lifecycle]") {
  SpmiEnv env;
  auto missing = env.write("m.json", R"({"task": {"id": "missing",
      "wrapper": {"command": ["/nonexistent/program", "x"]}}})");
  auto badcwd = env.task("badcwd", "true", "cwd = \"/nonexistent/dir\"\n");
  REQUIRE(env.run({"load", missing, badcwd}).exit_code == 0);
  auto r = env.run({"start", "missing"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("missing: failed to start: cannot execute '/nonexistent/program': No such file or directory") !=
        std::string::npos);
  r = env.run({"start", "badcwd"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot change directory to '/nonexistent/dir'") != std::string::npos);
  auto list = env.run({"list"}).out;
  CHECK(list.find("missing  failed-to-start") != std::string::npos);
  CHECK(env.state("missing").phase == spmi::Phase::FailedToStart);
  // One failure among successes: exit 1, the others still started.
  REQUIRE(env.run({"load", env.task("fine", "sleep 30")}).exit_code == 0);
  r = env.run({"start", "missing", "fine"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("started fine") != std::string::npos);
}

TEST_CASE("a task that ignores SIGTERM is killed at its stop_timeout", "[e2e][stop]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("stubborn", "trap '' TERM; echo ready; while :; do sleep 0.1; done",
                                    "stop_timeout = \"1500ms\"\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "stubborn"}).exit_code == 0);
  auto st = env.state("stubborn");
  REQUIRE(eventually(3000, [&] { return slurp(env.spmi_path() + "/stubborn/stdout.log") == "ready\n"; }));
  auto t0 = std::chrono::steady_clock::now();
  auto r = env.run({"stop", "stubborn"});
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped stubborn (SIGKILL") == 0);
  CHECK(took >= 1400);
  CHECK_FALSE(alive(st.pid));
  auto after = env.state("stubborn");
  CHECK(after.ended_by == SIGKILL);
  CHECK(after.stop_request == "stop");
}

TEST_CASE("stop and kill leave no process of a forking, daemonizing task", "[e2e][stop]") {
  for (const std::string verb : {"stop", "kill"}) {
    SpmiEnv env;
    std::string pids = env.dir() + "/pids";
    REQUIRE(env.run({"load", env.task("tree", tree_command(pids))}).exit_code == 0);
    REQUIRE(env.run({"start", "tree"}).exit_code == 0);
    REQUIRE(eventually(5000, [&] { return read_pids(pids).size() == 21; }));
    auto all = read_pids(pids);
    auto st = env.state("tree");
    all.push_back(st.pid);
    // The setsid'd grandchild really left the task's session.
    spmi::ProcStat daemon;
    REQUIRE(spmi::read_proc_stat(all[20], &daemon));
    CHECK(daemon.sid != st.sid);
    for (pid_t p : all) REQUIRE(alive(p));
    auto r = env.run({verb, "tree"});
    INFO(verb << ": " << r.out << r.err);
    CHECK(r.exit_code == 0);
    for (pid_t p : all) CHECK_FALSE(alive(p));
    CHECK_FALSE(alive(st.wrapper_pid));
    CHECK(env.state("tree").ended_by == (verb == "kill" ? SIGKILL : SIGTERM));
  }
}

// Each process of the task (the main one, a child in its group, a daemon
// that left the group with setsid) appends a line to <dir>/<pid> for every
// SIGTERM it handles, and exits 0.5 s after the first: a second SIGTERM in
// that time would be a second line.
constexpr const char* kCountTerms = R"(import os, signal, sys, time
d = sys.argv[1]
def run(name):
    got = []
    def on_term(sig, frame):
        got.append(1)
        with open(os.path.join(d, str(os.getpid())), "a") as f:
            f.write(name + "\n")
    signal.signal(signal.SIGTERM, on_term)
    with open(os.path.join(d, "ready"), "a") as f:
        f.write(name + "\n")
    while not got:
        time.sleep(0.02)
    time.sleep(0.5)
    os._exit(0)
if os.fork() == 0:
    run("child")
if os.fork() == 0:
    os.setsid()
    run("daemon")
run("main")
)";

TEST_CASE("stop sends each process of the task its stop signal once", "[e2e][stop]") {
  SpmiEnv env;
  std::string script = env.write("count_terms.py", kCountTerms);
  std::string seen = env.dir() + "/seen";
  REQUIRE(::mkdir(seen.c_str(), 0700) == 0);
  REQUIRE(env.run({"load", env.task("terms", "exec python3 " + script + " " + seen)}).exit_code == 0);
  REQUIRE(env.run({"start", "terms"}).exit_code == 0);
  REQUIRE(eventually(10000, [&] { return slurp(seen + "/ready").size() == std::string("child\ndaemon\nmain\n").size(); }));
  auto r = env.run({"stop", "terms"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // Every process wrote exactly one line: the group's members had the
  // signal with the group, the daemon on its own.
  std::string all;
  DIR* dir = ::opendir(seen.c_str());
  REQUIRE(dir);
  int files = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name == "ready") continue;
    ++files;
    std::string text = slurp(seen + "/" + name);
    INFO(name << ": " << text);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    all += text;
  }
  ::closedir(dir);
  CHECK(files == 3);
  for (const char* who : {"main\n", "child\n", "daemon\n"}) CHECK(all.find(who) != std::string::npos);
  // The wrapper signalled the group, and on its own only the daemon.
  std::string log = slurp(env.spmi_path() + "/terms/wrapper.log");
  CHECK(log.find("sent SIGTERM to the task's process group and 1 process(es) of its tree") != std::string::npos);
  CHECK(env.state("terms").ended_by == SIGTERM);
}

// The main process and a daemon that left its group each answer SIGTERM by
// forking a helper 0.2 s later (a graceful shutdown's cleanup) and wait for
// it (or, given "orphan", exit at once and leave it running): the helper
// writes its pid to <dir>/<name>-helper.pid, then <dir>/<name>-helper when
// it finished its `seconds` of work.
constexpr const char* kTermHelpers = R"(import os, signal, sys, time
d, seconds = sys.argv[1], float(sys.argv[2])
orphan = len(sys.argv) > 3 and sys.argv[3] == "orphan"
def run(name):
    got = []
    signal.signal(signal.SIGTERM, lambda sig, frame: got.append(1))
    with open(os.path.join(d, "ready"), "a") as f:
        f.write(name + "\n")
    while not got:
        time.sleep(0.02)
    time.sleep(0.2)
    helper = os.fork()
    if helper == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a helper that a SIGTERM would end
        with open(os.path.join(d, name + "-helper.pid"), "w") as f:
            f.write(str(os.getpid()))
        time.sleep(seconds)
        with open(os.path.join(d, name + "-helper"), "w") as f:
            f.write("done\n")
        os._exit(0)
    if not orphan:
        os.waitpid(helper, 0)
    os._exit(0)
if os.fork() == 0:
    os.setsid()
    run("daemon")
run("main")
)";

TEST_CASE("what a task forks to shut down gracefully gets no stop signal, only SIGKILL at the stop timeout",
          "[e2e][stop]") {
  for (const bool late : {false, true}) {
    // On time: the helpers work 0.8 s and finish. Late: they would work
    // 30 s, and the stop timeout (1.5 s) kills them.
    SpmiEnv env;
    std::string script = env.write("term_helpers.py", kTermHelpers);
    std::string seen = env.dir() + "/seen";
    REQUIRE(::mkdir(seen.c_str(), 0700) == 0);
    REQUIRE(env.run({"load", env.task("grace", "exec python3 " + script + " " + seen + (late ? " 30" : " 0.8"),
                                      late ? "stop_timeout = \"1500ms\"\n" : "stop_timeout = \"20s\"\n")})
                .exit_code == 0);
    REQUIRE(env.run({"start", "grace"}).exit_code == 0);
    REQUIRE(eventually(10000, [&] { return slurp(seen + "/ready").size() == std::string("daemon\nmain\n").size(); }));
    auto r = env.run({"stop", "grace"});
    INFO("late " << late << ": " << r.out << r.err << slurp(env.spmi_path() + "/grace/wrapper.log"));
    CHECK(r.exit_code == 0);
    auto st = env.state("grace");
    for (const std::string who : {"main", "daemon"}) {
      INFO(who);
      if (!late) {
        CHECK(slurp(seen + "/" + who + "-helper") == "done\n");
        continue;
      }
      CHECK(slurp(seen + "/" + who + "-helper").empty());
      auto helper = read_pids(seen + "/" + who + "-helper.pid");
      REQUIRE(helper.size() == 1);
      CHECK_FALSE(alive(helper[0]));
    }
    CHECK(st.ended_by == (late ? SIGKILL : SIGTERM));
  }
}

TEST_CASE("a lost wrapper's task stopped by spmi stop: what it forks to shut down finishes", "[e2e][stop][lost]") {
  // The processes exit right after forking their helpers: the helpers are
  // found on a later reading, and must be waited for, not killed at once.
  SpmiEnv env;
  std::string script = env.write("term_helpers.py", kTermHelpers);
  std::string seen = env.dir() + "/seen";
  REQUIRE(::mkdir(seen.c_str(), 0700) == 0);
  REQUIRE(env.run({"load", env.task("orphans", "exec python3 " + script + " " + seen + " 0.8 orphan",
                                    "stop_timeout = \"20s\"\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "orphans"}).exit_code == 0);
  REQUIRE(eventually(10000, [&] { return slurp(seen + "/ready").size() == std::string("daemon\nmain\n").size(); }));
  auto st = env.state("orphans");
  REQUIRE(::kill(st.wrapper_pid, SIGKILL) == 0);
  REQUIRE(eventually(3000, [&] { return !alive(st.wrapper_pid); }));
  auto r = env.run({"stop", "orphans"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped orphans (SIGTERM)") != std::string::npos);
  for (const std::string who : {"main", "daemon"}) {
    INFO(who);
    CHECK(slurp(seen + "/" + who + "-helper") == "done\n");
    auto helper = read_pids(seen + "/" + who + "-helper.pid");
    REQUIRE(helper.size() == 1);
    CHECK_FALSE(alive(helper[0]));
  }
}

TEST_CASE("a task whose main process exits but leaves a daemon stays active until stopped", "[e2e][stop]") {
  SpmiEnv env;
  std::string pids = env.dir() + "/pids";
  REQUIRE(env.run({"load", env.task("daemon", "(setsid sh -c 'echo $$ > " + pids + "; exec sleep 1000' &); exit 0")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "daemon"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.state("daemon").phase == spmi::Phase::Draining; }));
  // The daemon writes its pid on its own schedule, possibly after its parent exited.
  REQUIRE(eventually(5000, [&] { return read_pids(pids).size() == 1; }));
  auto d = read_pids(pids);
  REQUIRE(d.size() == 1);
  CHECK(alive(d[0]));
  CHECK(env.state("daemon").exit_code == 0);
  CHECK(env.run({"list"}).out.find("daemon  active") != std::string::npos);
  CHECK(env.run({"stop", "daemon"}).exit_code == 0);
  CHECK_FALSE(alive(d[0]));
  CHECK(env.run({"list"}).out.find("daemon  inactive") != std::string::npos);
}

TEST_CASE("SIGKILL of the wrapper: status tells the truth and kill ends the task", "[e2e][lost]") {
  for (const std::string verb : {"kill", "stop"}) {
    SpmiEnv env;
    std::string pids = env.dir() + "/pids";
    REQUIRE(env.run({"load", env.task("lost", tree_command(pids))}).exit_code == 0);
    REQUIRE(env.run({"start", "lost"}).exit_code == 0);
    REQUIRE(eventually(5000, [&] { return read_pids(pids).size() == 21; }));
    // Past its last write: an `echo` into the dead wrapper's pipe would end
    // the shell with SIGPIPE (what the test once caught under load).
    std::string out_log = env.spmi_path() + "/lost/stdout.log";
    REQUIRE(eventually(5000, [&] { return slurp(out_log).find("ready") != std::string::npos; }));
    auto st = env.state("lost");
    REQUIRE(::kill(st.wrapper_pid, SIGKILL) == 0);
    REQUIRE(eventually(3000, [&] { return !alive(st.wrapper_pid); }));
    auto status = env.run({"status", "lost"});
    INFO(status.out);
    CHECK(status.out.find("Active: wrapper-lost") != std::string::npos);
    CHECK(status.out.find("still running: " + std::to_string(st.pid)) != std::string::npos);
    auto j = env.run({"list"}).out;
    CHECK(j.find("lost  wrapper-lost") != std::string::npos);
    CHECK(env.run({"start", "lost"}).exit_code == 1);  // refused: processes remain
    auto r = env.run({verb, "lost"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    for (pid_t p : read_pids(pids)) CHECK_FALSE(alive(p));
    CHECK_FALSE(alive(st.pid));
    CHECK(env.run({"list"}).out.find("lost  inactive") != std::string::npos);
    CHECK(env.run({"status", "lost"}).out.find("the wrapper was lost") != std::string::npos);
    // And it can be started again.
    CHECK(env.run({"start", "lost"}).exit_code == 0);
    CHECK(env.run({"kill", "lost"}).exit_code == 0);
  }
}

TEST_CASE("a second wrapper for a running task refuses to start", "[e2e][lock]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("once", "sleep 100")}).exit_code == 0);
  REQUIRE(env.run({"start", "once"}).exit_code == 0);
  auto before = env.state("once");
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 3);
    ::execl(SPMI_WRAPPER_BIN, "spmi-wrapper", "--report-fd", "3", (env.spmi_path() + "/once").c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[256] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WEXITSTATUS(status) == 3);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0).find("error another wrapper") == 0);
  auto after = env.state("once");
  CHECK(after.run_id == before.run_id);  // the running wrapper's state is untouched
  CHECK(alive(before.pid));
}

TEST_CASE("connect forwards terminal input to the task and detaches on Ctrl-D", "[e2e][connect]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("echo", "cat -", "mixed_stdout = true\n")}).exit_code == 0);
  REQUIRE(env.run({"start", "echo"}).exit_code == 0);
  // Without a terminal on stdin, connect refuses instead of hanging.
  auto r = env.run({"connect", "echo"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not a terminal") != std::string::npos);

  {
    spmi::test::PtySession term({SPMI_BIN, "connect", "echo"}, env.environment({"TERM=xterm"}));
    REQUIRE(term.read_until("connected to echo", 5000));
    term.type("hello spmi\n");
    CHECK(eventually(5000, [&] { return slurp(env.spmi_path() + "/echo/stdout.log") == "hello spmi\n"; }));
    // The terminal shows the typed line and the task's echo of it.
    CHECK(term.read_until("hello spmi\r\nhello spmi", 5000));
    term.type("\x04");  // Ctrl-D: detach
    CHECK(term.wait_exit(5000) == 0);
  }
  CHECK(env.run({"list"}).out.find("echo  active") != std::string::npos);
  // --follow works without a terminal and returns when the task ends.
  pid_t follower = ::fork();
  if (follower == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::setenv("SPMI_PATH", env.spmi_path().c_str(), 1);
    ::execl(SPMI_BIN, "spmi", "connect", "--follow", "echo", nullptr);
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(env.run({"stop", "echo"}).exit_code == 0);
  int status = 0;
  REQUIRE(eventually(5000, [&] { return ::waitpid(follower, &status, WNOHANG) == follower; }));
  CHECK(WEXITSTATUS(status) == 0);
}
