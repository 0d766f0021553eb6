// End to end: reload and stop_command (common/control_commands.h). A
// reload keeps the task's pid and run and is recorded; apply reloads a
// running task when only reloadable keys changed and restarts it otherwise;
// a stop runs the stop_command once, as the task's user, before the stop
// signal, and a hanging one is cut at stop_timeout without keeping the
// tree alive.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::has;
using spmi::test::SpmiEnv;
using spmi::test::slurp;

namespace {

// A python server that counts the SIGHUPs it gets in `hups` and notes its
// SIGTERM in `term` (with a monotonic-free wall clock in ns).
std::string hup_counter(const SpmiEnv& env) {
  return env.write("hup.py",
                   "import signal, sys, time\n"
                   "n = 0\n"
                   "def hup(*a):\n"
                   "    global n\n"
                   "    n += 1\n"
                   "    open('hups', 'w').write(str(n))\n"
                   "def term(*a):\n"
                   "    open('term', 'a').write('%d\\n' % time.time_ns())\n"
                   "    sys.exit(0)\n"
                   "signal.signal(signal.SIGHUP, hup)\n"
                   "signal.signal(signal.SIGTERM, term)\n"
                   "open('up', 'w').write('1')\n"
                   "while True:\n"
                   "    time.sleep(1)\n");
}

std::string hup_task(const SpmiEnv& env, const std::string& extra) {
  hup_counter(env);
  return env.write("hup.toml", "[task]\nid = \"hup\"\n[task.wrapper]\ncommand = [\"python3\", \"hup.py\"]\n"
                               "reload_signal = \"SIGHUP\"\n" + extra);
}
}  // namespace

TEST_CASE("reload sends reload_signal to the running task: same pid and run, counted, recorded", "[e2e][reload]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", hup_task(env, "")}).exit_code == 0);
  REQUIRE(env.run({"start", "hup"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return slurp(env.dir() + "/up") == "1"; }));
  auto before = env.state("hup");
  auto r = env.run({"reload", "hup"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "reloaded hup (SIGHUP to pid " + std::to_string(before.pid) + ")"));
  CHECK(eventually(3000, [&] { return slurp(env.dir() + "/hups") == "1"; }));
  REQUIRE(env.run({"reload", "h.*"}).exit_code == 0);
  CHECK(eventually(3000, [&] { return slurp(env.dir() + "/hups") == "2"; }));
  auto after = env.state("hup");
  CHECK(after.pid == before.pid);
  CHECK(after.run_id == before.run_id);
  CHECK(after.reloads == 2);
  CHECK(after.reload_error.empty());
  CHECK(alive(before.pid));
  auto events = env.run({"events", "hup", "--json"}).out;
  CHECK(has(events, "\"event\":\"reloaded\""));
  CHECK(has(env.run({"status", "hup"}).out, "Reload: SIGHUP; 2 reload(s) in this run"));
  CHECK(has(env.run({"status", "hup", "--json"}).out, "\"reloads\": 2"));
  // --json: one document per call.
  auto j = env.run({"reload", "hup", "--json"});
  CHECK(j.exit_code == 0);
  CHECK(has(j.out, "\"action\": \"reload\""));

  // Not running: refused, exit 1, nothing sent.
  REQUIRE(env.run({"stop", "hup"}).exit_code == 0);
  r = env.run({"reload", "hup"});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "hup: not running; nothing to reload"));
  // A pattern that matches nothing: exit 3, as for the other commands.
  CHECK(env.run({"reload", "nothing"}).exit_code == 3);
}

TEST_CASE("reload_command runs with MAINPID and its failure is reported", "[e2e][reload]") {
  SpmiEnv env;
  auto ok = env.write("ok.toml", "[task]\nid = \"ok\"\n[task.wrapper]\ncommand = \"sleep 60\"\n"
                                 "reload_command = \"echo $MAINPID > reloaded\"\n");
  auto bad = env.write("bad.toml", "[task]\nid = \"bad\"\n[task.wrapper]\ncommand = \"sleep 60\"\n"
                                   "reload_command = \"echo config broken; exit 3\"\n");
  REQUIRE(env.run({"load", ok, bad}).exit_code == 0);
  REQUIRE(env.run({"start", "ok", "bad"}).exit_code == 0);
  auto r = env.run({"reload", "ok", "bad"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "reloaded ok (reload_command succeeded)"));
  CHECK(slurp(env.dir() + "/reloaded") == std::to_string(env.state("ok").pid) + "\n");
  CHECK(has(r.err, "bad: reload failed: the reload_command failed: config broken (exit code 3)"));
  CHECK(env.state("bad").reload_error == "the reload_command failed: config broken (exit code 3)");
  CHECK(has(env.run({"events", "bad"}).out, "reload-failed"));
  // Both keys at once: refused at load.
  auto both = env.write("both.toml", "[task]\nid = \"both\"\n[task.wrapper]\ncommand = \"sleep 60\"\n"
                                     "reload_command = \"true\"\nreload_signal = \"SIGHUP\"\n");
  auto v = env.run({"validate", both});
  CHECK(v.exit_code == 1);
  CHECK(has(v.err, "task.wrapper.reload_signal: give either reload_signal or reload_command, not both"));
  CHECK(env.run({"kill", "ok", "bad"}).exit_code == 0);
}

TEST_CASE("apply reloads a running task for reloadable keys and restarts it for the others", "[e2e][reload][apply]") {
  SpmiEnv env;
  auto file = hup_task(env, "stop_timeout = \"5s\"\n");
  REQUIRE(env.run({"apply", file}).exit_code == 0);
  REQUIRE(env.run({"start", "hup"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return slurp(env.dir() + "/up") == "1"; }));
  auto before = env.state("hup");

  // stop_timeout is reloadable: the plan says so, the pid stays, the HUP arrives.
  hup_task(env, "stop_timeout = \"7s\"\n");
  auto r = env.run({"apply", file});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "~ hup: stop_timeout (running: reload, no restart (reloadable keys))"));
  CHECK(has(r.out, "reloaded hup (SIGHUP to pid " + std::to_string(before.pid) + ")"));
  CHECK(eventually(3000, [&] { return slurp(env.dir() + "/hups") == "1"; }));
  CHECK(env.state("hup").pid == before.pid);
  CHECK(has(env.run({"status", "hup", "--json"}).out, "\"reloads\": 1"));
  auto plan = env.run({"apply", "--dry-run", "--json", file});
  CHECK(has(plan.out, "\"unchanged\": [\n    \"hup\"\n  ]"));

  // env is not: a restart, a new pid.
  hup_task(env, "stop_timeout = \"7s\"\nenv = { MODE = \"b\" }\n");
  r = env.run({"apply", file});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "~ hup: env (running: restart)"));
  auto after = env.state("hup");
  CHECK(after.pid != before.pid);
  CHECK_FALSE(alive(before.pid));
  CHECK(env.run({"stop", "hup"}).exit_code == 0);
}

TEST_CASE("stop_command runs once before the stop signal, as the task's user", "[e2e][stop-command]") {
  SpmiEnv env;
  auto file = hup_task(env, "stop_command = \"echo stop $(date +%s%N) $MAINPID >> stops; id -u\"\n");
  REQUIRE(env.run({"load", file}).exit_code == 0);
  REQUIRE(env.run({"start", "hup"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return slurp(env.dir() + "/up") == "1"; }));
  pid_t pid = env.state("hup").pid;
  auto r = env.run({"stop", "hup"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string stops = slurp(env.dir() + "/stops"), term = slurp(env.dir() + "/term");
  REQUIRE(std::count(stops.begin(), stops.end(), '\n') == 1);  // once
  long long stop_ns = std::stoll(stops.substr(5)), term_ns = std::stoll(term);
  CHECK(stop_ns < term_ns);  // before the signal
  CHECK(has(stops, " " + std::to_string(pid) + "\n"));  // MAINPID
  CHECK(has(slurp(env.spmi_path() + "/hup/wrapper.log"), "the stop_command ended: " + std::to_string(::geteuid())));
  CHECK(has(env.run({"status", "hup"}).out, "Stop command: echo stop"));

  if (::geteuid() != 0) return;
  // As another user: the stop command runs as that user too.
  auto other = env.write("nobody.toml", "[task]\nid = \"nb\"\n[task.wrapper]\ncommand = \"sleep 60\"\n"
                                        "user = \"nobody\"\ncwd = \"/\"\nstop_command = \"id -u\"\n");
  REQUIRE(env.run({"load", other}).exit_code == 0);
  REQUIRE(env.run({"start", "nb"}).exit_code == 0);
  REQUIRE(env.run({"stop", "nb"}).exit_code == 0);
  CHECK(has(slurp(env.spmi_path() + "/nb/wrapper.log"), "the stop_command ended: 65534 (exit code 0)"));
}

TEST_CASE("a hanging stop_command is cut at stop_timeout and the stop still ends the tree", "[e2e][stop-command]") {
  SpmiEnv env;
  // The task ignores SIGTERM, so the tree needs the SIGKILL at the second timeout.
  auto file = env.write("hang.toml", "[task]\nid = \"hang\"\n[task.wrapper]\n"
                                     "command = \"trap '' TERM; sleep 300 & echo $! > child; wait\"\n"
                                     "stop_command = \"echo $$ > stopper; sleep 300\"\nstop_timeout = \"1s\"\n");
  REQUIRE(env.run({"load", file}).exit_code == 0);
  REQUIRE(env.run({"start", "hang"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return !slurp(env.dir() + "/child").empty(); }));
  pid_t child = std::stoi(slurp(env.dir() + "/child"));
  auto t0 = std::chrono::steady_clock::now();
  auto r = env.run({"stop", "hang"});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(took >= 1.9);  // the command's timeout, then the stop signal's
  CHECK(took < 10);
  CHECK_FALSE(alive(child));
  pid_t stopper = std::stoi(slurp(env.dir() + "/stopper"));
  CHECK(eventually(5000, [&] { return !alive(stopper); }));
  auto events = env.run({"events", "hang"}).out;
  CHECK(has(events, "stop-command-timeout"));
  CHECK(has(events, "stop-timeout"));
  CHECK(env.state("hang").phase == spmi::Phase::Exited);
}
