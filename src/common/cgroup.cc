// Making, joining, reading, killing and removing a task's cgroup (cgroup.h).
#include "common/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

#include "common/fd.h"

namespace spmi {

namespace {

// The controllers spmi uses, and which limit needs which.
constexpr const char* kV1Controllers[] = {"memory", "cpu", "cpuacct", "pids"};

struct Mount {
  std::string dir;
  bool v2 = false;
  std::vector<std::string> controllers;  // v1: from the super options
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t end = s.find(sep, at);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  for (const auto& e : v)
    if (e == x) return true;
  return false;
}

// Field `n` (0-based) of `line` split at `sep`, as a view ("" if missing).
std::string_view field(std::string_view line, size_t n, char sep) {
  for (; n > 0; --n) {
    size_t at = line.find(sep);
    if (at == std::string_view::npos) return {};
    line.remove_prefix(at + 1);
  }
  return line.substr(0, line.find(sep));
}

// True when the comma-separated `list` holds `name`.
bool list_has(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t at = list.find(',');
    if (list.substr(0, at) == name) return true;
    if (at == std::string_view::npos) break;
    list.remove_prefix(at + 1);
  }
  return false;
}

// Calls fn(line) for each line of the file at `path`. Parsed in place, with
// views: the wrapper does this at each start, and every allocation it makes
// then fragments the heap it keeps for the task's whole life.
template <class Fn>
void for_each_line_in(std::string_view rest, Fn fn) {
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    fn(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
}

template <class Fn>
void for_each_line(const char* path, Fn fn) {
  std::string text, err;
  if (!read_file(path, &text, &err)) return;
  for_each_line_in(text, fn);
}

// The cgroup file systems mounted here (/proc/self/mountinfo: the mount
// point is field 5, the type and super options follow " - ").
std::vector<Mount> cgroup_mounts() {
  std::vector<Mount> out;
  for_each_line("/proc/self/mountinfo", [&](std::string_view line) {
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) return;
    std::string_view type = field(line.substr(dash + 3), 0, ' ');
    std::string_view options = field(line.substr(dash + 3), 2, ' ');
    if (type != "cgroup2" && type != "cgroup") return;
    Mount m;
    m.v2 = type == "cgroup2";
    if (!m.v2) {
      for (const char* c : kV1Controllers)
        if (list_has(options, c)) m.controllers.push_back(c);
      if (m.controllers.empty()) return;  // name=systemd, freezer, ...: nothing spmi uses
    }
    m.dir = std::string(field(line.substr(0, dash), 4, ' '));
    out.push_back(std::move(m));
  });
  return out;
}

// This process's cgroups (/proc/self/cgroup), read once for all the
// hierarchies of one start.
std::string own_cgroups() {
  std::string text, err;
  read_file("/proc/self/cgroup", &text, &err);
  return text;
}

// This process's cgroup in the v2 hierarchy ("0::/path") or in the v1
// hierarchy holding `controller` ("4:memory:/path"), found in `own`
// (own_cgroups()); "" when none.
std::string own_path_in(std::string_view own, bool v2, const std::string& controller) {
  std::string found;
  for_each_line_in(own, [&](std::string_view line) {
    if (!found.empty()) return;
    size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) return;
    std::string_view id = line.substr(0, first), controllers = line.substr(first + 1, second - first - 1);
    std::string_view path = line.substr(second + 1);
    if (v2 ? (id == "0" && controllers.empty()) : list_has(controllers, controller)) found = std::string(path);
  });
  return found;
}

std::string own_path(bool v2, const std::string& controller) { return own_path_in(own_cgroups(), v2, controller); }

std::string join_dir(const std::string& a, const std::string& b) {
  if (b.empty() || b == "/") return a;
  if (!a.empty() && a.back() == '/') return a + (b[0] == '/' ? b.substr(1) : b);
  return a + (b[0] == '/' ? b : "/" + b);
}

bool write_text(const std::string& path, const std::string& text, std::string* err) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || !write_all(fd.get(), text)) {
    *err = path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool read_text(const std::string& path, std::string* out) {
  std::string err;
  return read_file(path, out, &err);
}

long long read_number(const std::string& path) {
  std::string text;
  if (!read_text(path, &text)) return -1;
  if (text.rfind("max", 0) == 0) return 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  return end == text.c_str() ? -1 : v;
}

// The value of "key N" in `text`, lines of such pairs (memory.events,
// cpu.stat); -1 when there is none.
long long keyed_value(const std::string& text, const std::string& key) {
  for (const std::string& line : split(text, '\n'))
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ' ')
      return std::strtoll(line.c_str() + key.size() + 1, nullptr, 10);
  return -1;
}

// keyed_value of the file `path`; -1 when it cannot be read.
long long read_keyed(const std::string& path, const std::string& key) {
  std::string text;
  return read_text(path, &text) ? keyed_value(text, key) : -1;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The pids in the cgroup directory `dir` (its cgroup.procs).
std::vector<pid_t> members_of(const std::string& dir) {
  std::vector<pid_t> out;
  std::string text;
  if (!read_text(dir + "/cgroup.procs", &text)) return out;
  for (const std::string& p : split(text, '\n'))
    if (!p.empty()) out.push_back(static_cast<pid_t>(std::strtol(p.c_str(), nullptr, 10)));
  return out;
}

// mkdir, where an existing directory is fine; `*fresh` says whether this
// call made it (to be undone if a later step fails).
bool make_dir(const std::string& dir, bool* fresh, std::string* err) {
  *fresh = ::mkdir(dir.c_str(), 0755) == 0;
  if (*fresh || errno == EEXIST) return true;
  *err = "cannot create " + dir + ": " + errno_text(errno);
  return false;
}

// The parent directory name under each base: $SPMI_CGROUP_PARENT or "spmi".
bool parent_name(std::string* out, std::string* err) {
  const char* env = std::getenv("SPMI_CGROUP_PARENT");
  *out = env && *env ? env : "spmi";
  for (const std::string& part : split(*out, '/')) {
    bool ok = !part.empty() && part != "." && part != "..";
    for (char c : part) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    if (!ok) {
      *err = "SPMI_CGROUP_PARENT='" + *out + "' is not a relative cgroup path of [A-Za-z0-9._-] names";
      return false;
    }
  }
  return true;
}

// The directory of a cgroup2 hierarchy spmi may make cgroups in: the root
// for root, else the topmost ancestor of our own cgroup that we own.
std::string v2_base(const Mount& m) {
  if (::geteuid() == 0) return m.dir;
  std::string own = own_path(true, "");
  if (own.empty()) return "";
  std::string dir = join_dir(m.dir, own), base;
  for (;;) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || st.st_uid != ::geteuid()) break;
    base = dir;
    if (dir.size() <= m.dir.size()) break;
    dir = dir.substr(0, dir.rfind('/'));
  }
  return base;
}

void undo(const std::vector<std::string>& made) {
  for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
}

// The limits of `want` in a v2 directory.
bool limit_v2(const std::string& dir, const CgroupSettings& want, std::string* err) {
  if (want.memory_max > 0 && !write_text(dir + "/memory.max", std::to_string(want.memory_max), err)) return false;
  if (want.memory_swap_max >= 0 && !write_text(dir + "/memory.swap.max", std::to_string(want.memory_swap_max), err))
    return false;
  if (want.cpu_max_millicores > 0 &&
      !write_text(dir + "/cpu.max", std::to_string(want.cpu_max_millicores * 100) + " 100000", err))
    return false;
  if (want.pids_max > 0 && !write_text(dir + "/pids.max", std::to_string(want.pids_max), err)) return false;
  return true;
}

// v2 with the controllers: one directory.
bool make_v2(const Mount& m, const std::string& parent, const std::string& name, const CgroupSettings& want,
             TaskCgroup* out, std::string* why) {
  std::string base = v2_base(m);
  if (base.empty()) {
    *why = "no cgroup of yours in " + m.dir + " (cgroup v2 without a delegated subtree)";
    return false;
  }
  std::string controllers;
  read_text(base + "/cgroup.controllers", &controllers);
  std::vector<std::string> have = split(controllers.substr(0, controllers.find('\n')), ' ');
  for (const char* c : {"memory", "cpu", "pids"}) {
    if (!has(have, c)) {
      *why = base + " offers no " + std::string(c) +
             " controller (cgroup.controllers: " + controllers.substr(0, controllers.find('\n')) + ")";
      return false;
    }
  }
  std::vector<std::string> made;
  std::string dir = base, ignored;
  for (const std::string& part : split(parent + "/" + name, '/')) {
    // Each level hands the controllers down (already enabled: no change).
    for (const char* c : {"+memory", "+cpu", "+pids"}) write_text(dir + "/cgroup.subtree_control", c, &ignored);
    dir += "/" + part;
    bool fresh = false;
    if (!make_dir(dir, &fresh, why)) {
      undo(made);
      return false;
    }
    if (fresh) made.push_back(dir);
  }
  if (!limit_v2(dir, want, why)) {
    undo(made);
    return false;
  }
  out->mode = "v2";
  out->dirs = {dir};
  return true;
}

// The v1 controllers (and the controller-less cgroup2 beside them, for
// membership and cgroup.kill): one directory in each hierarchy.
bool make_v1(const std::vector<Mount>& mounts, const std::string& parent, const std::string& name,
             const CgroupSettings& want, TaskCgroup* out, std::string* why) {
  std::vector<std::string> made, dirs;
  std::string first_problem;
  auto make_in = [&](const std::string& base) -> std::string {
    std::string dir = base, problem;
    for (const std::string& part : split(parent + "/" + name, '/')) {
      dir += "/" + part;
      bool fresh = false;
      if (!make_dir(dir, &fresh, &problem)) {
        if (first_problem.empty()) first_problem = problem;
        return "";
      }
      if (fresh) made.push_back(dir);
    }
    return dir;
  };
  std::string memory_dir, cpu_dir, pids_dir;
  const std::string own = own_cgroups();
  for (const Mount& m : mounts) {
    if (m.v2) continue;
    std::string dir = make_in(join_dir(m.dir, own_path_in(own, false, m.controllers[0])));
    if (dir.empty()) continue;
    dirs.push_back(dir);
    if (has(m.controllers, "memory")) memory_dir = dir;
    if (has(m.controllers, "cpu")) cpu_dir = dir;
    if (has(m.controllers, "pids")) pids_dir = dir;
  }
  std::string missing;
  if ((want.memory_max > 0 || want.memory_swap_max >= 0) && memory_dir.empty()) missing = "memory";
  if (want.cpu_max_millicores > 0 && cpu_dir.empty()) missing = "cpu";
  if (want.pids_max > 0 && pids_dir.empty()) missing = "pids";
  if (dirs.empty() || !missing.empty()) {
    undo(made);
    *why = !missing.empty() && !dirs.empty() ? "no writable cgroup v1 " + missing + " hierarchy"
           : first_problem.empty()           ? "no cgroup v1 hierarchy with the memory, cpu or pids controller"
                                             : first_problem;
    return false;
  }
  bool ok = true;
  if (want.memory_max > 0) ok = write_text(memory_dir + "/memory.limit_in_bytes", std::to_string(want.memory_max), why);
  if (ok && want.memory_swap_max >= 0) {
    if (want.memory_max <= 0) {
      *why = "memory_swap_max needs memory_max on cgroup v1 (it limits memory and swap together)";
      ok = false;
    } else if (!exists(memory_dir + "/memory.memsw.limit_in_bytes")) {
      *why = "this kernel does not account swap in cgroup v1 (no memory.memsw.limit_in_bytes; boot with swapaccount=1)";
      ok = false;
    } else {
      ok = write_text(memory_dir + "/memory.memsw.limit_in_bytes",
                      std::to_string(want.memory_max + want.memory_swap_max), why);
    }
  }
  if (ok && want.cpu_max_millicores > 0)
    ok = write_text(cpu_dir + "/cpu.cfs_period_us", "100000", why) &&
         write_text(cpu_dir + "/cpu.cfs_quota_us", std::to_string(want.cpu_max_millicores * 100), why);
  if (ok && want.pids_max > 0) ok = write_text(pids_dir + "/pids.max", std::to_string(want.pids_max), why);
  if (!ok) {
    undo(made);
    return false;
  }
  // The controller-less cgroup2 of a hybrid system: exact membership and an
  // atomic kill. Optional.
  for (const Mount& m : mounts) {
    if (!m.v2) continue;
    std::string dir = make_in(join_dir(m.dir, own_path_in(own, true, "")));
    if (!dir.empty()) dirs.push_back(dir);
  }
  out->mode = "v1";
  out->dirs = dirs;
  return true;
}

}  // namespace

bool make_task_cgroup(const std::string& name, const CgroupSettings& want, TaskCgroup* out, std::string* why_none,
                      std::string* err) {
  *out = TaskCgroup{};
  std::string parent, why;
  if (!parent_name(&parent, err)) return false;
  std::vector<Mount> mounts = cgroup_mounts();
  bool any_v1 = false;
  for (const Mount& m : mounts) any_v1 = any_v1 || !m.v2;
  // A cgroup2 with controllers wins; a hybrid system's controller-less one
  // only joins the v1 set.
  std::string v2_why;
  for (const Mount& m : mounts) {
    if (!m.v2) continue;
    if (make_v2(m, parent, name, want, out, &v2_why)) return true;
  }
  std::string v1_why;
  if (any_v1 && make_v1(mounts, parent, name, want, out, &v1_why)) return true;
  if (!any_v1 && v2_why.empty()) v1_why = "no cgroup file system is mounted";
  why = any_v1 ? (v2_why.empty() ? v1_why : v1_why + "; " + v2_why) : (v2_why.empty() ? v1_why : v2_why);
  if (want.any_limit()) {
    *err = "cannot enforce its cgroup limits: " + why;
    return false;
  }
  *why_none = why;
  return true;
}

std::vector<std::string> cgroup_join_files(const TaskCgroup& cg) {
  std::vector<std::string> out;
  for (const auto& d : cg.dirs) out.push_back(d + "/cgroup.procs");
  return out;
}

namespace {

// Whether a directory of the task's cgroup can hold `controller`'s files.
// In v2 one directory holds them all. In v1 each hierarchy holds its own
// controllers', and its mount point is named after them
// (/sys/fs/cgroup/memory, /sys/fs/cgroup/cpu,cpuacct, /sys/fs/cgroup/unified
// with none): reading only what can be there spares a status the failed
// opens (about 25 for the five v1 directories of one task, each a path walk
// in cgroupfs). A directory whose mount is named otherwise may hold any.
bool may_hold(const TaskCgroup& cg, const std::string& dir, std::string_view controller) {
  constexpr std::string_view kRoot = "/sys/fs/cgroup/";
  if (cg.mode != "v1" || dir.compare(0, kRoot.size(), kRoot) != 0) return true;
  size_t end = dir.find('/', kRoot.size());
  std::string mount = dir.substr(kRoot.size(), end == std::string::npos ? std::string::npos : end - kRoot.size());
  static constexpr std::string_view kKnown[] = {"blkio",   "cpu",    "cpuacct", "cpuset",  "devices",     "freezer",
                                                "hugetlb", "memory", "misc",    "net_cls", "net_prio",    "perf_event",
                                                "pids",    "rdma",   "systemd", "unified", "name=systemd"};
  bool known = false;
  for (const std::string& part : split(mount, ',')) {
    if (part == controller) return true;
    known = known || std::find(std::begin(kKnown), std::end(kKnown), part) != std::end(kKnown);
  }
  return !known;
}

// A v1 or v2 CPU limit in cores: 0 for none.
double cores(long long quota, long long period) {
  return quota <= 0 || period <= 0 ? 0 : static_cast<double>(quota) / static_cast<double>(period);
}

}  // namespace

CgroupFigures read_cgroup(const TaskCgroup& cg) {
  CgroupFigures f;
  std::string text;
  for (const std::string& d : cg.dirs) {
    if (may_hold(cg, d, "memory")) {
      if (long long usage = read_number(d + "/memory.usage_in_bytes"); usage >= 0) {  // v1
        f.memory_bytes = usage;
        long long limit = read_number(d + "/memory.limit_in_bytes");
        f.memory_max = limit >= (1LL << 62) ? 0 : limit;
        long long memsw = read_number(d + "/memory.memsw.limit_in_bytes");
        f.swap_max = memsw < 0 ? -1 : memsw >= (1LL << 62) ? 0 : memsw - limit;
        f.oom_kills = read_keyed(d + "/memory.oom_control", "oom_kill");
      } else if (long long current = read_number(d + "/memory.current"); current >= 0) {  // v2
        f.memory_bytes = current;
        f.memory_max = read_number(d + "/memory.max");
        f.swap_max = read_number(d + "/memory.swap.max");
        f.oom_kills = read_keyed(d + "/memory.events", "oom_kill");
      }
    }
    if (may_hold(cg, d, "cpuacct")) {
      if (long long ns = read_number(d + "/cpuacct.usage"); ns >= 0) f.cpu_usec = ns / 1000;
    }
    if (may_hold(cg, d, "cpu")) {
      if (read_text(d + "/cpu.cfs_quota_us", &text)) {  // v1 ("-1": no limit)
        f.cpu_max_cores = cores(std::strtoll(text.c_str(), nullptr, 10), read_number(d + "/cpu.cfs_period_us"));
      } else if (read_text(d + "/cpu.max", &text)) {  // v2: "max 100000" or "50000 100000"
        long long quota = text.rfind("max", 0) == 0 ? 0 : std::strtoll(text.c_str(), nullptr, 10);
        size_t space = text.find(' ');
        f.cpu_max_cores =
            cores(quota, space == std::string::npos ? 0 : std::strtoll(text.c_str() + space + 1, nullptr, 10));
        // cpu.stat's usage_usec counts only where the cpu controller is on.
        if (f.cpu_usec < 0) f.cpu_usec = read_keyed(d + "/cpu.stat", "usage_usec");
      }
    }
    if (may_hold(cg, d, "pids")) {
      if (long long pids = read_number(d + "/pids.current"); pids >= 0) {
        f.pids = pids;
        f.pids_max = read_number(d + "/pids.max");
      }
    }
    if (f.members.empty()) f.members = members_of(d);
  }
  return f;
}

long long cgroup_oom_kills(const TaskCgroup& cg) {
  // The first counter file there is (v1's, then v2's), read at once: an
  // access() probe first would walk the same path twice.
  std::string text;
  for (const std::string& d : cg.dirs) {
    if (!may_hold(cg, d, "memory")) continue;
    for (const char* file : {"/memory.oom_control", "/memory.events"})
      if (read_text(d + file, &text)) return keyed_value(text, "oom_kill");
  }
  return -1;
}

bool kill_cgroup(const TaskCgroup& cg, int wait_ms) {
  std::string ignored;
  bool atomic = false;
  // cgroup.kill is cgroup2's (Linux 5.14): not looked for in a v1
  // controller's hierarchy (may_hold: only the hybrid "unified" one can).
  // Where there is none, the write fails (ignored): no probe before it.
  for (const std::string& d : cg.dirs)
    if (may_hold(cg, d, "unified")) atomic = write_text(d + "/cgroup.kill", "1", &ignored) || atomic;
  // Without cgroup.kill, one SIGKILL per member per pass; new members can
  // only be forked by members not yet killed, so the passes converge.
  for (int pass = 0;; ++pass) {
    std::vector<pid_t> members;
    for (const std::string& d : cg.dirs) {
      std::vector<pid_t> here = members_of(d);
      members.insert(members.end(), here.begin(), here.end());
    }
    if (members.empty()) return true;
    if (!atomic)
      for (pid_t p : members) ::kill(p, SIGKILL);
    if (pass * 5 >= wait_ms) return false;
    struct timespec ts {
      0, 5 * 1000 * 1000
    };
    ::nanosleep(&ts, nullptr);
  }
  return false;
}

bool remove_cgroup(const TaskCgroup& cg, std::string* err) {
  bool ok = true;
  for (const std::string& d : cg.dirs) {
    // A process that just died may still count for a moment.
    bool gone = false;
    for (int attempt = 0; attempt < 50 && !gone; ++attempt) {
      gone = ::rmdir(d.c_str()) == 0 || errno == ENOENT;
      if (!gone && errno != EBUSY) break;
      if (!gone) {
        struct timespec ts {
          0, 2 * 1000 * 1000
        };
        ::nanosleep(&ts, nullptr);
      }
    }
    if (!gone && ok) {
      *err = "cannot remove " + d + ": " + errno_text(errno);
      ok = false;
    }
  }
  return ok;
}

std::vector<std::string> cgroup_parent_dirs(const std::string& parent) {
  std::vector<std::string> out;
  for (const Mount& m : cgroup_mounts()) {
    std::vector<std::string> bases = {join_dir(m.dir, m.v2 ? own_path(true, "") : own_path(false, m.controllers[0]))};
    if (m.v2) bases.push_back(v2_base(m));
    for (const std::string& b : bases) {
      std::string dir = join_dir(b, parent);
      if (!b.empty() && exists(dir) && std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
    }
  }
  return out;
}

bool parse_cpu_max(const std::string& text, int64_t* millicores, std::string* err) {
  std::string t = text;
  bool percent = !t.empty() && t.back() == '%';
  if (percent) t.pop_back();
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !(v > 0)) {
    *err = "expected a share of one core like \"50%\" or a number of cores like \"1.5\", got \"" + text + "\"";
    return false;
  }
  double cores = percent ? v / 100 : v;
  if (cores < 0.01 || cores > 1024) {
    *err = "\"" + text + "\" is outside 1% .. 1024 cores";
    return false;
  }
  *millicores = static_cast<int64_t>(cores * 1000 + 0.5);
  return true;
}

}  // namespace spmi
