// Child process setup (see child_setup.h).
#include "common/child_setup.h"

#include <fcntl.h>

#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fd.h"

extern char** environ;

namespace spmi {

namespace {
const char* const kLimitNames[] = {"nofile", "nproc", "core", "memory", "cpu"};
}  // namespace

void reset_signals() {
  for (int s = 1; s < NSIG; ++s)
    if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

bool apply_child_plan(const ChildPlan& plan, ChildFailure* failure) {
  auto fail = [failure](int stage, int e) {
    failure->stage = stage;
    failure->err = e;
    return false;
  };
  for (int i = 0; plan.cgroup_procs && plan.cgroup_procs[i]; ++i) {
    int fd = ::open(plan.cgroup_procs[i], O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::write(fd, "0", 1) == 1;
    int e = errno;
    if (fd >= 0) ::close(fd);
    if (!ok) {
      failure->index = i;
      return fail(ChildFailure::Cgroup, e);
    }
  }
  if (const ProcessSettings* ps = plan.settings) {
    const struct {
      int resource;
      int64_t value;
    } limits[] = {{RLIMIT_NOFILE, ps->limit_nofile}, {RLIMIT_NPROC, ps->limit_nproc}, {RLIMIT_CORE, ps->limit_core},
                  {RLIMIT_AS, ps->limit_memory},     {RLIMIT_CPU, ps->limit_cpu}};
    for (int i = 0; i < 5; ++i) {
      if (limits[i].value == kLimitUnset) continue;
      struct rlimit rl;
      rl.rlim_cur = rl.rlim_max =
          limits[i].value == kLimitInfinity ? RLIM_INFINITY : static_cast<rlim_t>(limits[i].value);
      if (::setrlimit(limits[i].resource, &rl) != 0) return fail(ChildFailure::Limit + i, errno);
    }
    if (ps->has_nice && ::setpriority(PRIO_PROCESS, 0, ps->nice) != 0) return fail(ChildFailure::Nice, errno);
    if (ps->umask >= 0) ::umask(static_cast<mode_t>(ps->umask));
  }
  if (const RunIdentity* who = plan.identity) {
    if (who->changes_group() &&
        (::setgroups(who->groups.size(), who->groups.data()) != 0 || ::setgid(who->gid) != 0))
      return fail(ChildFailure::Identity, errno);
    if (who->changes_user() && ::setuid(who->uid) != 0) return fail(ChildFailure::Identity, errno);
  }
  if (plan.cwd && *plan.cwd && ::chdir(plan.cwd) != 0) return fail(ChildFailure::Cwd, errno);
  if (plan.envp) environ = plan.envp;
  return true;
}

std::string describe_child_failure(const ChildFailure& f, const ChildPlan& plan, const std::string& program,
                                   const std::string& user, const std::string& group) {
  switch (f.stage) {
    case ChildFailure::Cwd:
      return "cannot change directory to '" + std::string(plan.cwd ? plan.cwd : "") + "': " + errno_text(f.err);
    case ChildFailure::Exec:
      return "cannot execute '" + program + "': " + errno_text(f.err);
    case ChildFailure::Identity:
      return "cannot switch to user/group " + user + "/" + group + ": " + errno_text(f.err);
    case ChildFailure::Cgroup:
      return "cannot join its cgroup (" + std::string(plan.cgroup_procs ? plan.cgroup_procs[f.index] : "?") +
             "): " + errno_text(f.err);
    case ChildFailure::Nice:
      return "cannot set nice " + std::to_string(plan.settings ? plan.settings->nice : 0) + ": " + errno_text(f.err);
    default:
      break;
  }
  if (f.stage >= ChildFailure::Limit && f.stage < ChildFailure::Limit + 5)
    return std::string("cannot set limits.") + kLimitNames[f.stage - ChildFailure::Limit] + ": " + errno_text(f.err);
  return "cannot set up the child process: " + errno_text(f.err);
}

}  // namespace spmi
