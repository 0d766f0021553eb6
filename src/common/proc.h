// Reading processes from /proc: identity (pid + start time), parentage,
// session and group, zombie state, environment markers.
//
// A pid alone never proves anything: it may be reused or be a zombie (PID 1
// on our machines does not reap orphans). A process is identified by its pid
// and its start time (field 22 of /proc/PID/stat, clock ticks since boot),
// and is running only if that identity matches and it is not a zombie.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace spmi {

struct ProcStat {
  pid_t pid = 0;
  char state = '?';  // R S D Z T t X I ...
  pid_t ppid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  long threads = 0;
  unsigned long long start_ticks = 0;
  // CPU time in clock ticks: its own (utime + stime) and that of the
  // children it waited for (cutime + cstime), fields 14-17.
  unsigned long long cpu_ticks = 0;
  long long rss_pages = 0;  // resident pages (field 24)
};

// Reads /proc/PID/stat. False when the process does not exist.
bool read_proc_stat(pid_t pid, ProcStat* out);

// The start time of `pid` (0 when it does not exist).
unsigned long long proc_start_ticks(pid_t pid);

// True when `pid` exists with start time `start_ticks` and is not a zombie.
bool process_running(pid_t pid, unsigned long long start_ticks);

// Every process currently listed in /proc.
std::vector<ProcStat> list_processes();
// Their pids only (no file of theirs read).
std::vector<pid_t> list_pids();

// True when /proc/PID/environ holds the exact entry `entry` ("KEY=VALUE").
bool environ_contains(pid_t pid, const std::string& entry);

// The command line of `pid`, arguments joined by spaces ("[comm]" for a
// kernel thread or a process that has none; "" when it is gone).
std::string proc_command_line(pid_t pid);

// The path of this process's own executable (/proc/self/exe); "" when it
// cannot be read. The programs spmi installs side by side (spmi-wrapper,
// spmi-idle, spmi-probe) are found next to it.
std::string own_executable();

// Proportional set size of `pid` in bytes, from /proc/PID/smaps_rollup
// (-1 when it cannot be read: gone, another user's, or an older kernel).
// The kernel walks the page tables to compute it: worth it for a few
// processes (status), not for every task in a list.
long long proc_pss_bytes(pid_t pid);

// Bytes per page.
long page_size();

// Resident memory of `pid` in bytes (from /proc/PID/statm; 0 when gone).
long long proc_rss_bytes(pid_t pid);

// Clock ticks per second (for turning start ticks into times).
long clock_ticks_per_second();

// This host's name (gethostname; "" if it fails), read once. The wrapper
// records it in the state's `host`; readers compare it with their own to
// know whether the recorded pids are theirs to check.
const std::string& host_name();

}  // namespace spmi
