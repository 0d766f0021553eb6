// The native backend: the wrapper runs detached from the terminal and from
// spmi (posix_spawn with setsid, then the wrapper's own fork: --detach),
// reparented to init. `start` blocks until the
// wrapper reports through a pipe that the command runs, or why it does not.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/registry.h"
#include "backends/start_report.h"
#include "common/fd.h"

namespace spmi {

namespace {

constexpr int kReportFd = 3;
class NativeBackend : public Backend {
 public:
  StartResult start(const TaskSpec& spec, const std::string& task_dir) const override;
};

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
  if (write_end.get() == kReportFd) write_end = Fd(::fcntl(kReportFd, F_DUPFD_CLOEXEC, kReportFd + 1));
  // posix_spawn, not fork: glibc's is a vfork-like clone that shares the
  // CLI's memory until the exec, so starting many tasks at once (8 threads)
  // copies no page tables and takes no copy-on-write faults. The wrapper
  // gets its own session, default signal dispositions and an empty mask,
  // /dev/null for 0-2, the report pipe as fd 3 and nothing else of spmi's;
  // its --detach makes it fork once and this child exit at once.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0);
  ::posix_spawn_file_actions_adddup2(&actions, 0, 1);
  ::posix_spawn_file_actions_adddup2(&actions, 0, 2);
  // dup2 onto itself would keep CLOEXEC: the pipe's end lands on fd 3 from
  // wherever it is (never 0-2, which are open in spmi), then the rest close.
  ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), kReportFd);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, kReportFd + 1);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const std::string report_fd = std::to_string(kReportFd);
  const char* argv[] = {"spmi-wrapper", "--detach", "--report-fd", report_fd.c_str(), task_dir.c_str(), nullptr};
  pid_t child = -1;
  int rc = ::posix_spawn(&child, wrapper.c_str(), &actions, &attr, const_cast<char* const*>(argv), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    r.error = "cannot execute " + wrapper + ": " + errno_text(rc);
    return r;
  }
  write_end.reset();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // It reported why on the pipe (its fork failed, or it could not run at all).
    StartResult why = read_report(read_end.get(), kStartReportTimeoutMs);
    r.error = why.ok || why.error.empty() ? "could not detach the wrapper" : why.error;
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
