// End to end: the default wrapper's idle core (src/wrappers/wrapper_idle.cc,
// idle_core/idle_protocol.h). An idle wrapper execs spmi-idle in its own
// process; the core moves the task's output into the logs by itself and
// execs the wrapper back for anything else. Each hand-over makes a new
// resume record (a memfd), so its inode tells whether the wrapper woke.
#include <catch2/catch.hpp>
#include <dirent.h>
#include <fcntl.h>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "e2e/harness.h"

using spmi::test::eventually;
using spmi::test::has;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace fs = std::filesystem;

namespace {

std::string exe_name(pid_t pid) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  return fs::path(buf).filename().string();
}

// The inode of the resume record the idle core holds (0: none, awake).
ino_t resume_record(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  ino_t found = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      char buf[PATH_MAX];
      std::string fd = dir + "/" + e->d_name;
      ssize_t n = ::readlink(fd.c_str(), buf, sizeof buf - 1);
      struct stat st {};
      if (n > 0 && std::string(buf, static_cast<size_t>(n)).rfind("/memfd:spmi-resume", 0) == 0 &&
          ::stat(fd.c_str(), &st) == 0)
        found = st.st_ino;
    }
    ::closedir(d);
  }
  return found;
}

bool idle(pid_t wrapper) { return exe_name(wrapper) == "spmi-idle" && resume_record(wrapper) != 0; }

// No core in this build (no musl): nothing to test, and said so.
bool skipped_without_core() {
  if (SPMI_IDLE_CORE) return false;
  std::printf("SPMI-TEST-SKIPPED: built without spmi-idle (musl-dev)\n");
  std::fflush(stdout);
  return true;
}

}  // namespace

TEST_CASE("an idle wrapper hands its task to the idle core, which writes the output without waking it",
          "[e2e][idle-core]") {
  if (skipped_without_core()) return;
  SpmiEnv env;
  std::string go = env.dir() + "/go";
  REQUIRE(env.run({"load", env.task("quiet", "while [ ! -e " + go + " ]; do sleep 0.05; done; "
                                              "echo out-line; echo err-line >&2; exec sleep 300")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "quiet"}).exit_code == 0);
  pid_t wrapper = env.state("quiet").wrapper_pid;
  REQUIRE(eventually(5000, [&] { return idle(wrapper); }));
  ino_t record = resume_record(wrapper);
  std::string wrapper_log = slurp(env.spmi_path() + "/quiet/wrapper.log");

  // The same process, still seen as the wrapper of its task.
  // (idle() holds from the moment the exec installs spmi-idle; the kernel
  // sets the command line a moment later.)
  std::string cmdline;
  CHECK(eventually(5000, [&] {
    cmdline = slurp("/proc/" + std::to_string(wrapper) + "/cmdline");
    return cmdline.rfind("spmi-wrapper", 0) == 0;
  }));
  CHECK(has(cmdline, env.spmi_path() + "/quiet"));
  auto list = env.run({"list", "--json"});
  CHECK(has(list.out, "\"active\""));

  ::close(::creat(go.c_str(), 0600));
  REQUIRE(eventually(5000, [&] { return slurp(env.spmi_path() + "/quiet/stdout.log") == "out-line\n"; }));
  REQUIRE(eventually(5000, [&] { return slurp(env.spmi_path() + "/quiet/stderr.log") == "err-line\n"; }));
  // Written by the core: the wrapper never came back for it.
  CHECK(resume_record(wrapper) == record);
  CHECK(exe_name(wrapper) == "spmi-idle");
  CHECK(slurp(env.spmi_path() + "/quiet/wrapper.log") == wrapper_log);

  REQUIRE(env.run({"stop", "quiet"}).exit_code == 0);
  auto st = env.state("quiet");
  CHECK(st.phase == spmi::Phase::Exited);
  CHECK(st.exit_signal == SIGTERM);
  CHECK(st.end_cause == spmi::EndCause::User);
  CHECK(eventually(5000, [&] { return !spmi::test::alive(wrapper); }));
}

TEST_CASE("output that reaches max_size wakes the wrapper, which rotates and goes idle again", "[e2e][idle-core]") {
  if (skipped_without_core()) return;
  SpmiEnv env;
  std::string go = env.dir() + "/go";
  // 2000 lines of 9 bytes (18 kB) into 4 KiB files.
  REQUIRE(env.run({"load", env.task("chatty", "while [ ! -e " + go + " ]; do sleep 0.05; done; "
                                               "seq 10000001 10002000; exec sleep 300",
                                    "[task.logs]\nmax_size = \"4KiB\"\nkeep = 100\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "chatty"}).exit_code == 0);
  pid_t wrapper = env.state("chatty").wrapper_pid;
  REQUIRE(eventually(5000, [&] { return idle(wrapper); }));
  ino_t record = resume_record(wrapper);
  ::close(::creat(go.c_str(), 0600));
  auto r = env.run({"logs", "chatty", "--stdout", "-n", "100000"});
  REQUIRE(eventually(10000, [&] {
    r = env.run({"logs", "chatty", "--stdout", "-n", "100000"});
    return has(r.out, "10002000\n");
  }));
  // Every line once, in order, across the rotated files.
  std::string want;
  for (int i = 10000001; i <= 10002000; ++i) want += std::to_string(i) + "\n";
  CHECK(r.out == want);
  int rotated = 0;
  for (const auto& e : fs::directory_iterator(env.spmi_path() + "/chatty"))
    if (e.path().filename().string().rfind("stdout.log.", 0) == 0) {
      ++rotated;
      CHECK(fs::file_size(e.path()) <= 4096 + 9);  // max_size, plus at most the line that crossed it
    }
  CHECK(rotated >= 4);
  // It came back to rotate, then went idle again with a new record.
  CHECK(eventually(5000, [&] { return idle(wrapper) && resume_record(wrapper) != record; }));
  REQUIRE(env.run({"stop", "chatty"}).exit_code == 0);
}

TEST_CASE("a task that keeps filling its logs keeps the wrapper awake until it is quiet for a while",
          "[e2e][idle-core]") {
  if (skipped_without_core()) return;
  SpmiEnv env;
  std::string go = env.dir() + "/go", done = env.dir() + "/done";
  // 20 bursts of 4.8 kB into 4 KiB files, 0.1 s apart: a rotation each time.
  REQUIRE(env.run({"load", env.task("busy", "while [ ! -e " + go + " ]; do sleep 0.05; done; "
                                             "for i in $(seq 20); do seq 1000001 1000600; sleep 0.1; done; "
                                             "touch " + done + "; exec sleep 300",
                                    "[task.logs]\nmax_size = \"4KiB\"\nkeep = 100\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "busy"}).exit_code == 0);
  pid_t wrapper = env.state("busy").wrapper_pid;
  REQUIRE(eventually(5000, [&] { return idle(wrapper); }));
  ino_t first = resume_record(wrapper);
  ::close(::creat(go.c_str(), 0600));
  // Each hand-over to the idle core makes a new record: count those seen
  // while the bursts go on. Without the wait after a rotation, every burst
  // made one (the core woke the wrapper to rotate, the wrapper handed back).
  std::vector<ino_t> records;
  REQUIRE(eventually(30000, [&] {
    ino_t r = resume_record(wrapper);
    if (r != 0 && r != first && std::find(records.begin(), records.end(), r) == records.end()) records.push_back(r);
    return ::access(done.c_str(), F_OK) == 0;
  }));
  INFO(records.size() << " hand-overs during the bursts");
  CHECK(records.size() < 3);
  // Quiet again: the idle core takes the task back.
  CHECK(eventually(8000, [&] { return idle(wrapper) && resume_record(wrapper) != first; }));
  int rotated = 0;
  for (const auto& e : fs::directory_iterator(env.spmi_path() + "/busy"))
    rotated += e.path().filename().string().rfind("stdout.log.", 0) == 0;
  CHECK(rotated >= 20);
  REQUIRE(env.run({"stop", "busy"}).exit_code == 0);
}

TEST_CASE("requests and the task's own end reach a wrapper in its idle core", "[e2e][idle-core]") {
  if (skipped_without_core()) return;
  SpmiEnv env;
  std::string go = env.dir() + "/go";
  REQUIRE(env.run({"load", env.task("svc", "echo run >> " + env.dir() + "/runs; exec sleep 300")}).exit_code == 0);
  REQUIRE(env.run({"load", env.task("ends", "while [ ! -e " + go + " ]; do sleep 0.05; done; exit 3")}).exit_code ==
          0);
  REQUIRE(env.run({"start", "svc"}).exit_code == 0);
  REQUIRE(env.run({"start", "ends"}).exit_code == 0);
  pid_t svc = env.state("svc").wrapper_pid, ends = env.state("ends").wrapper_pid;
  REQUIRE(eventually(5000, [&] { return idle(svc) && idle(ends); }));

  // Restart in place: the same wrapper starts the command again, with the
  // environment of the first run, and idles again.
  pid_t first = env.state("svc").pid;
  REQUIRE(env.run({"restart", "svc"}).exit_code == 0);
  auto st = env.state("svc");
  CHECK(st.wrapper_pid == svc);
  CHECK(st.pid != first);
  CHECK(st.restarts == 1);
  // The new run's shell starts at once but writes its line, then execs
  // sleep, at its own pace (and mid-exec its environ reads empty).
  CHECK(eventually(5000, [&] { return slurp(env.dir() + "/runs") == "run\nrun\n"; }));
  CHECK(eventually(5000, [&] { return idle(svc); }));
  CHECK(eventually(5000, [&] {
    return slurp("/proc/" + std::to_string(st.pid) + "/cmdline") == std::string("sleep\0" "300\0", 10) &&
           has(slurp("/proc/" + std::to_string(st.pid) + "/environ"), "SPMI_TASK_ID=svc");
  }));
  CHECK(env.state("svc").pid == st.pid);

  // The task's own end, while its wrapper idles.
  ::close(::creat(go.c_str(), 0600));
  REQUIRE(env.run({"wait", "ends", "--for", "exited", "--timeout", "10s"}).exit_code == 0);
  auto e = env.state("ends");
  CHECK(e.exit_code == 3);
  CHECK(e.end_cause == spmi::EndCause::Exit);
  CHECK(eventually(5000, [&] { return !spmi::test::alive(ends); }));

  REQUIRE(env.run({"kill", "svc"}).exit_code == 0);
  CHECK(env.state("svc").exit_signal == SIGKILL);
}

TEST_CASE("without an idle core, or with one of another protocol, the wrapper stays awake and works",
          "[e2e][idle-core]") {
  if (skipped_without_core()) return;
  SpmiEnv env;
  std::string bin = env.dir() + "/bin";
  fs::create_directories(bin + "/none");
  fs::create_directories(bin + "/other");
  fs::copy_file(SPMI_WRAPPER_BIN, bin + "/none/spmi-wrapper");
  fs::copy_file(SPMI_WRAPPER_BIN, bin + "/other/spmi-wrapper");
  // A core that speaks another protocol: the real one, given another name.
  std::string core = (fs::path(SPMI_WRAPPER_BIN).parent_path() / "spmi-idle").string();
  env.write("bin/other/spmi-idle", "#!/bin/bash\nshift\nexec -a spmi-wrapper " + core + " spmi-idle/0 \"$@\"\n");
  fs::permissions(bin + "/other/spmi-idle", fs::perms::owner_all);
  REQUIRE(env.run({"load", env.task("t", "exec sleep 300")}).exit_code == 0);

  for (const char* kind : {"none", "other"}) {
    INFO(kind);
    auto r = env.run_raw({"start", "t"}, 60, {"SPMI_WRAPPER=" + bin + "/" + kind + "/spmi-wrapper"});
    REQUIRE(r.exit_code == 0);
    pid_t wrapper = env.state("t").wrapper_pid;
    // It stays the wrapper: give the hand-over time to happen, then look.
    REQUIRE(eventually(5000, [&] {
      return std::string(kind) == "none" || has(slurp(env.spmi_path() + "/t/wrapper.log"), "stays awake");
    }));
    ::usleep(300 * 1000);
    CHECK(exe_name(wrapper) == "spmi-wrapper");
    CHECK(resume_record(wrapper) == 0);
    REQUIRE(env.run({"restart", "t"}).exit_code == 0);
    CHECK(env.state("t").wrapper_pid == wrapper);
    ::usleep(300 * 1000);
    CHECK(exe_name(wrapper) == "spmi-wrapper");  // awake for good
    REQUIRE(env.run({"stop", "t"}).exit_code == 0);
    CHECK(env.state("t").phase == spmi::Phase::Exited);
    CHECK(eventually(5000, [&] { return !spmi::test::alive(wrapper); }));
  }
}

TEST_CASE("a log directory swapped for a link while the wrapper idles is not followed when it comes back",
          "[e2e][idle-core][security]") {
  if (skipped_without_core()) return;
  // The wrapper keeps its log directory open across the idle core, as it
  // does awake: whoever can write the parent directory cannot send the
  // rotated logs (written as root) elsewhere by swapping in a link.
  SpmiEnv env;
  std::string logs = env.dir() + "/logs", elsewhere = env.dir() + "/elsewhere", go = env.dir() + "/go";
  fs::create_directories(logs);
  fs::create_directories(elsewhere);
  REQUIRE(env.run({"load", env.task("swap", "while [ ! -e " + go + " ]; do sleep 0.05; done; "
                                             "seq 10000001 10002000; exec sleep 300",
                                    "[task.logs]\nstdout = \"" + logs + "/out.log\"\nmax_size = \"4KiB\"\nkeep = 100\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "swap"}).exit_code == 0);
  pid_t wrapper = env.state("swap").wrapper_pid;
  REQUIRE(eventually(5000, [&] { return idle(wrapper); }));
  ino_t record = resume_record(wrapper);
  fs::rename(logs, logs + ".moved");
  fs::create_directory_symlink(elsewhere, logs);
  ::close(::creat(go.c_str(), 0600));
  // The wrapper came back (to rotate) and idles again.
  REQUIRE(eventually(10000, [&] { return idle(wrapper) && resume_record(wrapper) != record; }));
  REQUIRE(eventually(10000, [&] {
    std::string all;
    for (const auto& e : fs::directory_iterator(logs + ".moved")) all += slurp(e.path().string());
    return all.size() == 2000 * 9;
  }));
  CHECK(fs::is_empty(elsewhere));
  REQUIRE(env.run({"stop", "swap"}).exit_code == 0);
}

TEST_CASE("a task whose logs are timestamped keeps its wrapper awake", "[e2e][idle-core]") {
  if (skipped_without_core()) return;
  // The wrapper stamps each line itself; the core only moves bytes.
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("stamped", "echo first; exec sleep 300", "[task.logs]\ntimestamps = true\n")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "stamped"}).exit_code == 0);
  pid_t wrapper = env.state("stamped").wrapper_pid;
  REQUIRE(eventually(5000, [&] { return has(slurp(env.spmi_path() + "/stamped/stdout.log"), "Z first\n"); }));
  ::usleep(300 * 1000);
  CHECK(exe_name(wrapper) == "spmi-wrapper");
  CHECK(resume_record(wrapper) == 0);
  REQUIRE(env.run({"stop", "stamped"}).exit_code == 0);
}
