// End to end: following events as they happen (spmi events -f), across
// tasks, in text and JSON, until interrupted.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <sstream>

#include "e2e/harness.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::eventually;
using spmi::test::SpmiEnv;

namespace {

// `spmi args...` running with its stdout on a pipe the test reads.
class Follower {
 public:
  Follower(const SpmiEnv& env, const std::vector<std::string>& args) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    std::vector<std::string> env_strings = env.environment();
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings = {SPMI_BIN};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(p[1], 1);
      ::execve(SPMI_BIN, argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(p[1]);
    out_ = p[0];
  }
  ~Follower() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }
  // Reads until the output holds `want`; false after `ms`.
  bool read_until(const std::string& want, int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (text_.find(want) == std::string::npos) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
      if (left <= 0) return false;
      struct pollfd p = {out_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return text_.find(want) != std::string::npos;
      text_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // SIGINT, then its exit code.
  int interrupt() {
    ::kill(pid_, SIGINT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const std::string& text() const { return text_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string text_;
};

}  // namespace

TEST_CASE("events -f prints each new event within a second, across tasks, until interrupted", "[e2e][events]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("a", "sleep 600"), env.task("b", "exit 3")}).exit_code == 0);
  REQUIRE(env.run({"start", "a"}).exit_code == 0);
  Follower f(env, {"events", "-f"});
  // The tail first: a's start.
  REQUIRE(f.read_until("  a  started  ", 5000));
  // b starts and exits: both events arrive, each well within a second.
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(env.run({"start", "b"}).exit_code != 2);
  CHECK(f.read_until("  b  exited  ", 1000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  t0 = std::chrono::steady_clock::now();
  REQUIRE(env.run({"stop", "a"}).exit_code == 0);
  CHECK(f.read_until("  a  stopped  ", 1000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  // A task loaded while following is followed too (no selection: all).
  REQUIRE(env.run({"load", env.task("late", "sleep 600")}).exit_code == 0);
  REQUIRE(env.run({"start", "late"}).exit_code == 0);
  CHECK(f.read_until("  late  started  ", 2000));
  CHECK(f.interrupt() == 0);
  // Each event once.
  size_t count = 0;
  for (size_t at = 0; (at = f.text().find("  a  started  ", at)) != std::string::npos; ++at) ++count;
  CHECK(count == 1);
}

TEST_CASE("events -f --json follows only the selected tasks, one JSON object per line", "[e2e][events]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("web", "sleep 600"), env.task("other", "sleep 600")}).exit_code == 0);
  Follower f(env, {"events", "web", "-f", "--json"});
  REQUIRE(env.run({"start", "other"}).exit_code == 0);
  REQUIRE(env.run({"start", "web"}).exit_code == 0);
  REQUIRE(f.read_until("\"started\"", 2000));
  REQUIRE(env.run({"kill", "web|other"}).exit_code == 0);
  REQUIRE(f.read_until("\"killed\"", 2000));
  CHECK(f.interrupt() == 0);
  std::istringstream lines(f.text());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    auto j = nlohmann::json::parse(line);
    CHECK(j["task"] == "web");
    ++n;
  }
  CHECK(n >= 2);
}

namespace {
std::string slurp_file(const std::string& path) { return spmi::test::slurp(path); }
}  // namespace

TEST_CASE("on_event runs the hook with the event in its environment, one run at a time", "[e2e][events][hook]") {
  SpmiEnv env;
  std::string log = env.dir() + "/hook.log";
  // Each run writes its event and exit code, and takes a while: events that
  // come meanwhile wait their turn.
  std::string hook = env.write("hook.sh",
                               "echo \"start $SPMI_EVENT task=$SPMI_TASK_ID code=$SPMI_EXIT_CODE signal=$SPMI_SIGNAL "
                               "restarts=$SPMI_RESTARTS reason=$SPMI_REASON mine=$MINE\" >> " + log + "\n"
                               "sleep 0.3\n"
                               "echo \"end $SPMI_EVENT\" >> " + log + "\n"
                               "echo hook said hello\n");
  REQUIRE(env.run({"load", spmi::test::watchdog(env, "flaky", "sleep 0.2; exit 3",
                                                "restart = \"on-failure\"\nrestart_delay = \"100ms\"\nmax_restarts = 2\n"
                                                "restart_window = \"1m\"\nenv = { MINE = \"yes\" }\n"
                                                "[task.wrapper.on_event]\ncommand = \"sh " + hook + "\"\n"
                                                "events = [\"restart-scheduled\", \"gave-up\"]\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "flaky"}).exit_code == 0);
  // Two restarts, then it gives up: three hook runs, in order, never overlapping.
  REQUIRE(eventually(15000, [&] { return slurp_file(log).find("end gave-up") != std::string::npos; }));
  std::string text = slurp_file(log);
  INFO(text);
  std::istringstream lines(text);
  std::vector<std::string> got;
  for (std::string l; std::getline(lines, l);) got.push_back(l);
  REQUIRE(got.size() == 6);
  for (size_t i = 0; i < got.size(); i += 2) {
    CHECK(got[i].rfind("start ", 0) == 0);
    CHECK(got[i + 1].rfind("end ", 0) == 0);
  }
  CHECK(got[0].find("start restart-scheduled task=flaky code=3 signal= restarts=0") == 0);
  CHECK(got[0].find("mine=yes") != std::string::npos);  // the task's environment
  CHECK(got[4].find("start gave-up task=flaky code=3") == 0);
  CHECK(got[4].find("reason=") != std::string::npos);
  // Its output is in wrapper.log.
  REQUIRE(eventually(3000, [&] {
    return slurp_file(env.spmi_path() + "/flaky/wrapper.log").find("on_event hook (gave-up): hook said hello") !=
           std::string::npos;
  }));
}

TEST_CASE("a failing or hanging on_event hook is recorded as an event and never holds the task up", "[e2e][events][hook]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", spmi::test::watchdog(env, "svc", "sleep 600",
                                                "[task.wrapper.on_event]\ncommand = \"echo oops >&2; exit 5\"\n"
                                                "events = [\"started\"]\n"),
                   spmi::test::watchdog(env, "slow", "sleep 600",
                                        "[task.wrapper.on_event]\ncommand = [\"sleep\", \"30\"]\n"
                                        "events = [\"started\", \"stopping\"]\ntimeout = \"500ms\"\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "svc|slow"}).exit_code == 0);
  auto failed = [&](const std::string& id) {
    for (const auto& e : spmi::test::events(env, id))
      if (e["event"] == "on-event-failed") return e["reason"].get<std::string>();
    return std::string();
  };
  REQUIRE(eventually(5000, [&] { return !failed("svc").empty(); }));
  CHECK(failed("svc").find("the hook for 'started': oops (exit code 5)") != std::string::npos);
  REQUIRE(eventually(5000, [&] { return !failed("slow").empty(); }));
  CHECK(failed("slow").find("timed out after 500ms (killed)") != std::string::npos);
  // The task runs on meanwhile, and stops at once: the hook waits its turn.
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(env.run({"stop", "slow"}).exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2000));
}

TEST_CASE("bad on_event keys are reported with their position", "[e2e][events][hook]") {
  SpmiEnv env;
  auto f = env.write("bad.toml", "[task]\nid = \"b\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"true\"\n"
                                 "[task.wrapper.on_event]\nevents = [\"exitted\"]\ntimeout = \"0s\"\n");
  auto r = env.run({"load", f});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("missing required key 'task.wrapper.on_event.command'") != std::string::npos);
  CHECK(r.err.find("bad.toml:7:11: task.wrapper.on_event.events: unknown event 'exitted' (known: started,") !=
        std::string::npos);
  CHECK(r.err.find("task.wrapper.on_event.timeout: must be longer than 0s") != std::string::npos);
  // Only the watchdog runs hooks.
  auto plain = env.write("plain.toml", "[task]\nid = \"p\"\n[task.wrapper]\ncommand = \"true\"\n"
                                       "[task.wrapper.on_event]\ncommand = \"true\"\n");
  r = env.run({"load", plain});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("on_event") != std::string::npos);
}
