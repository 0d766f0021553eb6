// Health check children (see health_probe.h). The tcp and http probes run in
// the child too: getaddrinfo and connect may block, and only a separate
// process can be killed at the timeout.
#include "wrappers/health_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/signals.h"
#include "wrappers/clone_child.h"

extern char** environ;

namespace spmi {

namespace {

void say(const std::string& text) { write_all(STDOUT_FILENO, text + "\n"); }

// Connects to host:port; the connected socket, or -1 after saying why.
int connect_to(const HealthSettings& h) {
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  std::string port = std::to_string(h.port);
  int rc = ::getaddrinfo(h.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    say("cannot resolve " + h.host + ": " + ::gai_strerror(rc));
    return -1;
  }
  int err = 0;
  for (struct addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    err = errno;
    ::close(fd);
  }
  ::freeaddrinfo(res);
  say("connect to " + h.host + ":" + port + ": " + errno_text(err));
  return -1;
}

// GET the path; healthy on a 2xx or 3xx status.
int http_check(const HealthSettings& h) {
  int fd = connect_to(h);
  if (fd < 0) return 1;
  std::string host = h.host.find(':') != std::string::npos ? "[" + h.host + "]" : h.host;
  std::string req = "GET " + h.http_path + " HTTP/1.0\r\nHost: " + host + ":" + std::to_string(h.port) +
                    "\r\nUser-Agent: spmi-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  if (!write_all(fd, req)) {
    say("cannot send the request: " + errno_text(errno));
    return 1;
  }
  char buf[256];
  std::string head;
  ssize_t n;
  while (head.find('\n') == std::string::npos && head.size() < 200 && (n = ::read(fd, buf, sizeof buf)) > 0)
    head.append(buf, static_cast<size_t>(n));
  int status = 0;
  if (std::sscanf(head.c_str(), "HTTP/%*d.%*d %d", &status) != 1) {
    say("no HTTP status line in the response");
    return 1;
  }
  say("HTTP " + std::to_string(status));
  return status >= 200 && status < 400 ? 0 : 1;
}

[[noreturn]] void run_check(const TaskSpec& spec, int out_fd) {
  sigset_t empty;
  sigemptyset(&empty);
  for (int s = 1; s < NSIG; ++s)
    if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  ::setpgid(0, 0);  // its own group, killed whole at the timeout
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  const HealthSettings& h = spec.health;
  if (h.type == HealthType::Tcp) {
    int fd = connect_to(h);
    ::_exit(fd >= 0 ? 0 : 1);
  }
  if (h.type == HealthType::Http) ::_exit(http_check(h));
  // A command runs in a grandchild: a process that execs gets exit signal
  // SIGCHLD back when it exits (the kernel resets it for a changed
  // "execution domain"), so only this process, which never execs, stays
  // invisible to the wrapper's waitpid(-1). It relays the command's end.
  pid_t command = ::fork();
  if (command < 0) {
    say("fork: " + errno_text(errno));
    ::_exit(1);
  }
  if (command > 0) {
    int status = 0;
    while (::waitpid(command, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
      say("the health command was killed by " + signal_name(WTERMSIG(status)));
      ::_exit(1);
    }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  // The task's environment and directory.
  for (const auto& [k, v] : spec.env) ::setenv(k.c_str(), v.c_str(), 1);
  ::setenv("SPMI_TASK_ID", spec.id.c_str(), 1);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    say("cannot change directory to '" + spec.cwd + "': " + errno_text(errno));
    ::_exit(127);
  }
  if (!h.shell_command.empty()) {
    const char* args[] = {"sh", "-c", h.shell_command.c_str(), nullptr};
    ::execv("/bin/sh", const_cast<char* const*>(args));
  } else {
    std::vector<char*> args;
    for (auto& a : h.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
  }
  say("cannot execute the health command: " + errno_text(errno));
  ::_exit(127);
}

}  // namespace

bool HealthProbe::start(const TaskSpec& spec, int64_t now_ms, std::string* err) {
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
    run_check(spec, pipefd[1]);
  }
  ::close(pipefd[1]);
  ::setpgid(pid, pid);  // as the child does; whoever runs first
  pid_ = pid;
  pidfd_.reset(pidfd);
  out_.reset(pipefd[0]);
  output_.clear();
  deadline_ms_ = now_ms + spec.health.timeout_ms;
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
