// End to end: spmi never harms what is not its own and always ends what is.
// Each case reproduces an attack or crash found against an earlier spmi:
// tasks run as ordinary accounts (NSS in a static wrapper crashed), links
// planted in a log directory (root wrote, truncated or overwrote any file),
// a reused pid or session id (spmi kill hit an unrelated process), a daemon
// that leaves the session and clears its environment (escaped once its
// wrapper was lost), health checks (ran as root with unresolved secrets), a
// state directory of another user, log paths into the state directory, and
// task ids equal to spmi's own entries.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/task_tree.h"
#include "e2e/harness.h"
#include "e2e/pid_helpers.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::Impostor;
using spmi::test::run_program;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace fs = std::filesystem;

namespace {

bool is_root() { return ::geteuid() == 0; }

// A real account made for one test (useradd) with a supplementary group of
// its own, removed again by userdel/groupdel when the test ends.
struct TempAccount {
  std::string name, group;
  TempAccount() {
    std::string tag = std::to_string(::getpid() % 100000) + std::to_string(std::rand() % 1000);
    name = "spmiu" + tag;
    group = "spmig" + tag;
    int code = -1;
    run_program({"groupadd", group}, &code);
    REQUIRE(code == 0);
    run_program({"useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh", "-G", group,
                 name},
                &code);
    REQUIRE(code == 0);
  }
  ~TempAccount() {
    run_program({"userdel", name});
    run_program({"groupdel", group});
  }
  std::string id(const char* flag) const { return run_program({"id", flag, name}); }
};

// A root-only file whose content must never change.
struct Canary {
  std::string path;
  explicit Canary(const SpmiEnv& env) : path(env.dir() + "/canary") {
    std::ofstream(path) << "precious\n";
    ::chmod(path.c_str(), 0600);
  }
  bool intact() const { return slurp(path) == "precious\n"; }
};

// The state of task `id` in `list --json`.
std::string list_state(const SpmiEnv& env, const std::string& id) {
  auto t = spmi::test::listed(env, id);
  return t.is_null() ? "" : t["state"].get<std::string>();
}

}  // namespace

TEST_CASE("user = daemon and a new account: the task runs with that uid and its groups, and stops",
          "[e2e][security]") {
  SpmiEnv env;
  if (!is_root()) {
    REQUIRE(env.run({"load", env.task("asdaemon", "id -u", "user = \"daemon\"\n")}).exit_code == 0);
    auto r = env.run({"start", "asdaemon"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("does not run as root") != std::string::npos);
    return;
  }
  TempAccount acct;
  // A long-running task per account: its identity is read from /proc while
  // it runs, and it must stop cleanly.
  for (const std::string& user : {std::string("daemon"), acct.name}) {
    INFO(user);
    std::string id = "as_" + user;
    REQUIRE(env.run({"load", env.task(id, "echo \"$(id -u) $(id -G) $USER\"; exec sleep 100",
                                      "user = \"" + user + "\"\ncwd = \"/\"\n")})
                .exit_code == 0);
    auto r = env.run({"start", id});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string want = run_program({"id", "-u", user});
    want.pop_back();
    std::string groups = run_program({"id", "-G", user});
    groups.pop_back();
    REQUIRE(eventually(5000, [&] { return !slurp(env.spmi_path() + "/" + id + "/stdout.log").empty(); }));
    CHECK(slurp(env.spmi_path() + "/" + id + "/stdout.log") == want + " " + groups + " " + user + "\n");
    pid_t pid = env.state(id).pid;
    std::string status = slurp("/proc/" + std::to_string(pid) + "/status");
    CHECK(status.find("\nUid:\t" + want + "\t" + want) != std::string::npos);
    CHECK(env.run({"stop", id}).exit_code == 0);
    CHECK_FALSE(alive(pid));
    CHECK(env.state(id).phase == spmi::Phase::Exited);
  }
  // The new account's supplementary group is there.
  std::string gid = run_program({"getent", "group", acct.group});
  gid = gid.substr(gid.find(':', gid.find(':') + 1) + 1);
  gid = gid.substr(0, gid.find(':'));
  CHECK(slurp(env.spmi_path() + "/as_" + acct.name + "/stdout.log").find(" " + gid) != std::string::npos);
}

TEST_CASE("the static wrappers contain no NSS or DNS and load no library", "[e2e][security]") {
  std::string dir = fs::path(SPMI_WRAPPER_BIN).parent_path().string();
  for (const char* name : {"spmi-wrapper", "spmi-watchdog"}) {
    std::string bin = dir + "/" + name;
    INFO(bin);
    int code = -1;
    std::string symbols = run_program({"nm", bin}, &code);
    REQUIRE(code == 0);
    REQUIRE(symbols.find(" main\n") != std::string::npos);  // symbols are there to read
    if (!SPMI_WRAPPERS_STATIC) continue;  // a sanitizer build links them dynamically: NSS is safe there
    // No name service: user, group and host lookups all go through NSS.
    for (const char* sym : {" getpwnam", " getpwuid", " getgrnam", " getgrgid", " getgrouplist", " initgroups",
                            " getaddrinfo", " gethostbyname", " __nss_database_lookup2", " __nss_lookup"}) {
      INFO(sym);
      CHECK(symbols.find(std::string(sym) + "\n") == std::string::npos);
    }
    // No setlocale: glibc's character set converter (the one dlopen left
    // in any static glibc program, behind sscanf and strerror) only loads
    // modules for a locale's charset, and the wrapper stays in "C".
    CHECK(symbols.find(" setlocale\n") == std::string::npos);
    // zlib is linked in, not loaded.
    CHECK(symbols.find(" T deflate\n") != std::string::npos);
    std::string text = run_program({"strings", bin});
    CHECK(text.find("libz.so") == std::string::npos);
    CHECK(text.find("libnss_") == std::string::npos);
    CHECK(text.find("nsswitch.conf") == std::string::npos);
  }
}

TEST_CASE("a log file replaced by a link to another file: the task does not start and the file is untouched",
          "[e2e][security]") {
  SpmiEnv env;
  Canary canary(env);
  std::string logs = env.dir() + "/logs";
  fs::create_directories(logs);
  REQUIRE(env.run({"load", env.task("victim", "echo written", "[task.logs]\nstdout = \"" + logs + "/out.log\"\n")})
              .exit_code == 0);
  // What the task's user could do between two runs in a directory of theirs.
  fs::create_symlink(canary.path, logs + "/out.log");
  auto r = env.run({"start", "victim"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(logs + "/out.log is a symbolic link") != std::string::npos);
  CHECK(canary.intact());
  // A hard link is refused the same way (where fs.protected_hardlinks is off).
  fs::remove(logs + "/out.log");
  fs::create_hard_link(canary.path, logs + "/out.log");
  // A file system that does not count links cannot show this at all.
  REQUIRE(fs::hard_link_count(logs + "/out.log") == 2);
  r = env.run({"start", "victim"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("hard links") != std::string::npos);
  CHECK(canary.intact());
}

TEST_CASE("logs and logs --clear never read or truncate through a link", "[e2e][security]") {
  SpmiEnv env;
  Canary canary(env);
  REQUIRE(env.run({"load", env.task("cleared", "echo hello")}).exit_code == 0);
  REQUIRE(env.run({"start", "cleared"}).exit_code == 0);
  REQUIRE(env.run({"wait", "cleared", "--for", "exited", "--timeout", "10s"}).exit_code == 0);
  std::string log = env.spmi_path() + "/cleared/stdout.log";
  fs::remove(log);
  fs::create_symlink(canary.path, log);
  // Reading does not follow it either (a root `spmi logs` would show the file).
  auto shown = env.run({"logs", "cleared"});
  CHECK(shown.out.find("precious") == std::string::npos);
  CHECK(shown.err.find("it is a symbolic link") != std::string::npos);
  CHECK(env.run({"status", "cleared"}).out.find("precious") == std::string::npos);
  auto r = env.run({"logs", "cleared", "--clear"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("is a symbolic link") != std::string::npos);
  CHECK(canary.intact());
  // A regular file is emptied as before.
  fs::remove(log);
  std::ofstream(log) << "old\n";
  CHECK(env.run({"logs", "cleared", "--clear"}).exit_code == 0);
  CHECK(slurp(log).empty());
}

TEST_CASE("rotation with compression under planted links leaves other files alone", "[e2e][security][logs]") {
  SpmiEnv env;
  Canary canary(env);
  std::string logs = env.dir() + "/logs";
  fs::create_directories(logs);
  // Links at every name the old code would have used for the next seconds:
  // the temporary "<rotated>.gz.tmp" and the final "<rotated>.gz".
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  for (int s = 0; s < 20; ++s) {
    time_t t = now + s;
    struct tm tm {};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int seq = 1; seq <= 8; ++seq) {
      char name[96];
      std::snprintf(name, sizeof name, "%s/out.log.%s-%03d", logs.c_str(), stamp, seq);
      fs::create_symlink(canary.path, std::string(name) + ".gz.tmp");
      fs::create_symlink(canary.path, std::string(name) + ".gz");
    }
  }
  REQUIRE(env.run({"load", env.task("rot", "i=0; while [ $i -lt 400 ]; do echo line $i of many many bytes; i=$((i+1)); done",
                                    "[task.logs]\nstdout = \"" + logs + "/out.log\"\nmax_size = \"4KiB\"\nkeep = 1000\n"
                                    "compress = true\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "rot"}).exit_code == 0);
  REQUIRE(env.run({"wait", "rot", "--for", "exited", "--timeout", "10s"}).exit_code == 0);
  // Compressed files appear, as regular files.
  REQUIRE(eventually(5000, [&] {
    int gz = 0;
    for (const auto& e : fs::directory_iterator(logs))
      if (e.path().extension() == ".gz" && fs::is_regular_file(fs::symlink_status(e.path()))) ++gz;
    return gz >= 1;
  }));
  CHECK(canary.intact());
  auto r = env.run({"logs", "rot", "-n", "1"});
  CHECK(r.out == "line 399 of many many bytes\n");
}

TEST_CASE("a process that reuses a lost task's pid and session is never taken for the task",
          "[e2e][security][lost][serial]") {
  if (spmi::test::skipped_without_root("writing ns_last_pid; the tree rules are unit-tested too")) return;
  // PID 1 here does not reap orphans, and a zombie keeps its pid: this test
  // process reaps the dead wrapper and task to free their pid.
  spmi::test::Subreaper subreaper;
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("reused", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"start", "reused"}).exit_code == 0);
  auto st = env.state("reused");
  // The wrapper and the task die (a crash, an OOM kill), and are reaped.
  ::kill(st.wrapper_pid, SIGKILL);
  ::kill(st.pid, SIGKILL);
  REQUIRE(::waitpid(st.wrapper_pid, nullptr, 0) == st.wrapper_pid);
  REQUIRE(::waitpid(st.pid, nullptr, 0) == st.pid);
  // Someone else's process gets the task's pid, hence its session and group id.
  Impostor impostor(st.sid);
  pid_t other = impostor.pid;
  CHECK(list_state(env, "reused") == "wrapper-lost");
  auto t = spmi::test::listed(env, "reused");
  CHECK(t["leftover_pids"].empty());
  env.run({"kill", "reused"});
  CHECK(alive(other));
  CHECK(env.run({"stop", "reused"}).exit_code <= 1);
  CHECK(alive(other));
  // And a new start is not refused because of it.
  auto s = env.run({"start", "reused"});
  INFO(s.err);
  CHECK(s.exit_code == 0);
  CHECK(alive(other));
}

TEST_CASE("a live wrapper's stop never signals a group that reused its task's ended main pid",
          "[e2e][security][lost][serial]") {
  if (spmi::test::skipped_without_root("writing ns_last_pid")) return;
  SpmiEnv env;
  std::string pidfile = env.dir() + "/daemon.pid";
  // The main process exits at once; a daemon of its own session stays.
  REQUIRE(env.run({"load", env.task("drain", "(setsid sh -c 'echo $$ > " + pidfile + "; exec sleep 300' &) ; exit 0")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "drain"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.state("drain").phase == spmi::Phase::Draining; }));
  REQUIRE(eventually(5000, [&] { return !spmi::test::read_pids(pidfile).empty(); }));
  pid_t daemon = spmi::test::read_pids(pidfile)[0];
  pid_t main_pid = env.state("drain").pid;  // reaped by the wrapper: free for anyone
  // Someone else's process leads a group whose id is the task's recorded pgid.
  Impostor impostor(main_pid);
  pid_t other = impostor.pid;
  CHECK(env.run({"stop", "drain"}).exit_code == 0);
  CHECK(eventually(5000, [&] { return !alive(daemon); }));
  CHECK(alive(other));
}

TEST_CASE("a daemon that leaves the session and clears its environment is still found and ended",
          "[e2e][security][lost]") {
  SpmiEnv env;
  std::string pidfile = env.dir() + "/daemon.pid";
  // Like redis --daemonize: fork, setsid, a new program with an empty
  // environment (no SPMI_RUN_ID), while the main process exits.
  REQUIRE(env.run({"load", env.task("daemon", "(setsid env -i sh -c 'echo $$ > " + pidfile +
                                                  "; exec sleep 300' &) ; exit 0")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "daemon"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return !spmi::test::read_pids(pidfile).empty(); }));
  pid_t daemon = spmi::test::read_pids(pidfile)[0];
  REQUIRE(eventually(5000, [&] { return env.state("daemon").phase == spmi::Phase::Draining; }));
  // Not in the task's session, and no marker: only the recorded tree knows it.
  CHECK(slurp("/proc/" + std::to_string(daemon) + "/environ").find("SPMI_RUN_ID") == std::string::npos);
  REQUIRE(eventually(5000, [&] { return fs::exists(env.spmi_path() + "/daemon/tree"); }));
  ::kill(env.state("daemon").wrapper_pid, SIGKILL);
  REQUIRE(eventually(5000, [&] { return list_state(env, "daemon") == "wrapper-lost"; }));
  auto t = spmi::test::listed(env, "daemon");
  REQUIRE(t["leftover_pids"].size() == 1);
  CHECK(t["leftover_pids"][0] == daemon);
  auto s = env.run({"start", "daemon"});
  CHECK(s.exit_code == 1);
  CHECK(s.err.find("its wrapper was lost and 1 of its processes still run") != std::string::npos);
  CHECK(env.run({"stop", "daemon"}).exit_code == 0);
  CHECK(eventually(5000, [&] { return !alive(daemon); }));
  CHECK(spmi::test::listed(env, "daemon")["leftover_pids"].empty());
}

TEST_CASE("pids recorded in another boot are never trusted or signalled", "[e2e][security][lost]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("oldboot", "exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"start", "oldboot"}).exit_code == 0);
  auto st = env.state("oldboot");
  CHECK(st.boot_id == spmi::boot_id());
  ::kill(st.wrapper_pid, SIGKILL);
  REQUIRE(eventually(5000, [&] { return !alive(st.wrapper_pid); }));
  // This boot: the task's process is a leftover.
  CHECK(spmi::test::listed(env, "oldboot")["leftover_pids"].size() == 1);
  // As seen after a reboot, the same pid is someone else's.
  std::vector<std::string> reboot = {"SPMI_TEST_BOOT_ID=00000000-0000-0000-0000-000000000000"};
  auto l = env.run_raw({"list", "--json"}, 30, reboot);
  auto j = nlohmann::json::parse(l.out);
  CHECK(j["tasks"][0]["leftover_pids"].empty());
  env.run_raw({"kill", "oldboot"}, 30, reboot);
  CHECK(alive(st.pid));
}

TEST_CASE("a health check runs as the task's user, with its resolved secrets", "[e2e][security][watchdog]") {
  SpmiEnv env;
  std::string user = is_root() ? "daemon" : "";
  std::string uid = is_root() ? "1" : std::to_string(::geteuid());
  std::string secrets = env.write("secret.txt", "from-file\n");
  std::string envfile = env.write("app.env", "FROM_ENV_FILE=yes\n");
  ::chmod(secrets.c_str(), 0644);
  ::chmod(env.dir().c_str(), 0755);  // daemon reads the secret and the env file through here
  std::string keys = std::string(user.empty() ? "" : "user = \"" + user + "\"\n") +
                     "cwd = \"/\"\ninherit_env = false\nenv_file = \"" + envfile +
                     "\"\nenv = { B64 = \"@base64:aGVsbG8=\", FILE = \"@file:" + secrets +
                     "\" }\n[task.wrapper.health]\ntype = \"command\"\ninterval = \"200ms\"\n"
                     "command = \"echo uid=$(id -u) b64=$B64 file=$FILE envfile=$FROM_ENV_FILE home=${HOME:-none}"
                     " leak=${SPMI_TEST_LEAK:-none}\"\n";
  REQUIRE(env.run({"load", spmi::test::watchdog(env, "checked", "exec sleep 100", keys)}).exit_code == 0);
  auto r = env.run_raw({"start", "checked", "--wait", "--for", "healthy", "--timeout", "10s"}, 30,
                       {"SPMI_TEST_LEAK=leaked"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto st = env.state("checked");
  CHECK(st.health_detail.find("uid=" + uid + " b64=hello file=from-file envfile=yes") == 0);
  // inherit_env = false: the starting shell's variables do not reach the check.
  CHECK(st.health_detail.find("leak=none") != std::string::npos);
}

TEST_CASE("a state directory another user controls is refused, one that others can read is closed",
          "[e2e][security]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("mine", "true")}).exit_code == 0);
  std::string root = env.spmi_path();
  // Group-writable: anyone in the group could plant a task.
  ::chmod(root.c_str(), 0770);
  auto r = env.run({"list"});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find(root + ": the state directory is writable by its group (mode 0770)") != std::string::npos);
  // Readable by others only: closed to 0700, with a note.
  ::chmod(root.c_str(), 0755);
  r = env.run({"list"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("was readable by others (mode 0755); set it to 0700") != std::string::npos);
  struct stat st {};
  ::stat(root.c_str(), &st);
  CHECK((st.st_mode & 07777) == 0700);
  if (spmi::test::skipped_without_root("chown to another owner")) return;
  // Owned by someone else: refused by every command but validate.
  ::chown(root.c_str(), 65534, 65534);
  r = env.run({"start", "mine"});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("belongs to uid 65534 (nobody), not to you") != std::string::npos);
  CHECK(env.run({"validate", env.dir() + "/mine.toml"}).exit_code == 0);
  ::chown(root.c_str(), 0, 0);
  // A task directory someone else planted: broken, never started.
  ::chown((root + "/mine").c_str(), 65534, 65534);
  r = env.run({"start", "mine"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the task directory belongs to uid 65534 (nobody)") != std::string::npos);
  CHECK(list_state(env, "mine") == "broken");
  ::chown((root + "/mine").c_str(), 0, 0);
  CHECK(env.run({"start", "mine"}).exit_code == 0);
}

TEST_CASE("log paths into the state directory are refused at load", "[e2e][security]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("victim", "true")}).exit_code == 0);
  std::string before = env.snapshot();
  for (const std::string& path : {env.spmi_path() + "/victim/spec", env.spmi_path() + "/../state/victim/state",
                                  env.spmi_path() + "/elsewhere.log"}) {
    INFO(path);
    auto f = env.write("bad.toml", "[task]\nid = \"attacker\"\n[task.wrapper]\ncommand = \"true\"\n[task.logs]\n"
                                   "stderr = \"" + path + "\"\n");
    auto r = env.run({"load", f});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("bad.toml:6:10: task 'attacker': task.logs.stderr: '") != std::string::npos);
    CHECK(r.err.find("is inside the state directory") != std::string::npos);
    CHECK(env.run({"validate", f}).exit_code == 1);
    CHECK(env.run({"apply", f}).exit_code == 1);
    CHECK(env.snapshot() == before);
  }
}

TEST_CASE("task ids equal to spmi's own entries break nothing", "[e2e][security][tmux]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("tmux.sock", "exec sleep 100"), env.task("tmux.sock.lock", "exec sleep 100")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "tmux.sock", "tmux.sock.lock"}).exit_code == 0);
  auto f = env.write("win.toml", "[task]\nid = \"win\"\n[task.backend]\ntype = \"tmux\"\n[task.wrapper]\n"
                                 "command = \"exec sleep 100\"\n");
  REQUIRE(env.run({"load", f}).exit_code == 0);
  auto r = env.run({"start", "win"}, 20);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(list_state(env, "win") == "active");
  CHECK(env.run({"stop", "win", "tmux.sock", "tmux.sock.lock"}).exit_code == 0);
}
