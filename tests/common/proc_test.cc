// Tests of process identity: start times, zombies, reused pids.
#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "common/proc.h"
#include "common/process_tree.h"

using namespace spmi;

TEST_CASE("a process is identified by pid and start time", "[proc]") {
  ProcStat self;
  REQUIRE(read_proc_stat(::getpid(), &self));
  CHECK(self.ppid == ::getppid());
  CHECK(self.pgid == ::getpgrp());
  CHECK(process_running(::getpid(), self.start_ticks));
  CHECK_FALSE(process_running(::getpid(), self.start_ticks + 1));  // a reused pid
  CHECK_FALSE(process_running(0, 0));
}

TEST_CASE("a zombie is not running, though kill(pid, 0) says it exists", "[proc]") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(0);
  unsigned long long ticks = proc_start_ticks(pid);
  // Wait (without reaping) until the child is a zombie.
  ProcStat st;
  for (int i = 0; i < 200 && read_proc_stat(pid, &st) && st.state != 'Z'; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(st.state == 'Z');
  CHECK(::kill(pid, 0) == 0);
  CHECK_FALSE(process_running(pid, ticks));
  ::waitpid(pid, nullptr, 0);
}

TEST_CASE("descendants are found through any depth", "[proc]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // child -> grandchild, both wait on the pipe until the test closes it.
    ::close(fds[1]);
    pid_t g = ::fork();
    char c;
    while (::read(fds[0], &c, 1) > 0) {
    }
    if (g > 0) ::waitpid(g, nullptr, 0);
    ::_exit(0);
  }
  ::close(fds[0]);
  std::vector<ProcStat> d;
  for (int i = 0; i < 200 && (d = live_descendants(::getpid())).size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(d.size() == 2);
  ::close(fds[1]);
  ::waitpid(child, nullptr, 0);
}

TEST_CASE("descendants forked by another thread of a process are found", "[proc]") {
  // /proc/PID/task/TID/children lists a child under the thread that forked
  // it: a multi-threaded task must have every thread's children walked.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = -1;
  std::atomic<bool> forked{false}, done{false};
  std::thread forker([&] {
    child = ::fork();
    if (child == 0) {
      ::close(fds[1]);
      char c;
      while (::read(fds[0], &c, 1) > 0) {
      }
      ::_exit(0);
    }
    forked = true;
    while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  while (!forked) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ProcStat self;
  REQUIRE(read_proc_stat(::getpid(), &self));
  CHECK(self.threads >= 2);
  REQUIRE(child > 0);
  std::vector<ProcStat> d = live_descendants(::getpid());
  CHECK(std::any_of(d.begin(), d.end(), [&](const ProcStat& p) { return p.pid == child; }));
  ::close(fds[0]);
  ::close(fds[1]);
  done = true;
  forker.join();
  ::waitpid(child, nullptr, 0);
}

TEST_CASE("without_subtrees drops the helpers and everything below them, nothing else", "[proc]") {
  auto proc = [](pid_t pid, pid_t ppid) {
    ProcStat p;
    p.pid = pid;
    p.ppid = ppid;
    return p;
  };
  // 10 (task) -> 11 -> 12; 20 (helper) -> 21 -> 22; 30 (helper, no children); 40 (task)
  std::vector<ProcStat> tree = {proc(10, 1), proc(11, 10), proc(20, 1), proc(12, 11), proc(21, 20),
                                proc(30, 1), proc(22, 21), proc(40, 1)};
  std::vector<pid_t> kept;
  for (const auto& p : without_subtrees(tree, {20, 30})) kept.push_back(p.pid);
  CHECK(kept == std::vector<pid_t>{10, 11, 12, 40});
  CHECK(without_subtrees(tree, {}).size() == tree.size());
}
