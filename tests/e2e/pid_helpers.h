// Helpers for tests about pids that outlive their processes: a subreaper
// (PID 1 here does not reap orphans, and a zombie keeps its pid), and an
// unrelated process made to take a given pid, as after a reboot or a crash
// someone else's process holds a pid spmi once recorded.
#pragma once

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/harness.h"

namespace spmi::test {

// This test process adopts the orphans of the processes it starts (the
// double-forked wrappers), so it can reap the ones it kills; it reaps what
// is left when the scope ends.
struct Subreaper {
  Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() {
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    for (int i = 0; i < 100; ++i) {
      pid_t p = ::waitpid(-1, nullptr, WNOHANG);
      if (p < 0) break;
      if (p == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
};

// Runs `argv` in a new process whose pid is `want` (through
// /proc/sys/kernel/ns_last_pid, as an attacker waiting for a pid would);
// the process calls setsid, so `want` is also its session and group id.
// Returns 0 when the pid could not be had (other processes took it).
inline pid_t spawn_with_pid(pid_t want, const std::vector<std::string>& argv) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    {
      std::ofstream last("/proc/sys/kernel/ns_last_pid");
      last << (want - 1);
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::getpid() != want) ::_exit(0);
      ::setsid();
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    if (pid == want) return pid;
    int status;
    ::waitpid(pid, &status, 0);
  }
  return 0;
}

// An unrelated `sleep` that took pid `want` (spawn_with_pid), killed and
// reaped at scope end. A process is known by pid and start time, counted
// in clock ticks (1/100 s): one that took the same pid within the same tick
// could not be told apart (only root can pick a pid, through ns_last_pid),
// so it is made a little later.
struct Impostor {
  pid_t pid = 0;
  explicit Impostor(pid_t want) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pid = spawn_with_pid(want, {"sleep", "300"});
    REQUIRE(pid == want);
    REQUIRE(eventually(5000, [&] { return slurp("/proc/" + std::to_string(pid) + "/comm") == "sleep\n"; }));
  }
  ~Impostor() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

}  // namespace spmi::test
