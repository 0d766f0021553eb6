// Control-FIFO requests and parallel waiting on pidfds.
#include "store/control.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

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

void wait_all(std::vector<Waitable*>& items, const std::function<void()>& tick) {
  for (int64_t next_tick = monotonic_ms() + 1000;;) {
    std::vector<struct pollfd> fds;
    std::vector<Waitable*> pending;
    int64_t now = monotonic_ms(), next = -1;
    for (Waitable* w : items) {
      if (w->exited || !w->pidfd.valid() || w->deadline_ms <= now) continue;
      fds.push_back({w->pidfd.get(), POLLIN, 0});
      pending.push_back(w);
      if (next < 0 || w->deadline_ms < next) next = w->deadline_ms;
    }
    if (pending.empty()) return;
    if (tick && now >= next_tick) {
      tick();
      next_tick = now + 1000;
    }
    if (tick) next = std::min(next, next_tick);
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, next - now)));
    if (n < 0 && errno != EINTR) return;
    for (size_t i = 0; n > 0 && i < fds.size(); ++i)
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) pending[i]->exited = true;
  }
}

int end_processes(std::vector<ProcStat> procs, int sig, int64_t timeout_ms,
                  const std::function<std::vector<ProcStat>()>& rescan) {
  int ended_by = sig;
  for (int round = 0; !procs.empty() && round < 50; ++round) {
    std::vector<Waitable> waits(procs.size());
    std::vector<Waitable*> ptrs;
    int64_t deadline = monotonic_ms() + timeout_ms;
    for (size_t i = 0; i < procs.size(); ++i) {
      waits[i].pidfd.reset(open_pidfd(procs[i].pid, procs[i].start_ticks));
      waits[i].deadline_ms = deadline;
      if (waits[i].pidfd.valid()) {
        signal_process(procs[i], sig);
        if (sig != SIGKILL && sig != SIGCONT) signal_process(procs[i], SIGCONT);
      }
      ptrs.push_back(&waits[i]);
    }
    wait_all(ptrs);
    procs = rescan();
    if (!procs.empty()) {
      // Whatever outlived the deadline (or appeared meanwhile) gets SIGKILL.
      sig = SIGKILL;
      ended_by = SIGKILL;
      timeout_ms = 2000;
    }
  }
  return ended_by;
}

}  // namespace spmi
