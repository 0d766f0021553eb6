// The recorded task tree and the rules that decide which live processes
// belong to a task whose wrapper is gone (common/task_tree.h), against real
// processes.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/task_tree.h"

using namespace spmi;

namespace {

// A child that sleeps in a session of its own (so it is in no session the
// test process is in), killed and reaped at scope end.
struct Sleeper {
  pid_t pid = 0;
  explicit Sleeper(bool new_session) {
    pid = ::fork();
    if (pid == 0) {
      if (new_session) ::setsid();
      execlp("sleep", "sleep", "60", nullptr);
      ::_exit(127);
    }
  }
  ~Sleeper() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  unsigned long long ticks() const { return proc_start_ticks(pid); }
};

// The forked child has exec'd sleep (its start time is final from fork on,
// but wait until it is no longer the test's copy).
bool eventually_running(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::string comm;
    ProcStat st;
    if (read_proc_stat(pid, &st) && st.sid == pid) return true;
    ::usleep(10000);
  }
  return false;
}

bool has(const std::vector<ProcStat>& v, pid_t pid) {
  for (const auto& p : v)
    if (p.pid == pid) return true;
  return false;
}

}  // namespace

TEST_CASE("the tree record round-trips and refuses malformed entries", "[tree]") {
  TreeRecord t{"boot-1", "run-1", {{12, 345}, {13, 346}}};
  TreeRecord back;
  std::string err;
  REQUIRE(parse_tree(serialize_tree(t), &back, &err));
  CHECK(back.boot_id == "boot-1");
  CHECK(back.run_id == "run-1");
  CHECK(back.procs == t.procs);
  CHECK_FALSE(parse_tree("spmi-tree 1\nproc=12\n", &back, &err));
  CHECK(err == "proc: expected '<pid> <start ticks>', got '12'");
}

TEST_CASE("only proven members of a lost task are found", "[tree]") {
  Sleeper main(true), daemon(true), stranger(true);
  REQUIRE(eventually_running(main.pid));
  REQUIRE(eventually_running(daemon.pid));
  REQUIRE(eventually_running(stranger.pid));
  TaskState st;
  st.run_id = "r1";
  st.boot_id = boot_id();
  st.pid = main.pid;
  st.pid_start_ticks = main.ticks();
  st.sid = st.pgid = main.pid;
  TreeRecord tree{boot_id(), "r1", {{daemon.pid, daemon.ticks()}}};
  auto found = find_task_members(st, tree);
  CHECK(has(found, main.pid));
  CHECK(has(found, daemon.pid));
  CHECK_FALSE(has(found, stranger.pid));
  // A recorded pid with another start time is another process.
  TreeRecord wrong{boot_id(), "r1", {{stranger.pid, stranger.ticks() + 1}}};
  CHECK_FALSE(has(find_task_members(st, wrong), stranger.pid));
  // A tree of another run, or of another boot, is not trusted.
  TreeRecord other_run{boot_id(), "r0", {{daemon.pid, daemon.ticks()}}};
  CHECK_FALSE(has(find_task_members(st, other_run), daemon.pid));
  TaskState old = st;
  old.boot_id = "another-boot";
  CHECK(find_task_members(old, tree).empty());
  // The session id alone proves nothing once the recorded main is gone: a
  // process that now holds that id (the stranger's own session here) is
  // not the task's.
  TaskState lost = st;
  lost.pid_start_ticks = main.ticks() + 1;  // the recorded main is gone
  lost.sid = lost.pgid = stranger.pid;
  CHECK_FALSE(has(find_task_members(lost, TreeRecord{}), stranger.pid));
}

TEST_CASE("a recorded pid beyond what the kernel gives is a damaged file, never truncated", "[tree]") {
  // Found by fuzz_kv_state: 2888889000 became a negative pid_t.
  TreeRecord t;
  TaskState st;
  std::string err;
  CHECK_FALSE(parse_tree("spmi-tree 1\nproc=2888889000 0\n", &t, &err));
  std::string state = "spmi-state 1\nrun_id=r\nphase=running\nbackend=native\nbackend_id=1\nwrapper_pid=1\n"
                      "wrapper_start_ticks=1\npid=2888889000\npid_start_ticks=1\npgid=1\nsid=1\nstarted_at_ms=1\n"
                      "finished_at_ms=0\nmain_exited=0\nexit_code=-1\nexit_signal=0\nstop_request=\nended_by=0\n"
                      "error=\nnote=\n";
  CHECK_FALSE(parse_state(state, &st, &err));
  CHECK(err == "'pid' is not a process id: 2888889000");
}
