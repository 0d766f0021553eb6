// Health check children (see health_probe.h). Every check runs in a
// process: getaddrinfo, connect and the command itself may block, and only a
// separate process can be killed at the timeout.
#include "wrappers/health_probe.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/signals.h"
#include "common/child_setup.h"
#include "wrappers/clone_child.h"

namespace spmi {

namespace {

void say(const std::string& text) { write_all(STDOUT_FILENO, text + "\n"); }

// In the clone child: its own group, output to the pipe, then a grandchild
// that becomes the check with the task's settings, identity, directory and
// environment (common/child_setup.h). tcp and http checks are run by
// spmi-probe, which is linked dynamically: name resolution uses NSS, which
// a static wrapper must never load.
[[noreturn]] void run_check(const HealthSettings& h, const std::string& user, const std::string& group,
                            const ChildPlan& plan, const std::string& probe_program, int out_fd) {
  reset_signals();
  ::setpgid(0, 0);  // its own group, killed whole at the timeout
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  // The check runs in a grandchild: a process that execs gets exit signal
  // SIGCHLD back when it exits (the kernel resets it for a changed
  // "execution domain"), so only this process, which never execs, stays
  // invisible to the wrapper's waitpid(-1). It relays the check's end.
  pid_t check = ::fork();
  if (check < 0) {
    say("fork: " + errno_text(errno));
    ::_exit(1);
  }
  if (check > 0) {
    int status = 0;
    while (::waitpid(check, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
      say("it was killed by " + signal_name(WTERMSIG(status)));
      ::_exit(1);
    }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  std::string program = h.type == HealthType::Command ? (h.shell_command.empty() ? h.argv[0] : "/bin/sh")
                                                      : probe_program;
  ChildFailure f;
  if (!apply_child_plan(plan, &f)) {
    say(describe_child_failure(f, plan, program, user, group));
    ::_exit(127);
  }
  if (h.type == HealthType::Tcp || h.type == HealthType::Http) {
    std::string port = std::to_string(h.port);
    const char* args[] = {"spmi-probe", h.type == HealthType::Tcp ? "tcp" : "http", h.host.c_str(), port.c_str(),
                          h.http_path.c_str(), nullptr};
    ::execv(probe_program.c_str(), const_cast<char* const*>(args));
  } else if (!h.shell_command.empty()) {
    const char* args[] = {"sh", "-c", h.shell_command.c_str(), nullptr};
    ::execv("/bin/sh", const_cast<char* const*>(args));
  } else {
    std::vector<char*> args;
    for (auto& a : h.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
  }
  say(describe_child_failure({ChildFailure::Exec, errno}, plan, program, "", ""));
  ::_exit(127);
}

}  // namespace

bool HealthProbe::start(const HealthSettings& check, const std::string& user, const std::string& group,
                        const ChildPlan& plan, const std::string& probe_program, int64_t now_ms, std::string* err) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
    *err = "pipe: " + errno_text(errno);
    return false;
  }
  int pidfd = -1;
  pid_t pid = start_clone_child(&pidfd, err);
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return false;
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    // The child's copy of the write end must stay open across exec.
    ::fcntl(pipefd[1], F_SETFL, 0);
    run_check(check, user, group, plan, probe_program, pipefd[1]);
  }
  ::close(pipefd[1]);
  ::setpgid(pid, pid);  // as the child does; whoever runs first
  pid_ = pid;
  pidfd_.reset(pidfd);
  out_.reset(pipefd[0]);
  output_.clear();
  deadline_ms_ = now_ms + check.timeout_ms;
  return true;
}

void HealthProbe::read_output() {
  char buf[512];
  ssize_t n;
  while (out_.valid() && (n = ::read(out_.get(), buf, sizeof buf)) > 0) {
    output_.append(buf, static_cast<size_t>(n));
    if (output_.size() > 1024) output_.erase(0, output_.size() - 512);  // keep the tail
  }
}

bool HealthProbe::finish(std::string* detail) {
  read_output();
  siginfo_t info {};
  int rc = reap_clone_child(pidfd_.get(), &info) ? 0 : -1;
  pid_ = 0;
  pidfd_.reset();
  out_.reset();
  deadline_ms_ = -1;
  // The last non-empty line of the output is the detail.
  while (!output_.empty() && (output_.back() == '\n' || output_.back() == '\r')) output_.pop_back();
  size_t nl = output_.rfind('\n');
  std::string last = nl == std::string::npos ? output_ : output_.substr(nl + 1);
  if (last.size() > 200) last = last.substr(0, 200);
  bool ok = rc == 0 && info.si_code == CLD_EXITED && info.si_status == 0;
  std::string how = rc != 0 ? "cannot reap the check: " + errno_text(errno)
                    : info.si_code == CLD_EXITED ? "exit code " + std::to_string(info.si_status)
                                                 : "killed by " + signal_name(info.si_status);
  *detail = last.empty() ? how : last + " (" + how + ")";
  return ok;
}

void HealthProbe::cancel() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);  // the group leader is unreaped, so its id is still ours
  ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  std::string ignored;
  finish(&ignored);
}

}  // namespace spmi
