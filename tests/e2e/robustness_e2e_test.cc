// End to end: spmi against broken state and hostile descriptors. Each case
// was found by probing an earlier spmi: a FIFO or a link to /dev/zero in
// place of a state file hung or exhausted every command, a lost cli.lock
// made a task unmanageable, tiny YAML/JSON files took spmi down.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/fd.h"
#include "common/proc.h"
#include "common/lock_file.h"
#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::SpmiEnv;

namespace fs = std::filesystem;

TEST_CASE("a FIFO or /dev/zero in place of a state file: the others still answer, clean removes it",
          "[e2e][robust]") {
  SpmiEnv env;
  for (const char* id : {"good", "fifospec", "zerostate", "fifolock", "fifostate"})
    REQUIRE(env.run({"load", env.task(id, "exec sleep 100")}).exit_code == 0);
  REQUIRE(env.run({"start", "good", "zerostate", "fifostate"}).exit_code == 0);
  REQUIRE(env.run({"stop", "zerostate"}).exit_code == 0);
  std::string root = env.spmi_path();
  fs::remove(root + "/fifospec/spec");
  REQUIRE(::mkfifo((root + "/fifospec/spec").c_str(), 0600) == 0);
  fs::remove(root + "/zerostate/state");
  fs::create_symlink("/dev/zero", root + "/zerostate/state");
  fs::remove(root + "/fifolock/lock");
  REQUIRE(::mkfifo((root + "/fifolock/lock").c_str(), 0600) == 0);
  // A running task whose state file became a FIFO.
  pid_t running = env.state("fifostate").pid;
  fs::remove(root + "/fifostate/state");
  REQUIRE(::mkfifo((root + "/fifostate/state").c_str(), 0600) == 0);

  // Every command answers (the harness gives up after 20 s: none may hang).
  auto l = env.run({"list"}, 20);
  CHECK(l.exit_code == 1);
  CHECK(l.out.find("good ") != std::string::npos);
  CHECK(l.err.find(root + "/fifospec/spec: is not a regular file") != std::string::npos);
  CHECK(l.err.find(root + "/zerostate/state: is a symbolic link") != std::string::npos);
  CHECK(l.err.find("fifolock: " + root + "/fifolock/lock: cannot probe the lock") != std::string::npos);
  CHECK(l.err.find(root + "/fifostate/state: is not a regular file") != std::string::npos);
  auto st = env.run({"status", "good"}, 20);
  CHECK(st.exit_code == 0);
  // The running one is still active: stop needs only its lock and control FIFO.
  auto s = env.run({"stop", "fifostate"}, 20);
  INFO(s.err);
  CHECK(s.exit_code == 0);
  CHECK_FALSE(alive(running));
  // start refuses the broken ones with the reason, clean removes them.
  auto b = env.run({"start", "fifospec"}, 20);
  CHECK(b.exit_code == 1);
  CHECK(b.err.find("is not a regular file") != std::string::npos);
  auto c = env.run({"clean", "fifospec", "zerostate", "fifolock"}, 20);
  INFO(c.err);
  CHECK(c.exit_code == 0);
  CHECK_FALSE(fs::exists(root + "/fifospec"));
  CHECK_FALSE(fs::exists(root + "/zerostate"));
  CHECK_FALSE(fs::exists(root + "/fifolock"));
  CHECK(env.run({"list"}, 20).exit_code == 0);
}

TEST_CASE("a lost cli.lock is made again: the task can be started, stopped and cleaned", "[e2e][robust]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("nolock", "exec sleep 100")}).exit_code == 0);
  fs::remove(env.spmi_path() + "/nolock/cli.lock");
  auto r = env.run({"start", "nolock"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(env.spmi_path() + "/nolock/cli.lock"));
  fs::remove(env.spmi_path() + "/nolock/cli.lock");
  CHECK(env.run({"stop", "nolock"}).exit_code == 0);
  fs::remove(env.spmi_path() + "/nolock/cli.lock");
  CHECK(env.run({"clean", "nolock"}).exit_code == 0);
  CHECK_FALSE(fs::exists(env.spmi_path() + "/nolock"));
}

TEST_CASE("hostile descriptors: validate and load refuse them within bounds", "[e2e][robust][hostile]") {
  SpmiEnv env;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"comma.yaml", ","},
      {"comma-at.yaml", ",@"},
      {"bomb.yaml", spmi::test::yaml_alias_bomb()},
      {"deep.json", std::string(500000, '[') + std::string(500000, ']')},
      {"assert.toml", "[{[z"},
      {"unreachable.toml", "\xce\xa4"},
  };
  std::string before = env.snapshot();
  for (const auto& [name, text] : files) {
    INFO(name);
    std::string path = env.write(name, text);
    for (const char* cmd : {"validate", "load", "apply"}) {
      INFO(cmd);
      // Bounded: at most 20 s, and 1 GiB of address space (not under the
      // sanitizers, which reserve terabytes of shadow memory).
      std::string limit = SPMI_SANITIZED ? "" : "prlimit --as=1073741824 -- ";
      int code = -1;
      std::string out = spmi::test::run_program(
          {"sh", "-c", "SPMI_PATH=" + env.spmi_path() + " timeout 20 " + limit + SPMI_BIN + " " + cmd + " " + path + " 2>&1"},
          &code);
      INFO(out);
      CHECK(code == 1);
      CHECK(out.find(path) != std::string::npos);
    }
  }
  CHECK(env.snapshot() == before);
}

TEST_CASE("work directories and temporary files of killed writers on this host are collected", "[e2e][robust]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("keep", "true")}).exit_code == 0);
  // As a load and a clean killed midway leave them (pids that no longer exist).
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  REQUIRE(gone > 0);
  int status;
  ::waitpid(gone, &status, 0);
  std::string root = env.spmi_path();
  fs::create_directories(root + "/.new-half-" + std::to_string(gone));
  std::ofstream(root + "/.new-half-" + std::to_string(gone) + "/spec") << "spmi-spec 1\n";
  fs::create_directories(root + "/.removing-old-" + std::to_string(gone));
  // One of a run still going is left alone.
  fs::create_directories(root + "/.new-busy-" + std::to_string(::getpid()));
  // Those named after this host go too; another host's pid says nothing
  // here ($SPMI_PATH shared with a compute node): left to that host.
  const std::string here = "@" + spmi::host_name();
  fs::create_directories(root + "/.new-mine-" + std::to_string(gone) + here);
  fs::create_directories(root + "/.new-theirs-" + std::to_string(gone) + "@elsewhere");
  // The same for a temporary file of an atomic write in a task directory.
  std::ofstream(root + "/keep/.state.tmp." + std::to_string(gone) + here) << "half";
  std::ofstream(root + "/keep/.state.tmp." + std::to_string(gone) + "@elsewhere") << "half";
  // And a descriptor copy a load shares among the tasks of one file.
  std::ofstream(root + "/.descriptor-0.tmp." + std::to_string(gone) + here) << "[task]";
  std::ofstream(root + "/.descriptor-0.tmp." + std::to_string(gone) + "@elsewhere") << "[task]";
  REQUIRE(env.run({"load", env.task("other", "true")}).exit_code == 0);
  CHECK_FALSE(fs::exists(root + "/.descriptor-0.tmp." + std::to_string(gone) + here));
  CHECK(fs::exists(root + "/.descriptor-0.tmp." + std::to_string(gone) + "@elsewhere"));
  CHECK_FALSE(fs::exists(root + "/.new-half-" + std::to_string(gone)));
  CHECK_FALSE(fs::exists(root + "/.removing-old-" + std::to_string(gone)));
  CHECK(fs::exists(root + "/.new-busy-" + std::to_string(::getpid())));
  CHECK_FALSE(fs::exists(root + "/.new-mine-" + std::to_string(gone) + here));
  CHECK(fs::exists(root + "/.new-theirs-" + std::to_string(gone) + "@elsewhere"));
  REQUIRE(env.run({"start", "keep"}).exit_code == 0);  // locks the task: collects its temporary files
  CHECK_FALSE(fs::exists(root + "/keep/.state.tmp." + std::to_string(gone) + here));
  CHECK(fs::exists(root + "/keep/.state.tmp." + std::to_string(gone) + "@elsewhere"));
  fs::create_directories(root + "/.removing-again-" + std::to_string(gone));
  CHECK(env.run({"clean", "other"}).exit_code == 0);
  CHECK_FALSE(fs::exists(root + "/.removing-again-" + std::to_string(gone)));
  CHECK(fs::exists(root + "/keep"));
}

namespace {
// A 256 KiB tmpfs mounted at <scratch>/small for one test (root only), lazily
// unmounted at the end of the scope: a disk that fills up on demand.
struct SmallTmpfs {
  std::string dir;
  explicit SmallTmpfs(const SpmiEnv& env) : dir(env.dir() + "/small") {
    fs::create_directories(dir);
    int code = -1;
    spmi::test::run_program({"mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", dir}, &code);
    REQUIRE(code == 0);
  }
  ~SmallTmpfs() { spmi::test::run_program({"umount", "-l", dir}); }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
};
}  // namespace

TEST_CASE("a start that cannot record its state fails and leaves nothing running", "[e2e][robust]") {
  if (spmi::test::skipped_without_root("mounting a small tmpfs")) return;
  SpmiEnv env;
  SmallTmpfs tmpfs(env);
  const std::string& small = tmpfs.dir;
  std::string root = small + "/state";
  std::vector<std::string> at = {"SPMI_PATH=" + root};
  // The harness cleans its own SPMI_PATH only: this one is cleaned here.
  struct KillAll {
    const SpmiEnv& env;
    std::vector<std::string> at;
    ~KillAll() { env.run_raw({"kill", "full"}, 30, at); }
  } kill_all{env, at};
  auto l = env.run_raw({"load", env.task("full", "exec sleep 100")}, 30, at);
  REQUIRE(l.exit_code == 0);
  // Fill the file system to the last byte.
  spmi::test::run_program({"sh", "-c", "cat /dev/zero > " + small + "/filler 2>/dev/null"});
  auto r = env.run_raw({"start", "full"}, 30, at);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot record the task's state") != std::string::npos);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  // Nothing runs: the state (if any) is not active and no sleep is left.
  auto list = env.run_raw({"list", "--json"}, 30, at);
  // Nothing could be recorded, so nothing was: the task is as it was.
  CHECK(nlohmann::json::parse(list.out)["tasks"][0]["state"] == "inactive");
  fs::remove(small + "/filler");
  // With room again, the task starts.
  auto again = env.run_raw({"start", "full"}, 30, at);
  INFO(again.err);
  CHECK(again.exit_code == 0);
}

TEST_CASE("a full disk during load, apply and run: a clear error, nothing half-written, nothing lost",
          "[e2e][robust]") {
  if (spmi::test::skipped_without_root("mounting a small tmpfs")) return;
  SpmiEnv env;
  SmallTmpfs tmpfs(env);
  const std::string& small = tmpfs.dir;
  std::string root = small + "/state";
  std::vector<std::string> at = {"SPMI_PATH=" + root};
  REQUIRE(env.run_raw({"load", env.task("kept", "exec sleep 100")}, 30, at).exit_code == 0);
  // Everything under the state directory, byte for byte.
  // What the tasks hold; not their empty lock files, which the first
  // command that locks a task makes (the refused apply takes kept's).
  auto snapshot = [&root] {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      std::string name = e.path().filename().string();
      if (name == "cli.lock" || name == "lock") continue;
      all += e.path().string() + "\n" + (e.is_regular_file() ? spmi::test::slurp(e.path()) : "") + "\n";
    }
    return all;
  };
  std::string before = snapshot();
  spmi::test::run_program({"sh", "-c", "cat /dev/zero > " + small + "/filler 2>/dev/null"});

  // A new task: refused, naming the state directory and the reason.
  std::string big_comment(4000, 'x');
  std::string added = env.write("added.toml", "[task]\nid = \"added\"\ncomment = \"" + big_comment +
                                                  "\"\n[task.wrapper]\ncommand = \"sleep 1\"\n");
  auto l = env.run_raw({"load", added}, 30, at);
  INFO(l.out << l.err);
  CHECK(l.exit_code == 4);
  CHECK(l.err.find(root) != std::string::npos);
  CHECK(l.err.find("No space left on device") != std::string::npos);
  // A changed definition of a loaded task: the old one stays whole.
  std::string changed = env.write("kept.toml", "[task]\nid = \"kept\"\ncomment = \"" + big_comment +
                                                   "\"\n[task.wrapper]\ncommand = \"exec sleep 200\"\n");
  auto a = env.run_raw({"apply", changed}, 30, at);
  INFO(a.out << a.err);
  CHECK(a.exit_code == 4);
  CHECK(a.err.find("No space left on device") != std::string::npos);
  auto r = env.run_raw({"run", "--name", "adhoc", "--", "sleep", "1"}, 30, at);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 4);
  // Nothing half-written, nothing lost: the directory is as it was.
  CHECK(snapshot() == before);
  auto list = env.run_raw({"list", "--json"}, 30, at);
  CHECK(list.exit_code == 0);
  auto tasks = nlohmann::json::parse(list.out)["tasks"];
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0]["id"] == "kept");
  // With room again, both work.
  fs::remove(small + "/filler");
  CHECK(env.run_raw({"load", added}, 30, at).exit_code == 0);
  CHECK(env.run_raw({"apply", changed}, 30, at).exit_code == 0);
  CHECK(env.run_raw({"clean", ".*"}, 30, at).exit_code == 0);
}

TEST_CASE("spmi run with bytes that are not UTF-8 says which word, and a too long SCREENDIR says so",
          "[e2e][robust]") {
  SpmiEnv env;
  auto r = env.run({"run", "--name", "bin", "--", "echo", "caf\xe9"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("run: command word 2 is not valid UTF-8") != std::string::npos);
  CHECK(r.err.find("internal error") == std::string::npos);
  CHECK_FALSE(fs::exists(env.spmi_path() + "/bin"));
  // A screen socket directory so long that the socket path cannot exist.
  std::string deep = env.dir() + "/" + std::string(90, 's');
  fs::create_directories(deep);
  ::chmod(deep.c_str(), 0700);
  auto f = env.write("win.toml", "[task]\nid = \"win\"\n[task.backend]\ntype = \"screen\"\n[task.wrapper]\n"
                                 "command = \"sleep 100\"\n");
  REQUIRE(env.run({"load", f}).exit_code == 0);
  auto s = env.run_raw({"start", "win"}, 30, {"SCREENDIR=" + deep});
  CHECK(s.exit_code == 1);
  CHECK(s.err.find("longer than a Unix socket allows (107); use a shorter SCREENDIR") != std::string::npos);
}

TEST_CASE("a wait never calls a run that died at once ready", "[e2e][robust][wait]") {
  SpmiEnv env;
  // A crash loop under the watchdog.
  auto r = env.run({"run", "--name", "loop", "--wrapper", "watchdog", "--restart", "on-failure", "--wait", "--", "false"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("ready") == std::string::npos);
  CHECK(r.err.find("loop: it was ready, but that run ended (exit code 1)") != std::string::npos);
  env.run({"kill", "loop"});
  // A command the shell cannot find (127), under the default wrapper.
  REQUIRE(env.run({"load", env.task("typo", "exit 127")}).exit_code == 0);
  auto s = env.run({"start", "typo", "--wait"});
  CHECK(s.exit_code == 1);
  // Seen running and then ended, or (on a busy machine) seen ended at
  // once: either way the wait fails naming the exit.
  INFO(s.err);
  CHECK((s.err.find("typo: it was ready, but that run ended (exit code 127)") != std::string::npos ||
         s.err.find("typo: will not become ready: it is inactive (exited, exit code 127)") != std::string::npos));
  // A run that stays up is ready.
  REQUIRE(env.run({"load", env.task("fine", "exec sleep 100")}).exit_code == 0);
  auto f = env.run({"start", "fine", "--wait"});
  CHECK(f.exit_code == 0);
  CHECK(f.out.find("fine: ready (after ") != std::string::npos);
}

TEST_CASE("a start right after an end or a failed start starts again, never as already active", "[e2e][robust]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("quick", "true")}).exit_code == 0);
  REQUIRE(env.run({"start", "quick"}).exit_code == 0);
  REQUIRE(env.run({"wait", "quick", "--for", "exited", "--timeout", "10s"}).exit_code == 0);
  std::string first_run = env.state("quick").run_id;
  // The moment between a wrapper recording its end and letting go of its
  // lock (CI once caught a start there; the old spmi answered "already
  // active" and started nothing): hold the lock as that wrapper would.
  bool busy = false;
  std::string err;
  spmi::Fd held = spmi::try_lock_file(env.spmi_path() + "/quick/lock", false, &busy, &err);
  REQUIRE(held.valid());
  std::thread release([&held] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    held.reset();
  });
  auto r = env.run({"start", "quick"});
  release.join();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("already active") == std::string::npos);
  REQUIRE(env.run({"wait", "quick", "--for", "exited", "--timeout", "10s"}).exit_code == 0);
  CHECK(env.state("quick").run_id != first_run);

  // A start that fails, again and again at once: each one is a failed start.
  REQUIRE(env.run({"load", env.task("refused", "true", "[task.logs]\nstdout = \"" + env.dir() + "/link.log\"\n")})
              .exit_code == 0);
  fs::create_symlink("/dev/null", env.dir() + "/link.log");
  for (int i = 0; i < 20; ++i) {
    auto f = env.run({"start", "refused"});
    INFO("attempt " << i << ": " << f.err);
    CHECK(f.exit_code == 1);
    CHECK(f.err.find("is a symbolic link") != std::string::npos);
  }
}
