// Compression of rotated logs in a child process (see compress_job.h).
#include "wrappers/compress_job.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <csignal>
#include <cstdint>

#include "common/safe_file.h"
#include "wrappers/clone_child.h"

namespace spmi {

bool gzip_file_at(int dirfd, const std::string& name, std::string* err) {
  Fd in = open_in_dir(dirfd, name, O_RDONLY, name, err);
  if (!in.valid()) return false;
  std::string tmp;
  // Hidden, so no reader ever takes it for a log.
  Fd out = create_temp_in_dir(dirfd, "." + name + ".gz", &tmp, err);
  if (!out.valid()) return false;
  gzFile gz = ::gzdopen(out.get(), "wb6");
  if (!gz) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    *err = "cannot start compressing " + name;
    return false;
  }
  out.release();  // gzclose closes it
  char buf[65536];
  ssize_t n;
  bool ok = true;
  while ((n = ::read(in.get(), buf, sizeof buf)) > 0)
    if (::gzwrite(gz, buf, static_cast<unsigned>(n)) != n) ok = false;
  if (n < 0) ok = false;
  if (::gzclose(gz) != Z_OK) ok = false;
  std::string target = name + ".gz";
  if (!ok || ::renameat(dirfd, tmp.c_str(), dirfd, target.c_str()) != 0) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    *err = "cannot compress " + name;
    return false;
  }
  ::unlinkat(dirfd, name.c_str(), 0);
  return true;
}

bool CompressJob::start(const std::vector<CompressItem>& files, std::string* err) {
  int pidfd = -1;
  pid_t pid = start_clone_child(&pidfd, err);
  if (pid < 0) return false;
  if (pid == 0) {
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::signal(SIGTERM, SIG_DFL);
    ::setpriority(PRIO_PROCESS, 0, 10);  // the task's output comes first
    bool all = true;
    std::string why;
    for (const auto& f : files) all = gzip_file_at(f.dirfd, f.name, &why) && all;
    ::_exit(all ? 0 : 1);
  }
  pid_ = pid;
  pidfd_.reset(pidfd);
  return true;
}

bool CompressJob::finish(std::string* err) {
  siginfo_t info {};
  bool reaped = reap_clone_child(pidfd_.get(), &info);
  pid_ = 0;
  pidfd_.reset();
  if (reaped && info.si_code == CLD_EXITED && info.si_status == 0) return true;
  *err = "compressing rotated logs failed";
  return false;
}

}  // namespace spmi
