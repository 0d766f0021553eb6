// End to end: the foot-guns that could move, replace or restart the wrong
// task. Task ids are global, so a second file or project that defines an id
// another owns is refused with the owner named (--adopt moves it); load
// names the owning file; host checks warn at load; graph, run and restart
// take the selections and parallelism the other commands do.
#include <catch2/catch.hpp>

#include <chrono>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::SpmiEnv;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string project(const SpmiEnv& env, const std::string& file, const std::string& name, const std::string& ids) {
  std::string text = "[project]\nname = \"" + name + "\"\n";
  for (char id : ids)
    text += "[project.tasks." + std::string(1, id) + ".wrapper]\ncommand = \"sleep 60\"\n";
  return env.write(file, text);
}
}  // namespace

TEST_CASE("apply of an id another file or project owns is refused naming the owner, --adopt moves it", "[e2e][apply]") {
  SpmiEnv env;
  auto shop = project(env, "shop.toml", "shop", "ab");
  REQUIRE(env.run({"apply", shop}).exit_code == 0);
  REQUIRE(env.run({"start", "a"}).exit_code == 0);
  auto a = env.state("a");
  auto before = env.snapshot();

  // Another project defines "a": refused, nothing changes, the owner is named.
  auto lab = project(env, "lab.toml", "lab", "ac");
  auto r = env.run({"apply", lab});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "lab.toml: task 'a' belongs to " + env.dir() + "/shop.toml (project shop); rename it, or use "
                   "--adopt to move it to this file"));
  CHECK(has(r.err, "nothing applied"));
  CHECK(env.snapshot() == before);  // "c" was not loaded either
  // A plain task file with the same id: refused too.
  auto solo = env.task("b", "sleep 60");
  r = env.run({"apply", solo});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task 'b' belongs to " + env.dir() + "/shop.toml (project shop)"));
  CHECK(env.snapshot() == before);
  CHECK(env.run({"apply", "--dry-run", lab}).exit_code == 1);

  // --adopt: "a" moves to lab without a restart (only its owner changed),
  // "c" is added.
  r = env.run({"apply", "--adopt", lab});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "~ a: project, source (running: update, no restart (metadata only))"));
  CHECK(env.state("a").run_id == a.run_id);
  CHECK(alive(a.pid));
  auto status = env.run({"status", "a"}).out;
  CHECK(has(status, "lab.toml"));
  CHECK(has(env.run({"list", "-p", "lab"}).out, "a "));
  CHECK_FALSE(has(env.run({"list", "-p", "shop"}).out, "\na "));
  // Applying shop again now refuses "a" the other way round.
  r = env.run({"apply", shop});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task 'a' belongs to " + env.dir() + "/lab.toml (project lab)"));
  CHECK(env.run({"kill", "a"}).exit_code == 0);
}

TEST_CASE("load names the owner of a loaded id and points an active replace at apply", "[e2e][load]") {
  SpmiEnv env;
  auto web = env.task("web", "sleep 60");
  REQUIRE(env.run({"load", web}).exit_code == 0);
  auto other = env.write("other.yaml", "task:\n  id: web\n  wrapper:\n    command: sleep 61\n");
  auto r = env.run({"load", other});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "other.yaml: task 'web' is already loaded from " + env.dir() + "/web.toml (--replace updates it"));
  // --replace from another file: the same id, someone else's.
  auto before = env.snapshot();
  r = env.run({"load", "--replace", other});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task 'web' belongs to " + env.dir() + "/web.toml; rename it, or add --adopt"));
  CHECK(env.snapshot() == before);
  CHECK(env.run({"load", "--adopt", other}).exit_code == 2);  // --adopt needs --replace
  // An active task is not replaced: stop it, or apply.
  REQUIRE(env.run({"start", "web"}).exit_code == 0);
  r = env.run({"load", "--replace", web});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task 'web' is active; stop it first, or use 'spmi apply " + web + "'"));
  REQUIRE(env.run({"stop", "web"}).exit_code == 0);
  r = env.run({"load", "--replace", "--adopt", other});
  CHECK(r.exit_code == 0);
  CHECK(has(env.run({"status", "web"}).out, "sleep 61"));
}

TEST_CASE("validate checks the program of a plain command string, load warns", "[e2e][validate]") {
  SpmiEnv env;
  auto typo = env.task("typo", "sleeep 5");
  auto r = env.run({"validate", typo});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task 'typo': task.wrapper.command: 'sleeep' is not found in PATH"));
  CHECK(has(r.err, "did you mean 'sleep'?"));
  // Shell syntax after a plain program: the program is still checked.
  CHECK(env.run({"validate", env.task("piped", "nosuchprogram-spmi --x | cat")}).exit_code == 1);
  // Builtins, assignments and shell syntax are the shell's business.
  for (const char* fine : {"echo hi", "X=1 sleep 1", "exec sleep 1", "sleep 1 && true", "(sleep 1)"}) {
    INFO(fine);
    CHECK(env.run({"validate", env.task("fine", fine)}).exit_code == 0);
  }
  // load loads (the program may be installed later, or live on a Slurm
  // node) but says so.
  r = env.run({"load", typo});
  CHECK(r.exit_code == 0);
  CHECK(has(r.err, "typo.toml:"));
  CHECK(has(r.err, "warning: task 'typo': task.wrapper.command: 'sleeep' is not found in PATH"));
  CHECK(has(r.out, "loaded typo"));
}

TEST_CASE("graph takes -p and --tag, run takes --tag and --project", "[e2e][graph][run]") {
  SpmiEnv env;
  REQUIRE(env.run({"apply", project(env, "shop.toml", "shop", "ab")}).exit_code == 0);
  REQUIRE(env.run({"load", env.task("solo", "sleep 60", "")}).exit_code == 0);
  auto g = env.run({"graph", "-p", "shop"});
  CHECK(g.exit_code == 0);
  CHECK(g.out == "a\nb\n");
  auto j = env.run({"graph", "--json", "-p", "shop"});
  CHECK(has(j.out, "\"start_order\""));
  CHECK(env.run({"graph", "-p", "nosuch"}).exit_code == 3);

  auto r = env.run({"run", "--name", "tool", "--tag", "adhoc", "--tag", "x", "-p", "tools", "--", "sleep", "60"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(env.run({"list", "--tag", "adhoc"}).out, "tool"));
  CHECK(has(env.run({"list", "-p", "tools"}).out, "tool"));
  CHECK(has(env.run({"graph", "--tag", "x"}).out, "tool"));
  CHECK(env.run({"run", "-p", "bad name", "--", "true"}).exit_code == 2);
  CHECK(env.run({"kill", "tool"}).exit_code == 0);
}

TEST_CASE("restart of many tasks runs them in parallel, lines in id order", "[e2e][restart]") {
  SpmiEnv env;
  // Each ignores SIGTERM: a restart waits out its 1.5 s stop_timeout.
  std::vector<std::string> files;
  for (const char* id : {"r1", "r2", "r3", "r4"})
    files.push_back(env.task(id, "trap '' TERM; sleep 60 & wait", "stop_timeout = \"1500ms\"\n"));
  std::vector<std::string> load = {"load"};
  load.insert(load.end(), files.begin(), files.end());
  REQUIRE(env.run(load).exit_code == 0);
  REQUIRE(env.run({"start", "r[1-4]"}).exit_code == 0);
  REQUIRE(env.run({"wait", "r[1-4]"}).exit_code == 0);
  auto timed_restart = [&](const std::string& pattern, spmi::test::RunResult* r) {
    auto t0 = std::chrono::steady_clock::now();
    *r = env.run({"restart", pattern});
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // One restart first: its 1.5 s timeout plus what a restart costs on this
  // machine (a sanitizer build on a busy host pays seconds more).
  spmi::test::RunResult r;
  double one = timed_restart("r1", &r);
  REQUIRE(r.exit_code == 0);
  REQUIRE(env.run({"wait", "r1"}).exit_code == 0);
  std::vector<pid_t> before;
  for (const char* id : {"r1", "r2", "r3", "r4"}) before.push_back(env.state(id).pid);
  double took = timed_restart("r[1-4]", &r);
  INFO(r.out << r.err << " one restart " << one << " s, four " << took << " s");
  CHECK(r.exit_code == 0);
  // Each waits out its stop_timeout; one after another this would be at
  // least four single restarts.
  CHECK(took >= 1.4);
  CHECK(took < 2 * one + 1);
  size_t p1 = r.out.find("restarted r1"), p2 = r.out.find("restarted r2"), p3 = r.out.find("restarted r3"),
         p4 = r.out.find("restarted r4");
  REQUIRE(p4 != std::string::npos);
  CHECK((p1 < p2 && p2 < p3 && p3 < p4));
  int i = 0;
  for (const char* id : {"r1", "r2", "r3", "r4"}) CHECK(env.state(id).pid != before[i++]);
  CHECK(env.run({"kill", "r[1-4]"}).exit_code == 0);
}
