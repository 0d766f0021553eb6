// Tests of the OFD lock helpers: exclusivity, probing, waiting, release on death.
#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/lock_file.h"

using namespace spmi;

TEST_CASE("a held lock is exclusive, probe-able without taking it, and freed with its holder", "[lock]") {
  char tmpl[] = "/tmp/spmi-lock-test.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/lock";
  bool busy = false;
  std::string err;
  CHECK(probe_lock_file(path) == LockProbe::Missing);
  {
    Fd held = try_lock_file(path, true, &busy, &err);
    REQUIRE(held.valid());
    CHECK(probe_lock_file(path) == LockProbe::Held);
    Fd second = try_lock_file(path, false, &busy, &err);
    CHECK_FALSE(second.valid());
    CHECK(busy);
    int64_t t0 = monotonic_ms();
    Fd waited = wait_lock_file(path, 200, &busy, &err);
    CHECK_FALSE(waited.valid());
    CHECK(busy);
    CHECK(monotonic_ms() - t0 >= 190);
  }
  CHECK(probe_lock_file(path) == LockProbe::Free);

  // A child holds the lock and dies by SIGKILL: the kernel releases it.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    bool b;
    std::string e;
    Fd l = try_lock_file(path, false, &b, &e);
    char c = l.valid() ? 'y' : 'n';
    (void)!::write(fds[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(fds[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  CHECK(probe_lock_file(path) == LockProbe::Held);
  ::kill(pid, SIGKILL);
  Fd after = wait_lock_file(path, 5000, &busy, &err);
  CHECK(after.valid());
  ::waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("waits for a held lock on several threads at once each time out in their own thread", "[lock]") {
  // The CLI waits for locks on up to 8 threads (start and stop of many
  // tasks). Each wait's timer must interrupt its own thread, and one
  // thread's end of its wait must not leave another's SIGALRM without the
  // handler (its default action ends the process).
  char tmpl[] = "/tmp/spmi-lock-test.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/lock";
  bool busy = false;
  std::string err;
  Fd held = try_lock_file(path, true, &busy, &err);
  REQUIRE(held.valid());
  constexpr int kThreads = 6;
  std::vector<int> timed_out(kThreads, 0);
  std::vector<int64_t> took(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      bool b = false;
      std::string e;
      int64_t t0 = monotonic_ms();
      // Different timeouts, so the waits end (and once restored the
      // disposition) while others still wait.
      Fd got = wait_lock_file(path, 100 + 60 * i, &b, &e);
      took[i] = monotonic_ms() - t0;
      timed_out[i] = !got.valid() && b;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    INFO("thread " << i);
    CHECK(timed_out[i]);
    CHECK(took[i] >= 90 + 60 * i);
    CHECK(took[i] < 2000 + 60 * i);
  }
  held.reset();
  std::filesystem::remove_all(dir);
}
