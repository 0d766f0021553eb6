// End to end: the watchdog's watch (wrappers/file_watcher.h). A change
// restarts the task within the debounce (an event names the file), an
// ignored file or directory does not, a directory made later is watched
// too, and the idle watchdog wakes zero times.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::has;
using spmi::test::SpmiEnv;
using spmi::test::slurp;

TEST_CASE("watch: a change restarts the task within a second, an ignored one does not, idle costs nothing",
          "[e2e][watch]") {
  SpmiEnv env;
  REQUIRE(::mkdir((env.dir() + "/app").c_str(), 0755) == 0);
  REQUIRE(::mkdir((env.dir() + "/app/src").c_str(), 0755) == 0);
  REQUIRE(::mkdir((env.dir() + "/app/src/node_modules").c_str(), 0755) == 0);
  env.write("app/src/main.py", "print(1)\n");
  auto file = env.write("w.toml", "[task]\nid = \"w\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"sleep 300\"\n"
                                  "cwd = \"app\"\n[task.wrapper.watch]\npaths = [\"src\"]\n"
                                  "ignore = [\"*.log\", \"node_modules\"]\ndebounce = \"200ms\"\n");
  auto other = env.task("other", "sleep 300");
  REQUIRE(env.run({"load", file, other}).exit_code == 0);
  REQUIRE(env.run({"start", "w", "other"}).exit_code == 0);
  auto first = env.state("w");
  pid_t other_pid = env.state("other").pid;
  CHECK(has(slurp(env.spmi_path() + "/w/wrapper.log"), "watching 1 path(s) with 1 inotify watch(es)"));

  // Idle: not one wake-up of the watchdog.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  long before = spmi::test::voluntary_switches(first.wrapper_pid);
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  CHECK(spmi::test::voluntary_switches(first.wrapper_pid) == before);

  // Ignored: a log file, anything under node_modules.
  env.write("app/src/run.log", "x\n");
  env.write("app/src/node_modules/lib.js", "x\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(env.state("w").pid == first.pid);

  // A change: restarted within a second, the event names the file.
  auto t0 = std::chrono::steady_clock::now();
  env.write("app/src/main.py", "print(2)\n");
  REQUIRE(eventually(3000, [&] { return env.state("w").pid != first.pid && env.state("w").phase == spmi::Phase::Running; }));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(took < (SPMI_SANITIZED ? 3.0 : 1.0));  // the debounce is 200ms; sanitizers slow everything
  CHECK_FALSE(alive(first.pid));
  CHECK(has(env.run({"events", "w"}).out, "file-changed"));
  CHECK(has(env.run({"events", "w"}).out, "(main.py changed)"));
  CHECK(env.state("w").wrapper_pid == first.wrapper_pid);  // in place
  CHECK(env.state("other").pid == other_pid);

  // A directory made later is watched: a file in it restarts the task.
  pid_t before_mkdir = env.state("w").pid;
  REQUIRE(::mkdir((env.dir() + "/app/src/pkg").c_str(), 0755) == 0);
  // The mkdir itself is a change: wait for its restart, so the next one is the file's own.
  REQUIRE(eventually(5000, [&] { return env.state("w").pid != before_mkdir && env.state("w").phase == spmi::Phase::Running; }));
  pid_t second = env.state("w").pid;
  env.write("app/src/pkg/mod.py", "x = 1\n");
  CHECK(eventually(3000, [&] { return env.state("w").pid != second; }));
  CHECK(has(env.run({"events", "w", "-n", "50"}).out, "(pkg/mod.py changed)"));
  CHECK(env.run({"stop", "w", "other"}).exit_code == 0);

  // Only for the watchdog, and a path that exists.
  auto plain = env.write("p.toml", "[task]\nid = \"p\"\n[task.wrapper]\ncommand = \"true\"\n[task.wrapper.watch]\n");
  auto r = env.run({"validate", plain});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "needs type = \"watchdog\""));
  auto missing = env.write("m.toml", "[task]\nid = \"m\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"sleep 5\"\n"
                                     "[task.wrapper.watch]\npaths = [\"nowhere\"]\n");
  REQUIRE(env.run({"load", missing}).exit_code == 0);
  r = env.run({"start", "m"});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "watch path " + env.dir() + "/nowhere: No such file or directory"));
}
