// The checks of `spmi doctor` (doctor.h).
#include "system/doctor.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "backends/multiplexer.h"
#include "backends/registry.h"
#include "common/cgroup.h"
#include "common/names.h"
#include "common/proc.h"
#include "common/wrapper_types.h"
#include "lifecycle/deps.h"
#include "spmi_version.h"
#include "store/task_view.h"

namespace spmi {

namespace {

std::string first_line(std::string text) {
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string user_name() {
  const struct passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : std::to_string(::geteuid());
}

// The wrapper executables spmi starts tasks with, and the watchdog's probe
// beside them: found, runnable, and of this spmi's version.
void check_wrappers(std::vector<Finding>& out) {
  std::string dir;
  for (const WrapperTypeInfo& t : kWrapperTypeInfo) {
    std::string err;
    std::string path = find_wrapper_executable(t.name, &err);
    if (path.empty()) {
      out.push_back({t.executable, Verdict::Problem, err,
                     "reinstall spmi (the wrappers belong next to spmi or in ../libexec/spmi)"});
      continue;
    }
    dir = std::filesystem::path(path).parent_path().string();
    ToolResult r = run_tool(path, {"--version"}, {}, {}, 5000);
    std::string said = first_line(r.out);
    std::string want = std::string(t.executable) + " " SPMI_VERSION;
    if (!r.ran || r.exit_code != 0)
      out.push_back({t.executable, Verdict::Problem, path + ": " + r.describe(path), "reinstall spmi"});
    else if (said != want)
      out.push_back({t.executable, Verdict::Problem, path + " is '" + said + "', spmi is " SPMI_VERSION,
                     "install the wrappers of the same build as spmi"});
    else
      out.push_back({t.executable, Verdict::Ok, path + " (" SPMI_VERSION ")", ""});
  }
  if (!dir.empty()) {
    std::string probe = dir + "/spmi-probe";
    if (::access(probe.c_str(), X_OK) == 0)
      out.push_back({"spmi-probe", Verdict::Ok, probe, ""});
    else
      out.push_back({"spmi-probe", Verdict::Problem, probe + " is missing: tcp and http health checks cannot run",
                     "reinstall spmi"});
  }
}

// The backends' tools: a missing one is a problem only when a loaded task
// uses that backend.
void check_tools(const std::map<std::string, std::vector<std::string>>& users, std::vector<Finding>& out) {
  struct Tool {
    const char* backend;
    const char* program;
    std::vector<std::string> version_args;
    const char* package;
  };
  const Tool tools[] = {
      {"screen", "screen", {"-v"}, "screen"},
      {"tmux", "tmux", {"-V"}, "tmux"},
      {"slurm", "sbatch", {"--version"}, "slurm-client"},
      {"slurm", "scontrol", {"--version"}, "slurm-client"},
      {"slurm", "scancel", {"--version"}, "slurm-client"},
      {"slurm", "srun", {"--version"}, "slurm-client"},
  };
  for (const Tool& t : tools) {
    auto u = users.find(t.backend);
    std::string needed_by = u == users.end() ? "" : join(u->second);
    std::string path = find_tool(t.program);
    if (path.empty()) {
      if (needed_by.empty())
        out.push_back({t.program, Verdict::Note,
                       std::string("not found on PATH; only tasks with backend '") + t.backend + "' need it",
                       std::string("apt-get install ") + t.package + " (when you want that backend)"});
      else
        out.push_back({t.program, Verdict::Problem,
                       std::string("not found on PATH, and these tasks use backend '") + t.backend + "': " + needed_by,
                       std::string("apt-get install ") + t.package + ", or put " + t.program + " on PATH"});
      continue;
    }
    ToolResult r = run_tool(path, t.version_args, {}, {}, 5000);
    // screen -v exits 1 after saying its version; Slurm's tools fail without a cluster.
    std::string version = first_line(r.out.empty() ? r.err : r.out);
    if (r.exit_code != 0 && version.find("ersion") == std::string::npos) version.clear();
    out.push_back({t.program, Verdict::Ok, path + (version.empty() ? "" : " (" + version + ")"), ""});
  }
}

void check_state_directory(const Store& store, std::vector<Finding>& out) {
  struct stat st;
  const std::string& root = store.root();
  if (::stat(root.c_str(), &st) != 0) {
    out.push_back({"state directory", Verdict::Ok, root + " does not exist yet (spmi load creates it, mode 0700)", ""});
    return;
  }
  std::string err, note;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  const struct passwd* owner = ::getpwuid(st.st_uid);
  std::string detail = root + ": owner " + (owner ? owner->pw_name : std::to_string(st.st_uid)) + ", mode " + mode;
  if (st.st_uid != ::geteuid())
    out.push_back({"state directory", Verdict::Problem, detail + "; you are " + user_name(),
                   "use a state directory of your own (SPMI_PATH), or chown it"});
  else if ((st.st_mode & 077) != 0)
    out.push_back({"state directory", Verdict::Problem, detail + "; others can read or change what your tasks run",
                   "chmod 700 " + root});
  else if (!store.check_trusted(&err, &note))
    out.push_back({"state directory", Verdict::Problem, err, "fix what it says"});
  else
    out.push_back({"state directory", Verdict::Ok, detail, ""});
}

// Whether tasks get a cgroup of their own here, and whether the limits
// (cpu_max, memory_max, pids_max) can be set: found by making a probe
// cgroup exactly as a wrapper would (common/cgroup.h), then removing it.
void check_cgroups(std::vector<Finding>& out) {
  std::string name = "doctor-probe-" + std::to_string(::getpid());
  CgroupSettings limits;
  limits.memory_max = 1LL << 40;
  limits.cpu_max_millicores = 1000;
  limits.pids_max = 100000;
  TaskCgroup cg;
  std::string none, err;
  if (make_task_cgroup(name, limits, &cg, &none, &err)) {
    std::string where = cg.dirs.front();
    remove_cgroup(cg, &none);
    out.push_back({"cgroups", Verdict::Ok,
                   "cgroup " + cg.mode + ": each task gets a cgroup of its own, and cpu_max, memory_max and pids_max "
                   "work (under " + where.substr(0, where.rfind('/')) + ")",
                   ""});
    return;
  }
  if (make_task_cgroup(name, CgroupSettings{}, &cg, &none, &err) && !cg.empty()) {
    remove_cgroup(cg, &none);
    out.push_back({"cgroups", Verdict::Note, "cgroup " + cg.mode + ": tasks get a cgroup of their own, but " + err,
                   "a task that sets cpu_max, memory_max or pids_max will not start"});
    return;
  }
  out.push_back({"cgroups", Verdict::Note, "no cgroup for the tasks: " + (none.empty() ? err : none),
                 "tasks run without one (max_memory still works); cpu_max, memory_max and pids_max need one: "
                 "run as root, or in a systemd unit with Delegate=yes"});
}

// A user's systemd units (spmi export systemd --user) run at boot only
// when the user lingers.
void check_lingering(std::vector<Finding>& out) {
  if (::geteuid() == 0) {
    out.push_back({"lingering", Verdict::Ok, "root: a system unit (spmi export systemd --system) needs none", ""});
    return;
  }
  bool systemd = std::filesystem::exists("/run/systemd/system");
  std::string user = user_name();
  if (std::filesystem::exists("/var/lib/systemd/linger/" + user))
    out.push_back({"lingering", Verdict::Ok, "on for " + user + ": your user units start at boot", ""});
  else if (!systemd)
    out.push_back({"lingering", Verdict::Note, "systemd does not run this machine",
                   "use 'spmi export cron' to run spmi resurrect at boot"});
  else
    out.push_back({"lingering", Verdict::Note,
                   "off for " + user + ": your user units start at your first login and stop at the last logout",
                   "loginctl enable-linger " + user + " (before 'spmi export systemd --user')"});
}

void check_pid1(std::vector<Finding>& out) {
  OrphanCheck c = check_orphans();
  const std::string fix = "run an init as PID 1 (docker run --init, tini, dumb-init, systemd)";
  const std::string why =
      ", so ended wrappers and the daemons of tasks stay in the process table as zombies "
      "(spmi itself never takes a zombie for a running task)";
  if (!c.reaped)
    out.push_back({"orphans", Verdict::Problem,
                   c.adopter + " does not reap orphans: an orphan that ended was still a zombie after " +
                       std::to_string(c.waited_ms / 1000) + " s" + why,
                   fix});
  else if (c.zombie_ms > kPromptReapMs)
    out.push_back({"orphans", Verdict::Problem,
                   c.adopter + " reaps orphans late: an orphan that ended stayed a zombie for " +
                       std::to_string(c.zombie_ms) + " ms (an init reaps at once, on SIGCHLD)" + why,
                   fix});
  else
    out.push_back({"orphans", Verdict::Ok, "an orphan that ends is reaped at once by " + c.adopter, ""});
}

void check_tasks(const Store& store, std::vector<Finding>& out) {
  std::vector<std::string> ids, reboot, lost, broken;
  std::string err;
  if (!store.list_ids(&ids, &err)) {
    out.push_back({"tasks", Verdict::Problem, err, "fix the state directory"});
    return;
  }
  std::vector<std::string> leftovers;
  for (const TaskView& v : inspect_tasks(store, ids)) {
    if (v.condition == TaskCondition::Broken) broken.push_back(v.id + " (" + v.error + ")");
    if (v.condition == TaskCondition::LostInReboot) reboot.push_back(v.id);
    if (v.condition == TaskCondition::WrapperLost && v.leftovers.empty()) lost.push_back(v.id);
    if (v.has_leftovers()) {
      std::string pids;
      for (const auto& p : v.leftovers) pids += (pids.empty() ? "" : " ") + std::to_string(p.pid);
      leftovers.push_back(v.id + " (pids " + pids + ")");
    }
  }
  if (!reboot.empty())
    out.push_back({"lost in a reboot", Verdict::Problem, join(reboot),
                   "spmi resurrect starts them again (spmi stop keeps one down); "
                   "spmi export systemd does it at every boot"});
  if (!lost.empty())
    out.push_back({"lost wrappers", Verdict::Problem, join(lost) + ": the wrapper died, nothing of the task runs",
                   "spmi resurrect starts them again, spmi stop records them as stopped"});
  if (!leftovers.empty())
    out.push_back({"leftover processes", Verdict::Problem, "of lost wrappers: " + join(leftovers),
                   "spmi kill <id> ends them"});
  if (!broken.empty())
    out.push_back({"broken tasks", Verdict::Problem, join(broken), "spmi load --replace the descriptor, or spmi clean"});
  if (reboot.empty() && lost.empty() && leftovers.empty() && broken.empty())
    out.push_back({"tasks", Verdict::Ok, std::to_string(ids.size()) + " loaded; none lost, none broken", ""});
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Ok: return "ok";
    case Verdict::Note: return "note";
    case Verdict::Problem: return "problem";
  }
  return "?";
}

OrphanCheck check_orphans() {
  OrphanCheck c;
  int fds[2];
  if (::pipe(fds) != 0) {
    c.adopter = "(cannot check: no pipe)";
    c.reaped = true;
    return c;
  }
  pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(fds[1]);
      ::usleep(100 * 1000);  // outlive the parent: an orphan that then ends
      ::_exit(0);
    }
    ssize_t n = ::write(fds[1], &grandchild, sizeof grandchild);
    ::_exit(n == sizeof grandchild ? 0 : 1);
  }
  ::close(fds[1]);
  pid_t orphan = 0;
  bool got = child > 0 && ::read(fds[0], &orphan, sizeof orphan) == sizeof orphan && orphan > 0;
  ::close(fds[0]);
  if (child > 0) ::waitpid(child, nullptr, 0);
  if (!got) {
    c.adopter = "(cannot check: fork failed)";
    c.reaped = true;
    return c;
  }
  // Who adopted it (read while it still runs).
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ProcStat st;
  pid_t parent = read_proc_stat(orphan, &st) ? st.ppid : 1;
  std::string comm;
  std::ifstream("/proc/" + std::to_string(parent) + "/comm") >> comm;
  c.adopter = (parent == 1 ? "PID 1" : "pid " + std::to_string(parent)) + (comm.empty() ? "" : " (" + comm + ")");
  // Long enough for a PID 1 that polls every few seconds.
  constexpr int64_t kLimitMs = 3000;
  int64_t zombie_since = 0;
  for (c.waited_ms = 0; c.waited_ms < kLimitMs; c.waited_ms += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!read_proc_stat(orphan, &st)) {  // gone: reaped
      c.reaped = true;
      c.zombie_ms = zombie_since ? c.waited_ms - zombie_since : 0;
      return c;
    }
    if (st.state == 'Z' && !zombie_since) zombie_since = c.waited_ms;
  }
  return c;
}

std::vector<Finding> run_doctor(const Store& store) {
  std::vector<Finding> out;
  check_wrappers(out);
  std::map<std::string, std::vector<std::string>> users;  // backend -> tasks using it
  for (const auto& [id, spec] : stored_specs(store)) users[spec.backend].push_back(id);
  check_tools(users, out);
  check_state_directory(store, out);
  check_cgroups(out);
  check_lingering(out);
  check_pid1(out);
  check_tasks(store, out);
  return out;
}

}  // namespace spmi
