// Process-tree discovery from /proc and race-free signalling via pidfds.
#include "common/process_tree.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fd.h"

namespace spmi {

static bool is_dead(const ProcStat& p) { return p.state == 'Z' || p.state == 'X' || p.state == 'x'; }

// Breadth over a flat list of all processes: the fallback when the kernel
// has no /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN).
static std::vector<ProcStat> descendants_by_scan(pid_t root) {
  std::vector<ProcStat> all = list_processes();
  std::vector<ProcStat> out;
  std::vector<pid_t> queue{root};
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

// Appends the pids in /proc/PID/task/TID/children. False when the file does
// not exist (no such thread any more, or a kernel without the file).
static bool read_thread_children(pid_t pid, pid_t tid, std::vector<pid_t>* out) {
  char path[96];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/children", static_cast<int>(pid), static_cast<int>(tid));
  std::string text, err;
  if (!read_file(path, &text, &err)) return false;
  const char* p = text.c_str();
  for (;;) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (end == p) break;
    out->push_back(static_cast<pid_t>(v));
    p = end;
  }
  return true;
}

// The children of every thread of `p` (a child belongs to the thread that
// forked it). False when there is no children file to read (the process is
// gone, or the kernel lacks CONFIG_PROC_CHILDREN).
static bool children_of(const ProcStat& p, std::vector<pid_t>* out) {
  if (p.threads <= 1) return read_thread_children(p.pid, p.pid, out);
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(p.pid));
  DIR* dir = ::opendir(path);
  if (!dir) return false;
  bool any = false;
  while (struct dirent* e = ::readdir(dir)) {
    long tid = std::strtol(e->d_name, nullptr, 10);
    if (tid > 0 && read_thread_children(p.pid, static_cast<pid_t>(tid), out)) any = true;
  }
  ::closedir(dir);
  return any;
}

namespace {

// Below `root`, whose children are `first`.
// The wrapper is its task's child subreaper, so every descendant, daemons
// included, hangs below it: walking the children files reads a handful of
// files where a scan of /proc reads one per process on the machine (1000
// wrappers stopping at once each scanned 3000 processes: 10 s). A child
// missed while it is being forked is found by the next pass (stop and kill
// re-scan until the tree is empty).

std::vector<ProcStat> walk_below(pid_t root, const std::vector<pid_t>& first) {
  std::vector<std::pair<pid_t, pid_t>> queue;  // (parent, child)
  for (pid_t k : first) queue.emplace_back(root, k);
  std::vector<ProcStat> out;
  std::vector<pid_t> kids;
  while (!queue.empty()) {
    auto [parent, pid] = queue.back();
    queue.pop_back();
    ProcStat st;
    // Gone, or the pid was reused by an unrelated process since it was read.
    if (!read_proc_stat(pid, &st) || st.ppid != parent) continue;
    if (!is_dead(st)) out.push_back(st);
    kids.clear();
    children_of(st, &kids);  // nothing to add when it is gone meanwhile
    for (pid_t k : kids) queue.emplace_back(pid, k);
  }
  return out;
}

}  // namespace

std::vector<ProcStat> live_descendants(pid_t root) {
  ProcStat r;
  if (!read_proc_stat(root, &r)) return {};
  std::vector<pid_t> kids;
  if (!children_of(r, &kids)) return descendants_by_scan(root);
  return walk_below(root, kids);
}

std::vector<ProcStat> live_descendants_of_wrapper(pid_t wrapper) {
  std::vector<pid_t> kids;
  if (read_thread_children(wrapper, wrapper, &kids)) return walk_below(wrapper, kids);
  // Gone, or a kernel without children files.
  return live_descendants(wrapper);
}

std::vector<ProcStat> without_subtrees(const std::vector<ProcStat>& tree, std::vector<pid_t> roots) {
  std::vector<ProcStat> out;
  for (const ProcStat& p : tree) {
    if (std::find(roots.begin(), roots.end(), p.pid) != roots.end() ||
        std::find(roots.begin(), roots.end(), p.ppid) != roots.end())
      roots.push_back(p.pid);  // its children follow it
    else
      out.push_back(p);
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

// `sig` through one pidfd, and SIGCONT after it when `then_continue`.
static bool send_signal(const ProcStat& p, int sig, bool then_continue) {
  int fd = open_pidfd(p.pid, p.start_ticks);
  if (fd < 0) return false;
  bool ok = ::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) == 0;
  if (ok && then_continue) ::syscall(SYS_pidfd_send_signal, fd, SIGCONT, nullptr, 0);
  ::close(fd);
  return ok;
}

bool signal_process(const ProcStat& p, int sig) { return send_signal(p, sig, false); }

bool signal_and_continue(const ProcStat& p, int sig) {
  return send_signal(p, sig, sig != SIGKILL && sig != SIGCONT);
}

SignalledOnce signal_each_once(std::vector<ProcStat> procs, int sig,
                               const std::function<std::vector<ProcStat>()>& reread,
                               const std::function<bool(const ProcStat&)>& skip) {
  SignalledOnce out;
  std::vector<std::pair<pid_t, unsigned long long>> signalled;  // small: a vector, not a set
  for (int reading = 0;; ++reading) {
    int sent = 0;
    for (const ProcStat& p : procs) {
      if (skip && skip(p)) continue;
      auto key = std::make_pair(p.pid, p.start_ticks);
      if (std::find(signalled.begin(), signalled.end(), key) != signalled.end()) continue;
      signalled.push_back(key);
      sent += signal_and_continue(p, sig);
    }
    out.count += sent;
    if (sent == 0 || reading == kMaxRereads) break;
    procs = reread();
  }
  out.last = std::move(procs);
  return out;
}

}  // namespace spmi
