// Tests of the OFD lock helpers: exclusivity, probing, waiting, release on death.
#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

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
