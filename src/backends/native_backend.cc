// The native backend: the wrapper runs detached from the terminal and from
// spmi (double fork + setsid), reparented to init. `start` blocks until the
// wrapper reports through a pipe that the command runs, or why it does not.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/registry.h"
#include "backends/start_report.h"
#include "common/child_setup.h"
#include "common/fd.h"

namespace spmi {

namespace {

constexpr int kReportFd = 3;
class NativeBackend : public Backend {
 public:
  StartResult start(const TaskSpec& spec, const std::string& task_dir) const override;
};

// In the grandchild: becomes the wrapper. Never returns.
[[noreturn]] void exec_wrapper(const std::string& wrapper, const std::string& task_dir, int report_fd) {
  reset_signals();
  if (report_fd != kReportFd) {
    ::dup2(report_fd, kReportFd);  // dup2 leaves the copy without CLOEXEC
  } else {
    ::fcntl(kReportFd, F_SETFD, 0);
  }
  // Nothing else of spmi's leaks into the wrapper (and from there the task).
  ::close_range(kReportFd + 1, ~0U, 0);
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    if (devnull > kReportFd) ::close(devnull);
  }
  const char* argv[] = {"spmi-wrapper", "--report-fd", "3", task_dir.c_str(), nullptr};
  ::execv(wrapper.c_str(), const_cast<char* const*>(argv));
  std::string msg = "error cannot execute " + wrapper + ": " + errno_text(errno) + "\n";
  write_all(kReportFd, msg);
  ::_exit(127);
}

StartResult NativeBackend::start(const TaskSpec& spec, const std::string& task_dir) const {
  StartResult r;
  std::string wrapper = find_wrapper_executable(spec.wrapper, &r.error);
  if (wrapper.empty()) return r;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.error = "pipe: " + errno_text(errno);
    return r;
  }
  Fd read_end(fds[0]), write_end(fds[1]);
  pid_t child = ::fork();
  if (child < 0) {
    r.error = "fork: " + errno_text(errno);
    return r;
  }
  if (child == 0) {
    // First child: a new session, then fork again so the wrapper is not a
    // session leader (it can never reacquire a controlling terminal) and is
    // reparented away from spmi.
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild == 0) exec_wrapper(wrapper, task_dir, write_end.get());
    ::_exit(grandchild < 0 ? 1 : 0);
  }
  write_end.reset();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r.error = "could not detach the wrapper (fork failed)";
    return r;
  }

  // The wrapper's one-line report; EOF without one means it died.
  return read_report(read_end.get(), kStartReportTimeoutMs);
}

}  // namespace

const Backend& native_backend() {
  static const NativeBackend backend;
  return backend;
}

}  // namespace spmi
