// /proc readers: stat fields, liveness by identity, environment markers.
#include "common/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/fd.h"

namespace spmi {

bool read_proc_stat(pid_t pid, ProcStat* out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  // The command name (field 2) is in parentheses and may contain spaces or
  // ')' itself: the fields that follow start after the last ')'.
  char* close = std::strrchr(buf, ')');
  if (!close || close[1] != ' ') return false;
  char* p = close + 2;
  // Fields 3.. : state ppid pgrp session tty_nr tpgid flags minflt cminflt
  // majflt cmajflt utime stime cutime cstime priority nice num_threads
  // itrealvalue starttime
  out->pid = pid;
  out->state = *p;
  char* end = nullptr;
  p += 2;
  long vals[4];
  for (long& v : vals) {
    v = std::strtol(p, &end, 10);
    if (end == p) return false;
    p = end;
  }
  out->ppid = static_cast<pid_t>(vals[0]);
  out->pgid = static_cast<pid_t>(vals[1]);
  out->sid = static_cast<pid_t>(vals[2]);
  // Fields 8..21 (14 fields) up to starttime (field 22): utime stime cutime
  // cstime are 14-17, num_threads is 20.
  out->cpu_ticks = 0;
  for (int field = 8; field <= 21; ++field) {
    long long v = std::strtoll(p, &end, 10);
    if (end == p) return false;
    if (field == 20) out->threads = static_cast<long>(v);
    if (field >= 14 && field <= 17 && v > 0) out->cpu_ticks += static_cast<unsigned long long>(v);
    p = end;
  }
  out->start_ticks = std::strtoull(p, &end, 10);
  if (end == p) return false;
  p = end;
  // vsize (23), rss (24): absent only on a kernel that truncated the line.
  out->rss_pages = 0;
  std::strtoull(p, &end, 10);
  if (end != p) {
    p = end;
    long long rss = std::strtoll(p, &end, 10);
    if (end != p && rss > 0) out->rss_pages = rss;
  }
  return true;
}

unsigned long long proc_start_ticks(pid_t pid) {
  ProcStat st;
  return read_proc_stat(pid, &st) ? st.start_ticks : 0;
}

bool process_running(pid_t pid, unsigned long long start_ticks) {
  if (pid <= 0) return false;
  ProcStat st;
  if (!read_proc_stat(pid, &st)) return false;
  return st.start_ticks == start_ticks && st.state != 'Z' && st.state != 'X' && st.state != 'x';
}

std::vector<pid_t> list_pids() {
  std::vector<pid_t> out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (struct dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid > 0 && *end == '\0') out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(dir);
  return out;
}

std::vector<ProcStat> list_processes() {
  std::vector<ProcStat> out;
  for (pid_t pid : list_pids()) {
    ProcStat st;
    if (read_proc_stat(pid, &st)) out.push_back(st);
  }
  return out;
}

bool environ_contains(pid_t pid, const std::string& entry) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/environ", static_cast<int>(pid));
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  std::string env;
  if (!read_all(fd.get(), &env)) return false;
  size_t pos = 0;
  while (pos < env.size()) {
    size_t end = env.find('\0', pos);
    if (end == std::string::npos) end = env.size();
    if (env.compare(pos, end - pos, entry) == 0) return true;
    pos = end + 1;
  }
  return false;
}

std::string proc_command_line(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/cmdline", static_cast<int>(pid));
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  std::string text;
  if (fd.valid()) {
    char buf[4096];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);  // the first 4 KiB say enough
    if (n > 0) text.assign(buf, static_cast<size_t>(n));
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text)
    if (c == '\0') c = ' ';
  if (!text.empty()) return text;
  std::snprintf(path, sizeof path, "/proc/%d/comm", static_cast<int>(pid));
  std::string comm, err;
  if (!read_file(path, &comm, &err)) return "";
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return "[" + comm + "]";
}

long long proc_pss_bytes(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/smaps_rollup", static_cast<int>(pid));
  std::string text, err;
  if (!read_file(path, &text, &err)) return -1;
  size_t at = text.find("\nPss:");
  if (at == std::string::npos) return -1;
  long long kb = std::strtoll(text.c_str() + at + 5, nullptr, 10);
  return kb * 1024;
}

long page_size() {
  static long size = ::sysconf(_SC_PAGESIZE);
  return size > 0 ? size : 4096;
}

long long proc_rss_bytes(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  char buf[128];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  long long size = 0, resident = 0;
  if (std::sscanf(buf, "%lld %lld", &size, &resident) != 2) return 0;
  return resident * page_size();
}

long clock_ticks_per_second() {
  static long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

const std::string& host_name() {
  static const std::string name = [] {
    char host[256] = "";
    return ::gethostname(host, sizeof host - 1) == 0 ? std::string(host) : std::string();
  }();
  return name;
}

std::string own_executable() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self);
  return n > 0 && static_cast<size_t>(n) < sizeof self ? std::string(self, static_cast<size_t>(n)) : "";
}

}  // namespace spmi
