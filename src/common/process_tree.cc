// Process-tree discovery from /proc and race-free signalling via pidfds.
#include "common/process_tree.h"

#include <csignal>
#include <sys/syscall.h>
#include <unistd.h>


namespace spmi {

static bool is_dead(const ProcStat& p) { return p.state == 'Z' || p.state == 'X' || p.state == 'x'; }

std::vector<ProcStat> live_descendants(pid_t root) {
  std::vector<ProcStat> all = list_processes();
  std::vector<ProcStat> out;
  std::vector<pid_t> queue{root};
  // Breadth over a flat list: the wrapper's trees are small, and a map would
  // cost resident code in every wrapper.
  while (!queue.empty()) {
    pid_t parent = queue.back();
    queue.pop_back();
    for (const ProcStat& c : all) {
      if (c.ppid != parent || c.pid == root) continue;
      queue.push_back(c.pid);
      if (!is_dead(c)) out.push_back(c);
    }
  }
  return out;
}

std::vector<ProcStat> find_task_members(pid_t sid, pid_t pgid, const std::string& marker) {
  std::vector<ProcStat> out;
  pid_t self = ::getpid();
  for (const ProcStat& p : list_processes()) {
    if (p.pid == self || is_dead(p)) continue;
    bool member = (sid > 0 && p.sid == sid) || (pgid > 0 && p.pgid == pgid) ||
                  (!marker.empty() && environ_contains(p.pid, marker));
    if (member) out.push_back(p);
  }
  return out;
}

int open_pidfd(pid_t pid, unsigned long long start_ticks) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return -1;
  // The pidfd now pins this exact process; if the start time still matches
  // after opening it, it is the process we scanned and not a reused pid.
  if (proc_start_ticks(pid) != start_ticks) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool signal_process(const ProcStat& p, int sig) {
  int fd = open_pidfd(p.pid, p.start_ticks);
  if (fd < 0) return false;
  bool ok = ::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) == 0;
  ::close(fd);
  return ok;
}

}  // namespace spmi
