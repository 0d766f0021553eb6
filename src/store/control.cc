// Control-FIFO requests and parallel waiting on pidfds (one epoll set, so
// waiting for N processes costs O(N) however they end).
#include "store/control.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <limits>

#include "common/clock.h"
#include "common/process_tree.h"
#include "common/task_spec.h"

namespace spmi {

bool send_control(const std::string& task_dir, ControlRequest request, std::string* err) {
  std::string path = task_dir + "/" + task_files::kControl;
  Fd fd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    *err = errno == ENXIO ? "no wrapper is reading " + path : path + ": " + errno_text(errno);
    return false;
  }
  if (!write_all(fd.get(), std::string(1, static_cast<char>(request)))) {
    *err = path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

namespace {

// While some waitables keep ending, the others' deadlines move back
// (wait_all's `patience_ms`): a deadline is never before the last end seen
// plus the patience.
struct Patience {
  int64_t ms = 0;                                 // 0: plain deadlines
  int64_t last_end = std::numeric_limits<int64_t>::min() / 2;  // monotonic; none yet
  int64_t deadline(const Waitable& w) const { return ms > 0 ? std::max(w.deadline_ms, last_end + ms) : w.deadline_ms; }
};

// The waitables still watched: not exited, with a pidfd, before their
// deadline at `now`; the earliest of their deadlines in `*next` (-1: none).
std::vector<size_t> still_pending(const std::vector<Waitable*>& items, int64_t now, const Patience& patience,
                                  int64_t* next) {
  std::vector<size_t> out;
  *next = -1;
  for (size_t i = 0; i < items.size(); ++i) {
    const Waitable* w = items[i];
    int64_t deadline = patience.deadline(*w);
    if (w->exited || !w->pidfd.valid() || deadline <= now) continue;
    out.push_back(i);
    if (*next < 0 || deadline < *next) *next = deadline;
  }
  return out;
}

// How long to sleep until `next` (and the next tick, when there is one).
int sleep_ms(int64_t now, int64_t next, const std::function<void()>& tick, int64_t next_tick) {
  if (tick) next = std::min(next, next_tick);
  return static_cast<int>(std::max<int64_t>(0, next - now));
}

// wait_all with poll(2): every round hands the kernel every pending pidfd
// again, so N processes ending one by one cost O(N^2). The fallback when
// no epoll instance can be had (EMFILE, ENOMEM).
void wait_all_by_poll(std::vector<Waitable*>& items, const std::function<void()>& tick, Patience patience) {
  for (int64_t next_tick = monotonic_ms() + 1000;;) {
    int64_t now = monotonic_ms(), next = -1;
    std::vector<size_t> pending = still_pending(items, now, patience, &next);
    if (pending.empty()) return;
    if (tick && now >= next_tick) {
      tick();
      next_tick = now + 1000;
    }
    std::vector<struct pollfd> fds;
    for (size_t i : pending) fds.push_back({items[i]->pidfd.get(), POLLIN, 0});
    int n = ::poll(fds.data(), fds.size(), sleep_ms(now, next, tick, next_tick));
    if (n < 0 && errno != EINTR) return;
    for (size_t k = 0; n > 0 && k < fds.size(); ++k)
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        items[pending[k]]->exited = true;
        patience.last_end = monotonic_ms();
      }
  }
}

}  // namespace

// Each pidfd is registered once with epoll, and a round costs only what
// became ready: `spmi stop` of 10,000 tasks spent most of its 49 s
// re-polling the pidfds still running after each wake-up.
void wait_all(std::vector<Waitable*>& items, const std::function<void()>& tick, int64_t patience_ms) {
  Patience patience{patience_ms};
  int64_t next = -1;
  std::vector<size_t> pending = still_pending(items, monotonic_ms(), patience, &next);
  if (pending.empty()) return;
  Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  for (size_t k = 0; ep.valid() && k < pending.size(); ++k) {
    struct epoll_event e {};
    e.events = EPOLLIN;
    e.data.u64 = pending[k];
    if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, items[pending[k]]->pidfd.get(), &e) != 0) ep.reset();
  }
  if (!ep.valid()) return wait_all_by_poll(items, tick, patience);
  // The watched ones by deadline, earliest last: the expired come off the
  // back (the patience moves every deadline to at least the same time, so
  // the order holds).
  std::sort(pending.begin(), pending.end(),
            [&](size_t a, size_t b) { return items[a]->deadline_ms > items[b]->deadline_ms; });
  size_t left = pending.size();
  std::vector<struct epoll_event> ready(std::min<size_t>(pending.size(), 256));
  for (int64_t next_tick = monotonic_ms() + 1000;;) {
    int64_t now = monotonic_ms();
    // Past its deadline: no longer watched (its `exited` stays false).
    while (!pending.empty() && (items[pending.back()]->exited || patience.deadline(*items[pending.back()]) <= now)) {
      Waitable* w = items[pending.back()];
      if (!w->exited) {
        ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, w->pidfd.get(), nullptr);
        --left;
      }
      pending.pop_back();
    }
    if (left == 0 || pending.empty()) return;
    if (tick && now >= next_tick) {
      tick();
      next_tick = now + 1000;
    }
    int n = ::epoll_wait(ep.get(), ready.data(), static_cast<int>(ready.size()),
                         sleep_ms(now, patience.deadline(*items[pending.back()]), tick, next_tick));
    if (n < 0 && errno != EINTR) return wait_all_by_poll(items, tick, patience);
    if (n > 0) patience.last_end = monotonic_ms();
    for (int k = 0; k < n; ++k) {
      Waitable* w = items[ready[static_cast<size_t>(k)].data.u64];
      if (w->exited) continue;
      w->exited = true;
      --left;
      // Level-triggered: an exited pidfd stays readable until removed.
      ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, w->pidfd.get(), nullptr);
    }
  }
}

namespace {

// Waits until each of `procs` has exited or `deadline` passed.
void wait_for(const std::vector<ProcStat>& procs, int64_t deadline) {
  std::vector<Waitable> waits(procs.size());
  std::vector<Waitable*> ptrs;
  for (size_t i = 0; i < procs.size(); ++i) {
    waits[i].pidfd.reset(open_pidfd(procs[i].pid, procs[i].start_ticks));
    waits[i].deadline_ms = deadline;
    ptrs.push_back(&waits[i]);
  }
  wait_all(ptrs);
}

}  // namespace

int end_processes(std::vector<ProcStat> procs, int sig, int64_t timeout_ms,
                  const std::function<std::vector<ProcStat>()>& rescan) {
  if (sig != SIGKILL) {
    // As a wrapper stops its tree (wrappers/tree_signaller.h): `sig` once
    // to each process (signal_each_once); what appears after that (a
    // graceful shutdown's helpers) is waited for, unsignalled, until the
    // deadline.
    const int64_t deadline = monotonic_ms() + timeout_ms;
    procs = signal_each_once(std::move(procs), sig, rescan).last;
    for (int round = 0; !procs.empty() && round < 50 && monotonic_ms() < deadline; ++round) {
      wait_for(procs, deadline);
      procs = rescan();
    }
    if (procs.empty()) return sig;
  }
  // SIGKILL to whatever is left, again while anything is (at most 50 rounds).
  for (int round = 0; !procs.empty() && round < 50; ++round) {
    for (const ProcStat& p : procs) signal_process(p, SIGKILL);
    wait_for(procs, monotonic_ms() + 2000);
    procs = rescan();
  }
  return SIGKILL;
}

}  // namespace spmi
