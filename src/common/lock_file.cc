// OFD lock helpers: take, wait for, and probe whole-file locks.
#include "common/lock_file.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <mutex>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safe_file.h"

namespace spmi {

static struct flock whole_file(short type) {
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  return fl;
}

// Opens a lock file: never through a link, never blocking, and only a
// regular file (a FIFO put in its place made every command hang).
static Fd open_lock(const std::string& path, int flags, std::string* err) {
  std::string why;
  Fd fd = open_no_follow(AT_FDCWD, path, flags, {}, &why);
  if (!fd.valid()) {
    int e = errno;
    *err = path + ": " + why + (e == ELOOP ? ", not a lock spmi made" : "");
    errno = e;
  }
  return fd;
}

Fd try_lock_file(const std::string& path, bool create, bool* busy, std::string* err) {
  *busy = false;
  Fd fd = open_lock(path, O_RDWR | (create ? O_CREAT : 0), err);
  if (!fd.valid()) return Fd();
  struct flock fl = whole_file(F_WRLCK);
  if (::fcntl(fd.get(), F_OFD_SETLK, &fl) != 0) {
    if (errno == EAGAIN || errno == EACCES) {
      *busy = true;
      *err = path + ": locked by another process";
    } else {
      *err = path + ": " + errno_text(errno);
    }
    return Fd();
  }
  return fd;
}

static void on_alarm(int) {}

Fd wait_lock_file(const std::string& path, int timeout_ms, bool* busy, std::string* err, bool create) {
  Fd fd = try_lock_file(path, create, busy, err);
  if (fd.valid() || !*busy || timeout_ms == 0) return fd;
  fd = open_lock(path, O_RDWR, err);
  if (!fd.valid()) {
    *busy = false;
    return Fd();
  }
  // F_OFD_SETLKW sleeps in the kernel; a one-shot timer signal (its handler
  // installed without SA_RESTART) interrupts it when the time runs out. The
  // CLI waits for locks on several threads at once (start and stop of many
  // tasks): the handler is installed once and stays (a process-wide
  // disposition restored by one thread would kill another's waiting
  // process with SIGALRM's default action), and the timer signals the
  // waiting thread itself, not whichever thread the kernel picks.
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGALRM, &sa, nullptr);
  });
  timer_t timer{};
  bool armed = false;
  if (timeout_ms > 0) {
    struct sigevent sev;
    std::memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev._sigev_un._tid = ::gettid();  // sigev_notify_thread_id from glibc 2.38 on
    sev.sigev_signo = SIGALRM;
    if (::timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0) {
      struct itimerspec its;
      std::memset(&its, 0, sizeof its);
      its.it_value.tv_sec = timeout_ms / 1000;
      its.it_value.tv_nsec = static_cast<long>(timeout_ms % 1000) * 1000000L;
      ::timer_settime(timer, 0, &its, nullptr);
      armed = true;
    }
  }
  struct flock fl = whole_file(F_WRLCK);
  int rc = ::fcntl(fd.get(), F_OFD_SETLKW, &fl);
  int saved = errno;
  if (armed) ::timer_delete(timer);
  if (rc != 0) {
    *busy = (saved == EINTR);
    *err = *busy ? path + ": still locked by another process after waiting" : path + ": " + errno_text(saved);
    return Fd();
  }
  *busy = false;
  return fd;
}

LockProbe probe_lock_file(const std::string& path) {
  std::string err;
  Fd fd = open_lock(path, O_RDONLY, &err);
  if (!fd.valid()) return errno == ENOENT ? LockProbe::Missing : LockProbe::Error;
  struct flock fl = whole_file(F_WRLCK);
  if (::fcntl(fd.get(), F_OFD_GETLK, &fl) != 0) return LockProbe::Error;
  return fl.l_type == F_UNLCK ? LockProbe::Free : LockProbe::Held;
}

}  // namespace spmi
