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

#include "e2e/harness.h"

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
