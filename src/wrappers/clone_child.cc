// clone3 helper children (see clone_child.h).
#include "wrappers/clone_child.h"

#include <linux/sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "common/fd.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace spmi {

namespace {
int closed_in_children = -1;
}  // namespace

void set_clone_child_closes(int fd) { closed_in_children = fd; }

pid_t start_clone_child(int* pidfd, std::string* err) {
  struct clone_args args {};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = 0;  // a clone child: invisible to waitpid(-1)
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) *err = "clone3: " + errno_text(errno);
  if (pid == 0 && closed_in_children >= 0) ::close(closed_in_children);
  return static_cast<pid_t>(pid);
}

bool reap_clone_child(int pidfd, siginfo_t* info) {
  int rc;
  do {
    rc = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), info, WEXITED | __WALL);
  } while (rc < 0 && errno == EINTR);
  return rc == 0;
}

}  // namespace spmi
