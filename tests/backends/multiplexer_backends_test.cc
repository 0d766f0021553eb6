// End to end, with real screen and real tmux (isolated: a private tmux socket
// under the test's SPMI_PATH and a private SCREENDIR): starting, stopping,
// killing, windows closed from outside, lost wrappers and `connect`.
#include <catch2/catch.hpp>

#include <csignal>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/proc.h"
#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::PtySession;
using spmi::test::read_pids;
using spmi::test::run_program;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace {

const char* const kBackends[] = {"tmux", "screen"};

std::string window_task(const SpmiEnv& env, const std::string& backend, const std::string& id,
                        const std::string& command, const std::string& extra = "") {
  return env.write(id + ".yaml", "task:\n  id: " + id + "\n  backend:\n    type: " + backend +
                                     "\n  wrapper:\n    command: '" + command + "'\n" + extra);
}

// The task's state as `spmi list --json` reports it.
std::string listed_state(const SpmiEnv& env, const std::string& id) {
  auto j = nlohmann::json::parse(env.run({"list", "--json"}).out);
  for (const auto& t : j["tasks"])
    if (t["id"] == id) return t["state"];
  return "(not listed)";
}

// Closes the task's window from outside spmi, as a user would.
void close_window(const SpmiEnv& env, const std::string& backend, const std::string& backend_id) {
  int code = 0;
  if (backend == "tmux") run_program({"tmux", "-S", env.tmux_socket(), "kill-session", "-t", backend_id}, &code);
  else run_program({"env", "SCREENDIR=" + env.screen_dir(), "screen", "-S", backend_id, "-X", "quit"}, &code);
  REQUIRE(code == 0);
}

}  // namespace

TEST_CASE("10 concurrent starts on screen and on tmux all run, each with its exact backend id", "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    INFO(backend);
    SpmiEnv env;
    std::vector<std::string> load{"load"};
    for (int i = 0; i < 10; ++i) load.push_back(window_task(env, backend, "w" + std::to_string(i), "exec sleep 100"));
    REQUIRE(env.run(load).exit_code == 0);
    std::vector<spmi::test::RunResult> results(10);
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i)
      threads.emplace_back([&, i] { results[i] = env.run_raw({"start", "w" + std::to_string(i)}, 60); });
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      INFO(r.out << r.err);
      CHECK(r.exit_code == 0);
    }
    std::map<std::string, std::string> panes;  // tmux pane id -> pane pid
    if (backend == "tmux") {
      std::istringstream in(
          run_program({"tmux", "-S", env.tmux_socket(), "list-panes", "-a", "-F", "#{pane_id} #{pane_pid}"}));
      std::string id, pid;
      while (in >> id >> pid) panes[id] = pid;
      CHECK(panes.size() == 10);
    }
    for (int i = 0; i < 10; ++i) {
      auto st = env.state("w" + std::to_string(i));
      CHECK(st.phase == spmi::Phase::Running);
      CHECK(spmi::process_running(st.pid, st.pid_start_ticks));
      spmi::ProcStat w;
      REQUIRE(spmi::read_proc_stat(st.wrapper_pid, &w));
      if (backend == "tmux") {
        // The pane tmux reports under this id runs exactly this task's wrapper.
        CHECK(panes[st.backend_id] == std::to_string(st.wrapper_pid));
      } else {
        // "<screen pid>.spmi-<id>": the wrapper is that screen's child.
        CHECK(st.backend_id == std::to_string(w.ppid) + ".spmi-w" + std::to_string(i));
      }
    }
    CHECK(env.run({"stop", "w.*"}).exit_code == 0);
  }
}

TEST_CASE("screen and tmux: output in the logs, a terminal for the task, stop and kill end the whole tree",
          "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    for (const std::string verb : {"stop", "kill"}) {
      INFO(backend << " " << verb);
      SpmiEnv env;
      std::string pids = env.dir() + "/pids";
      REQUIRE(env.run({"load", window_task(env, backend, "tree",
                                           "test -t 0 && test -t 1 && echo has-a-terminal; echo to-err >&2; "
                                           "for i in 1 2 3; do sleep 1000 & echo $! >> " + pids + "; done; "
                                           "(setsid sh -c \"echo \\$\\$ >> " + pids + "; exec sleep 1001\" &); wait")})
                  .exit_code == 0);
      REQUIRE(env.run({"start", "tree"}).exit_code == 0);
      REQUIRE(eventually(5000, [&] { return read_pids(pids).size() == 4; }));
      REQUIRE(eventually(3000, [&] { return slurp(env.spmi_path() + "/tree/stdout.log") == "has-a-terminal\n"; }));
      CHECK(slurp(env.spmi_path() + "/tree/stderr.log") == "to-err\n");
      auto st = env.state("tree");
      auto all = read_pids(pids);
      all.push_back(st.pid);
      auto r = env.run({verb, "tree"});
      CHECK(r.exit_code == 0);
      for (pid_t p : all) CHECK_FALSE(alive(p));
      CHECK_FALSE(alive(st.wrapper_pid));
      // The window went away with its wrapper.
      int code = 0;
      if (backend == "tmux")
        run_program({"tmux", "-S", env.tmux_socket(), "has-session", "-t", st.backend_id}, &code);
      else
        run_program({"env", "SCREENDIR=" + env.screen_dir(), "screen", "-S", st.backend_id, "-Q", "select", "."}, &code);
      CHECK(code != 0);
      CHECK(listed_state(env, "tree") == "inactive");
    }
  }
}

TEST_CASE("a window closed from outside stops its task, and status says so", "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    INFO(backend);
    SpmiEnv env;
    std::string pids = env.dir() + "/pids";
    REQUIRE(env.run({"load", window_task(env, backend, "w", "sleep 1000 & echo $! > " + pids + "; wait",
                                         "    stop_timeout: 2s\n")})
                .exit_code == 0);
    REQUIRE(env.run({"start", "w"}).exit_code == 0);
    REQUIRE(eventually(5000, [&] { return read_pids(pids).size() == 1; }));
    auto st = env.state("w");
    close_window(env, backend, st.backend_id);
    REQUIRE(eventually(5000, [&] { return !alive(st.wrapper_pid); }));
    CHECK_FALSE(alive(read_pids(pids)[0]));
    CHECK_FALSE(alive(st.pid));
    auto status = env.run({"status", "w"}).out;
    INFO(status);
    CHECK(status.find("Active: inactive") != std::string::npos);
    CHECK(status.find("its window was closed") != std::string::npos);
  }
}

TEST_CASE("SIGKILL of a window's wrapper: status is honest and kill ends what is left", "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    INFO(backend);
    SpmiEnv env;
    std::string pids = env.dir() + "/pids";
    // The task ignores the hangup it gets when its pty goes away with the wrapper.
    REQUIRE(env.run({"load", window_task(env, backend, "w",
                                         "trap \"\" HUP; sleep 1000 & echo $! > " + pids + "; wait")})
                .exit_code == 0);
    REQUIRE(env.run({"start", "w"}).exit_code == 0);
    REQUIRE(eventually(5000, [&] { return read_pids(pids).size() == 1; }));
    auto st = env.state("w");
    REQUIRE(::kill(st.wrapper_pid, SIGKILL) == 0);
    REQUIRE(eventually(3000, [&] { return !alive(st.wrapper_pid); }));
    auto status = env.run({"status", "w"}).out;
    INFO(status);
    CHECK(status.find("Active: wrapper-lost") != std::string::npos);
    CHECK(status.find("still running") != std::string::npos);
    CHECK(env.run({"kill", "w"}).exit_code == 0);
    CHECK_FALSE(alive(read_pids(pids)[0]));
    CHECK(listed_state(env, "w") == "inactive");
  }
}

TEST_CASE("connect attaches to the task's window, typing reaches it, detaching leaves it running", "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    INFO(backend);
    SpmiEnv env;
    REQUIRE(env.run({"load", window_task(env, backend, "talk",
                                         "while read -r line; do echo \"got: $line\"; done")})
                .exit_code == 0);
    REQUIRE(env.run({"start", "talk"}).exit_code == 0);
    // Without a terminal: refused, unless --follow.
    CHECK(env.run({"connect", "talk"}).exit_code == 2);
    {
      PtySession term({SPMI_BIN, "connect", "talk"}, env.environment({"TERM=xterm"}));
      REQUIRE(term.read_until("attaching to talk", 5000));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the client draw
      term.type("ping spmi\r");
      INFO(term.output());
      CHECK(term.read_until("got: ping spmi", 5000));
      CHECK(eventually(5000, [&] {
        return slurp(env.spmi_path() + "/talk/stdout.log").find("ping spmi\ngot: ping spmi\n") != std::string::npos;
      }));
      // The multiplexer's detach key. A tmux client still waiting for answers
      // to its terminal queries (which this fake terminal never gives) can
      // drop a key, so press it again if nothing happened, as a person would.
      int code = -1;
      for (int press = 0; press < 3 && code < 0; ++press) {
        term.type(backend == "tmux" ? "\x02" "d" : "\x01" "d");
        code = term.wait_exit(3000);
      }
      CHECK(code == 0);
    }
    CHECK(listed_state(env, "talk") == "active");
    // The FIFO still feeds the task too (for scripts).
    CHECK(env.run({"stop", "talk"}).exit_code == 0);
  }
}

TEST_CASE("a missing screen or tmux is a clear error at start, load still works", "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    SpmiEnv env;
    REQUIRE(env.run({"load", window_task(env, backend, "w", "true")}).exit_code == 0);
    auto r = env.run_raw({"start", "w"}, 30, {"PATH=" + env.dir()});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("install it with 'apt-get install " + backend + "'") != std::string::npos);
  }
}

TEST_CASE("a window task gets the environment of the spmi start that started it", "[e2e][backends]") {
  for (const std::string backend : kBackends) {
    INFO(backend);
    SpmiEnv env;
    REQUIRE(env.run({"load", window_task(env, backend, "e", "echo \"marker=$SPMI_TEST_MARKER term=$TERM\"",
                                         "    mixed_stdout: true\n")})
                .exit_code == 0);
    // Start the multiplexer's server first with another environment: the
    // task must still see the environment of its own start.
    REQUIRE(env.run({"load", window_task(env, backend, "first", "exec sleep 100")}).exit_code == 0);
    REQUIRE(env.run_raw({"start", "first"}, 30, {"SPMI_TEST_MARKER=wrong"}).exit_code == 0);
    REQUIRE(env.run_raw({"start", "e"}, 30, {"SPMI_TEST_MARKER=right"}).exit_code == 0);
    REQUIRE(eventually(5000, [&] { return env.state("e").phase == spmi::Phase::Exited; }));
    std::string out = slurp(env.spmi_path() + "/e/stdout.log");
    CHECK(out.find("marker=right term=") == 0);
    CHECK(out.find("term=\n") == std::string::npos);  // the window's TERM is kept
    CHECK_FALSE(std::ifstream(env.spmi_path() + "/e/start.env").good());
    CHECK(env.run({"stop", "first"}).exit_code == 0);
  }
}

TEST_CASE("screen and tmux: the same log files and rotation as native", "[e2e][backends][logs]") {
  for (const std::string backend : kBackends) {
    INFO(backend);
    SpmiEnv env;
    REQUIRE(env.run({"load", window_task(env, backend, "w", "seq 1 30000",
                                         "  logs:\n    max_size: 16KiB\n    keep: 1000\n    timestamps: true\n")})
                .exit_code == 0);
    REQUIRE(env.run({"start", "w"}).exit_code == 0);
    REQUIRE(env.run({"wait", "w", "--for", "exited", "--timeout", "30s"}).exit_code == 0);
    auto r = env.run({"logs", "w", "--stdout", "-n", "1000000", "--json"});
    REQUIRE(r.exit_code == 0);
    std::istringstream in(r.out);
    std::string l;
    int expect = 1;
    bool ok = true;
    while (std::getline(in, l)) {
      auto j = nlohmann::json::parse(l);
      ok = ok && j["text"] == std::to_string(expect++) && j["time"].is_string();
    }
    CHECK(ok);
    CHECK(expect == 30001);
    int rotated = 0;
    for (const auto& e : std::filesystem::directory_iterator(env.spmi_path() + "/w"))
      if (e.path().filename().string().rfind("stdout.log.", 0) == 0) ++rotated;
    CHECK(rotated >= 10);  // ~250 KB with timestamps in 16 KiB files
  }
}
