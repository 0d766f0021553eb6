// End to end: logs written by the wrapper with real processes: rotation and
// compression under a fast writer (nothing lost, split, repeated or out of
// order), the disk bound, `spmi logs` (-n across gzipped files, -f across
// rotations, --grep, merging three tasks, --json, --clear), and logs that
// cannot be written (the task keeps running, status says why).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::SpmiEnv;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::vector<std::string> rotated_files(const std::string& dir, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string n = e.path().filename();
    if (n.rfind(base + ".", 0) == 0) out.push_back(n);
  }
  return out;
}

// Runs `spmi args...` in the background with its stdout in a pipe.
struct Background {
  pid_t pid = -1;
  int out = -1;
  Background(const SpmiEnv& env, const std::vector<std::string>& args) {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    auto envp = env.environment();
    pid = ::fork();
    if (pid == 0) {
      ::dup2(p[1], 1);
      ::close(p[0]);
      std::vector<char*> argv{const_cast<char*>(SPMI_BIN)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      std::vector<char*> e;
      for (const auto& kv : envp) e.push_back(const_cast<char*>(kv.c_str()));
      e.push_back(nullptr);
      ::execve(SPMI_BIN, argv.data(), e.data());
      ::_exit(127);
    }
    ::close(p[1]);
    out = p[0];
  }
  std::string text;  // what it printed so far
  // Reads what it prints until `s` is among it, for up to `ms`.
  bool wait_for(const std::string& s, int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (text.find(s) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
      struct pollfd p {
        out, POLLIN, 0
      };
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
      char buf[4096];
      ssize_t n = ::read(out, buf, sizeof buf);
      if (n <= 0) return false;
      text.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // Stops it (SIGINT, as Ctrl-C) and returns all it printed.
  std::string stop() {
    ::kill(pid, SIGINT);
    char buf[65536];
    ssize_t n;
    while ((n = ::read(out, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(out);
    pid = -1;
    return text;
  }
  ~Background() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::close(out);
    }
  }
};

}  // namespace

TEST_CASE("a fast writer: rotated and gzipped logs hold every line once, in order, within the disk bound",
          "[e2e][logs]") {
  SpmiEnv env;
  const int n = 300000;  // ~2 MB of numbered lines, as fast as seq writes them
  REQUIRE(env.run({"load", env.write("fast.toml", "[task]\nid = \"fast\"\n[task.wrapper]\ncommand = \"seq 1 " +
                                                      std::to_string(n) +
                                                      "\"\n[task.logs]\nmax_size = \"64KiB\"\nkeep = 1000\n"
                                                      "compress = true\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "fast"}).exit_code == 0);
  REQUIRE(env.run({"wait", "fast", "--for", "exited", "--timeout", "60s"}).exit_code == 0);
  std::string dir = env.spmi_path() + "/fast";
  // The compressions finish in the background.
  REQUIRE(eventually(30000, [&] {
    for (const auto& f : rotated_files(dir, "stdout.log"))
      if (f.size() < 3 || f.compare(f.size() - 3, 3, ".gz") != 0) return false;
    return true;
  }));
  auto rotated = rotated_files(dir, "stdout.log");
  CHECK(rotated.size() >= 25);  // ~2 MB in 64 KiB files
  auto r = env.run({"logs", "fast", "--stdout", "-n", "10000000"});
  REQUIRE(r.exit_code == 0);
  auto got = lines_of(r.out);
  REQUIRE(got.size() == static_cast<size_t>(n));
  bool in_order = true;
  for (int i = 0; i < n && in_order; ++i) in_order = got[static_cast<size_t>(i)] == std::to_string(i + 1);
  CHECK(in_order);
}

TEST_CASE("the disk bound: keep rotated files at most, each about max_size", "[e2e][logs]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.write("bound.toml",
                                     "[task]\nid = \"bound\"\n[task.wrapper]\ncommand = \"seq 1 400000; sleep 100\"\n"
                                     "[task.logs]\nmax_size = \"64KiB\"\nkeep = 3\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "bound"}).exit_code == 0);
  std::string dir = env.spmi_path() + "/bound";
  REQUIRE(eventually(20000, [&] { return env.run({"logs", "bound", "-n", "1"}).out == "400000\n"; }));
  auto rotated = rotated_files(dir, "stdout.log");
  CHECK(rotated.size() == 3);
  uintmax_t total = std::filesystem::file_size(dir + "/stdout.log");
  for (const auto& f : rotated) total += std::filesystem::file_size(dir + "/" + f);
  CHECK(total <= 4 * (64 * 1024 + 16));
  // The lines kept are the last ones, complete and consecutive.
  auto got = lines_of(env.run({"logs", "bound", "-n", "100000000"}).out);
  REQUIRE(!got.empty());
  CHECK(got.back() == "400000");
  int first = std::stoi(got.front());
  CHECK(got.size() == static_cast<size_t>(400000 - first + 1));
}

TEST_CASE("logs -f and connect --follow follow across rotations without losing or repeating a line", "[e2e][logs]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.write("tick.toml",
                                     "[task]\nid = \"tick\"\n[task.wrapper]\n"
                                     "command = \"i=0; while :; do i=$((i+1)); echo \\\"tick $i padding padding "
                                     "padding padding padding padding padding\\\"; sleep 0.002; done\"\n"
                                     "[task.logs]\nmax_size = \"4KiB\"\nkeep = 2\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "tick"}).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Background follow(env, {"logs", "tick", "-f", "-n", "0"});
  // connect --follow shows raw bytes, and must survive rotations too.
  Background connect(env, {"connect", "tick", "--follow"});
  // Many 4 KiB rotations (about 55 lines each), however slowly the
  // machine runs the loop and starts the followers: each follows from the
  // end of the log once it is up, so wait for its first line, then for
  // 300 more lines of the task.
  auto printed = [&] {
    auto lines = lines_of(spmi::test::slurp(env.spmi_path() + "/tick/stdout.log"));
    for (auto l = lines.rbegin(); l != lines.rend(); ++l)
      if (l->rfind("tick ", 0) == 0) return std::atoi(l->c_str() + 5);
    return 0;
  };
  REQUIRE(follow.wait_for("\n", 30000));
  REQUIRE(connect.wait_for("\n", 30000));
  int from = 0;  // 0 right after a rotation: the new file holds no whole line yet
  REQUIRE(spmi::test::eventually(5000, [&] { return (from = printed()) > 0; }));
  REQUIRE(spmi::test::eventually(60000, [&] { return printed() >= from + 300; }));
  for (auto* b : {&follow, &connect}) {
    INFO((b == &follow ? "logs -f" : "connect --follow"));
    std::string text = b->stop();
    // connect shows raw bytes: stopped mid-line, its last line is unfinished.
    if (b == &connect && !text.empty() && text.back() != '\n') text.erase(text.rfind('\n') + 1);
    auto got = lines_of(text);
    REQUIRE(got.size() > 100);
    int prev = -1;
    std::string bad;  // the first line out of place, with the one before it
    for (size_t k = 0; k < got.size() && bad.empty(); ++k) {
      const std::string& l = got[k];
      int i = l.rfind("tick ", 0) == 0 ? std::atoi(l.c_str() + 5) : -1;
      if (i <= 0 || (prev >= 0 && i != prev + 1))
        bad = "after \"" + (k ? got[k - 1] : std::string()) + "\": \"" + l + "\"";
      prev = i;
    }
    INFO(bad);
    CHECK(bad.empty());
  }
  CHECK(rotated_files(env.spmi_path() + "/tick", "stdout.log").size() == 2);
}

TEST_CASE("logs -n 1 -f and connect --follow started during an unfinished line show it whole, once", "[e2e][logs]") {
  SpmiEnv env;
  std::string go = env.dir() + "/go";
  REQUIRE(env.run({"load", env.task("half", "echo line1; printf half; while [ ! -e " + go +
                                                " ]; do sleep 0.02; done; echo rest; exec sleep 100")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "half"}).exit_code == 0);
  std::string log = env.spmi_path() + "/half/stdout.log";
  REQUIRE(eventually(5000, [&] { return spmi::test::slurp(log) == "line1\nhalf"; }));
  Background follow(env, {"logs", "half", "-n", "1", "-f"});
  REQUIRE(follow.wait_for("line1\n", 5000));
  Background connect(env, {"connect", "half", "--follow"});
  REQUIRE(connect.wait_for("half", 5000));
  env.write("go", "");
  CHECK(follow.wait_for("rest\n", 5000));
  CHECK(connect.wait_for("rest\n", 5000));
  CHECK(follow.stop() == "line1\nhalfrest\n");
  CHECK(connect.stop() == "line1\nhalfrest\n");
}

TEST_CASE("logs: --grep, three tasks merged in time order, --json, --since, --clear", "[e2e][logs]") {
  SpmiEnv env;
  for (const std::string id : {"a", "b", "c"}) {
    int delay = id == "a" ? 0 : id == "b" ? 1 : 2;
    std::string cmd = "for i in 1 2 3; do sleep 0.1" + std::to_string(delay) + "; echo " + id + "$i; done; sleep 100";
    REQUIRE(env.run({"load", env.write(id + ".toml", "[task]\nid = \"" + id + "\"\n[task.wrapper]\ncommand = \"" + cmd +
                                                         "\"\n[task.logs]\ntimestamps = true\n")})
                .exit_code == 0);
  }
  REQUIRE(env.run({"start", "a", "b", "c"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return lines_of(env.run({"logs", "a|b|c"}).out).size() == 9; }));
  auto merged = lines_of(env.run({"logs", "a|b|c"}).out);
  // "a | 2026-...Z a1": by time, each with its task.
  std::vector<std::string> times;
  for (const auto& l : merged) {
    CHECK(l.find(" | ") == 1);
    CHECK(l.substr(29) == l.substr(0, 1) + l.substr(30, 1));
    times.push_back(l.substr(4, 24));
  }
  CHECK(std::is_sorted(times.begin(), times.end()));
  CHECK(lines_of(env.run({"logs", "a|b|c", "--grep", "[ab]2$"}).out).size() == 2);
  auto j = nlohmann::json::parse(lines_of(env.run({"logs", "b", "--json", "-n", "1"}).out).at(0));
  CHECK(j["task"] == "b");
  CHECK(j["stream"] == "stdout");
  CHECK(j["text"] == "b3");
  CHECK(j["time"].get<std::string>().size() == 24);
  CHECK(env.run({"logs", "a", "--since", "1h"}).out.find("a1") != std::string::npos);
  CHECK(env.run({"logs", "a", "--since", "2099-01-01"}).out.empty());
  CHECK(env.run({"logs", "a", "--grep", "("}).exit_code == 2);
  // --clear while it runs: the wrapper truncates, later output still lands.
  // Rotated files go too, also a file and its .gz twin caught mid-compression.
  std::string rotated = env.spmi_path() + "/a/stdout.log.20261121T110001Z-001";
  env.write("state/a/stdout.log.20261121T110001Z-001", "old\n");
  env.write("state/a/stdout.log.20261121T110001Z-001.gz", "");
  REQUIRE(std::filesystem::exists(rotated));
  auto r = env.run({"logs", "--clear", "a"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(rotated));
  CHECK_FALSE(std::filesystem::exists(rotated + ".gz"));
  REQUIRE(eventually(3000, [&] { return env.run({"logs", "a"}).out.empty(); }));
  CHECK(alive(env.state("a").pid));
}

TEST_CASE("logs without timestamps: several tasks are shown task by task, and --since is refused", "[e2e][logs]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("x", "echo x1; sleep 100"), env.task("y", "echo y1; sleep 100")}).exit_code == 0);
  REQUIRE(env.run({"start", "x", "y"}).exit_code == 0);
  REQUIRE(eventually(3000, [&] { return lines_of(env.run({"logs", "x|y"}).out).size() == 2; }));
  auto r = env.run({"logs", "x|y"});
  CHECK(r.out == "x | x1\ny | y1\n");
  CHECK(r.err.find("cannot be merged in time order") != std::string::npos);
  r = env.run({"logs", "x", "--since", "10m"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("need timestamps") != std::string::npos);
}

TEST_CASE("a log that cannot be written leaves the task running, status says why, writing resumes", "[e2e][logs]") {
  SpmiEnv env;
  std::string missing = env.dir() + "/later";
  REQUIRE(env.run({"load",
                   env.write("full.toml",
                             "[task]\nid = \"full\"\n[task.wrapper]\n"
                             "command = \"while :; do echo data; sleep 0.05; done\"\n"
                             "[task.logs]\nstdout = \"/dev/full\"\n"),
                   env.write("later.toml",
                             "[task]\nid = \"later\"\n[task.wrapper]\n"
                             "command = \"while :; do echo data; sleep 0.05; done\"\n"
                             "[task.logs]\nstdout = \"" +
                                 missing + "/out.log\"\n")})
              .exit_code == 0);
  auto r = env.run({"start", "full", "later"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.state("full").log_dropped_bytes > 0; }));
  auto st = env.state("full");
  CHECK(st.log_error == "cannot write /dev/full: No space left on device");
  CHECK(st.phase == spmi::Phase::Running);
  CHECK(alive(st.pid));
  CHECK(env.run({"status", "full"}).out.find("cannot write /dev/full: No space left on device") != std::string::npos);
  REQUIRE(eventually(5000, [&] { return !env.state("later").log_error.empty(); }));
  CHECK(env.state("later").log_error.find("cannot open " + missing + "/out.log") == 0);
  // Space returns (here: the directory appears): writing resumes by itself.
  REQUIRE(::mkdir(missing.c_str(), 0700) == 0);
  REQUIRE(eventually(5000, [&] { return env.state("later").log_error.empty(); }));
  CHECK(eventually(3000, [&] {
    return std::filesystem::exists(missing + "/out.log") && std::filesystem::file_size(missing + "/out.log") > 0;
  }));
  CHECK(alive(env.state("later").pid));
}
