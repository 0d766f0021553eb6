// Waiting on many processes at once (store/control.h), with real child
// processes: each ends when it is told to, through a pipe.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "common/clock.h"
#include "common/process_tree.h"
#include "store/control.h"

using namespace spmi;

namespace {

// A child that exits when its pipe is closed (or written to).
struct Child {
  pid_t pid = -1;
  int tell = -1;  // closing it ends the child
};

Child spawn_child() {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  Child c;
  c.pid = ::fork();
  REQUIRE(c.pid >= 0);
  if (c.pid == 0) {
    // Only its own pipe: an earlier child's write end held here would keep
    // that one waiting for this one.
    ::dup2(p[0], 0);
    ::close_range(3, ~0U, 0);
    char b;
    (void)!::read(0, &b, 1);
    ::_exit(0);
  }
  ::close(p[0]);
  c.tell = p[1];
  return c;
}

void end_child(Child& c) {
  if (c.tell >= 0) ::close(c.tell);
  c.tell = -1;
}

void reap(std::vector<Child>& children) {
  for (Child& c : children) {
    end_child(c);
    if (c.pid > 0) ::waitpid(c.pid, nullptr, 0);
    c.pid = -1;
  }
}

Waitable waitable_for(const Child& c, int64_t deadline_ms) {
  Waitable w;
  ProcStat st;
  REQUIRE(read_proc_stat(c.pid, &st));
  w.pidfd.reset(open_pidfd(c.pid, st.start_ticks));
  REQUIRE(w.pidfd.valid());
  w.deadline_ms = deadline_ms;
  return w;
}

}  // namespace

TEST_CASE("wait_all: every process that ends is marked, whatever order they end in", "[control]") {
  constexpr size_t kChildren = 300;
  std::vector<Child> children;
  for (size_t i = 0; i < kChildren; ++i) children.push_back(spawn_child());
  std::vector<Waitable> waits;
  for (const Child& c : children) waits.push_back(waitable_for(c, monotonic_ms() + 20000));
  std::vector<Waitable*> ptrs;
  for (Waitable& w : waits) ptrs.push_back(&w);
  // The children end one after another from another thread's point of
  // view: here, before and while wait_all runs, in an order unlike their
  // registration (every third first, then the rest backwards).
  for (size_t i = 0; i < kChildren; i += 3) end_child(children[i]);
  pid_t ender = ::fork();
  REQUIRE(ender >= 0);
  if (ender == 0) {
    for (size_t i = kChildren; i-- > 0;) {
      if (i % 3 == 0) continue;
      ::close(children[i].tell);
      if (i % 50 == 0) ::usleep(2000);
    }
    ::_exit(0);
  }
  // The parent's copies of the pipes must go too, or no child sees EOF.
  for (Child& c : children) end_child(c);
  int64_t t0 = monotonic_ms();
  wait_all(ptrs);
  CHECK(monotonic_ms() - t0 < 10000);
  for (size_t i = 0; i < kChildren; ++i) {
    INFO("child " << i);
    CHECK(waits[i].exited);
  }
  ::waitpid(ender, nullptr, 0);
  reap(children);
}

TEST_CASE("wait_all: a process still running at its deadline is left unmarked, the others are not held up",
          "[control]") {
  std::vector<Child> children = {spawn_child(), spawn_child(), spawn_child()};
  int64_t now = monotonic_ms();
  std::vector<Waitable> waits;
  waits.push_back(waitable_for(children[0], now + 300));    // never ends in time
  waits.push_back(waitable_for(children[1], now + 20000));  // ends at once
  waits.push_back(waitable_for(children[2], now + 20000));  // ends after the first deadline
  Waitable gone;                                            // no pidfd: nothing to wait for
  gone.deadline_ms = now + 20000;
  std::vector<Waitable*> ptrs = {&waits[0], &waits[1], &waits[2], &gone};
  end_child(children[1]);
  pid_t ender = ::fork();
  REQUIRE(ender >= 0);
  if (ender == 0) {
    ::usleep(600 * 1000);
    ::close(children[2].tell);
    ::_exit(0);
  }
  ::close(children[2].tell);
  children[2].tell = -1;
  int tick_calls = 0;
  int64_t t0 = monotonic_ms();
  wait_all(ptrs, [&] { ++tick_calls; });
  int64_t took = monotonic_ms() - t0;
  CHECK_FALSE(waits[0].exited);
  CHECK(waits[1].exited);
  CHECK(waits[2].exited);
  CHECK_FALSE(gone.exited);
  CHECK(took >= 500);  // it waited for the third past the first's deadline
  CHECK(took < 10000);
  CHECK(tick_calls == 0);  // under a second: no progress line yet
  ::waitpid(ender, nullptr, 0);
  reap(children);
}

TEST_CASE("wait_all: with patience, the late ones are waited for while others keep ending", "[control]") {
  for (int64_t patience : {int64_t{0}, int64_t{500}}) {
    INFO("patience " << patience);
    std::vector<Child> children = {spawn_child(), spawn_child(), spawn_child()};
    int64_t now = monotonic_ms();
    std::vector<Waitable> waits;
    waits.push_back(waitable_for(children[0], now + 300));    // late: ends at 600 ms
    waits.push_back(waitable_for(children[1], now + 20000));  // ends at 150 ms
    waits.push_back(waitable_for(children[2], now + 300));    // never ends
    std::vector<Waitable*> ptrs = {&waits[0], &waits[1], &waits[2]};
    pid_t ender = ::fork();
    REQUIRE(ender >= 0);
    if (ender == 0) {
      ::usleep(150 * 1000);
      ::close(children[1].tell);
      ::usleep(450 * 1000);
      ::close(children[0].tell);
      ::_exit(0);
    }
    for (int i : {0, 1}) {
      ::close(children[i].tell);
      children[i].tell = -1;
    }
    int64_t t0 = monotonic_ms();
    wait_all(ptrs, {}, patience);
    int64_t took = monotonic_ms() - t0;
    CHECK(waits[1].exited);
    CHECK_FALSE(waits[2].exited);
    if (patience == 0) {
      // Plain deadlines: the late one is given up at 300 ms.
      CHECK_FALSE(waits[0].exited);
    } else {
      // The end at 150 ms moved the deadlines to 650 ms: the late one ended
      // in time, and moved them to 1.1 s, when the one that never ends was
      // given up.
      CHECK(waits[0].exited);
      CHECK(took >= 1000);
    }
    CHECK(took < 10000);
    ::waitpid(ender, nullptr, 0);
    reap(children);
  }
}

TEST_CASE("wait_all: the progress tick comes about once a second while processes still run", "[control]") {
  std::vector<Child> children = {spawn_child()};
  std::vector<Waitable> waits;
  waits.push_back(waitable_for(children[0], monotonic_ms() + 2500));
  std::vector<Waitable*> ptrs = {&waits[0]};
  int tick_calls = 0;
  wait_all(ptrs, [&] { ++tick_calls; });
  CHECK_FALSE(waits[0].exited);
  CHECK(tick_calls >= 1);
  CHECK(tick_calls <= 3);
  reap(children);
}

TEST_CASE("wait_all: without a descriptor for epoll it still waits for every process, by poll", "[control]") {
  // In a child of the test: its descriptor limit is lowered below the next
  // free descriptor, so epoll_create1 fails (EMFILE) and the fallback runs.
  pid_t helper = ::fork();
  REQUIRE(helper >= 0);
  if (helper == 0) {
    std::vector<Child> children = {spawn_child(), spawn_child(), spawn_child()};
    std::vector<Waitable> waits;
    int64_t now = monotonic_ms();
    for (const Child& c : children) {
      Waitable w;
      ProcStat st;
      if (!read_proc_stat(c.pid, &st)) ::_exit(10);
      w.pidfd.reset(open_pidfd(c.pid, st.start_ticks));
      if (!w.pidfd.valid()) ::_exit(11);
      w.deadline_ms = now + 20000;
      waits.push_back(std::move(w));
    }
    waits[2].deadline_ms = now + 300;  // never ends in time
    std::vector<Waitable*> ptrs = {&waits[0], &waits[1], &waits[2]};
    // Two end now (before the limit: closing frees descriptors).
    ::close(children[0].tell);
    ::close(children[1].tell);
    int probe = ::dup(0);
    if (probe < 0) ::_exit(12);
    ::close(probe);
    struct rlimit none = {static_cast<rlim_t>(probe), static_cast<rlim_t>(probe)};
    if (::setrlimit(RLIMIT_NOFILE, &none) != 0) ::_exit(13);
    if (::dup(0) >= 0) ::_exit(14);  // the limit holds: no new descriptor
    wait_all(ptrs);
    bool ok = waits[0].exited && waits[1].exited && !waits[2].exited;
    ::close(children[2].tell);
    for (const Child& c : children) ::waitpid(c.pid, nullptr, 0);
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(helper, &status, 0) == helper);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
