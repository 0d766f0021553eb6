// Running one health check, or one run of an on_event hook (a command, run
// the same way): a child process (for every check type, so a check that
// hangs in DNS, connect or the command itself is killed at its timeout and
// never blocks the wrapper's loop).
//
// The child is created with clone3(CLONE_PIDFD) and no exit signal, which
// makes it a "clone child": the wrapper's waitpid(-1) for the task's
// processes never sees it, and it never keeps the task "alive". Its end is
// read from the pidfd. It never execs: exec would give it back an ordinary
// exit signal, so the check runs in a grandchild it waits for, with the
// task's user, environment and directory. It runs in its own process group,
// killed whole at the timeout. Its output (the command's, or the tcp/http probe's message) comes
// through a pipe; the last line is kept as the check's detail.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/child_setup.h"
#include "common/fd.h"
#include "common/task_spec.h"

namespace spmi {

class HealthProbe {
 public:
  // Starts a check of `spec.health` as the task's process would run
  // (`plan`: its limits, identity, directory and resolved environment);
  // tcp and http checks execute `probe_program` (spmi-probe). False with
  // `err` when it cannot start.
  bool start(const TaskSpec& spec, const ChildPlan& plan, const std::string& probe_program, int64_t now_ms,
             std::string* err) {
    return start(spec.health, spec.process.user, spec.process.group, plan, probe_program, now_ms, err);
  }
  // The same for any check (an on_event hook is a command check), killed
  // after check.timeout_ms; `user`/`group` name the identity for messages.
  bool start(const HealthSettings& check, const std::string& user, const std::string& group, const ChildPlan& plan,
             const std::string& probe_program, int64_t now_ms, std::string* err);
  // Everything it wrote (the last 1 KiB), once it ended.
  const std::string& output() const { return output_; }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int64_t deadline_ms() const { return deadline_ms_; }
  int pidfd() const { return pidfd_.get(); }
  int output_fd() const { return out_.get(); }
  // Reads what the check wrote so far (call when output_fd is readable).
  void read_output();
  // The check ended (its pidfd is readable): reaps it. True when healthy.
  bool finish(std::string* detail);
  // Kills the check's whole group and reaps it (timeout, or the run ended).
  void cancel();

 private:
  pid_t pid_ = 0;
  Fd pidfd_, out_;
  int64_t deadline_ms_ = -1;
  std::string output_;
};

}  // namespace spmi
