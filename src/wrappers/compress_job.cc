// Compression of rotated logs in a child process (see compress_job.h).
#include "wrappers/compress_job.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>

#include "wrappers/clone_child.h"

namespace spmi {

namespace {

// The few zlib functions used, resolved from libz.so.1.
struct Zlib {
  void* (*gzdopen)(int, const char*) = nullptr;
  int (*gzwrite)(void*, const void*, unsigned) = nullptr;
  int (*gzclose)(void*) = nullptr;

  bool load(std::string* err) {
    void* lib = ::dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      *err = std::string("cannot load zlib (libz.so.1): ") + ::dlerror();
      return false;
    }
    gzdopen = reinterpret_cast<decltype(gzdopen)>(::dlsym(lib, "gzdopen"));
    gzwrite = reinterpret_cast<decltype(gzwrite)>(::dlsym(lib, "gzwrite"));
    gzclose = reinterpret_cast<decltype(gzclose)>(::dlsym(lib, "gzclose"));
    if (!gzdopen || !gzwrite || !gzclose) {
      *err = "zlib lacks gzdopen/gzwrite/gzclose";
      return false;
    }
    return true;
  }
};

}  // namespace

bool gzip_file(const std::string& file, std::string* err) {
  Zlib z;
  if (!z.load(err)) return false;
  Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    *err = "cannot open " + file + ": " + errno_text(errno);
    return false;
  }
  std::string tmp = file + ".gz.tmp", out = file + ".gz";
  // Private like the log it comes from.
  int out_fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  void* gz = out_fd >= 0 ? z.gzdopen(out_fd, "wb6") : nullptr;
  if (!gz) {
    if (out_fd >= 0) ::close(out_fd);
    *err = "cannot create " + tmp;
    return false;
  }
  char buf[65536];
  ssize_t n;
  bool ok = true;
  while ((n = ::read(in.get(), buf, sizeof buf)) > 0)
    if (z.gzwrite(gz, buf, static_cast<unsigned>(n)) != n) ok = false;
  if (n < 0) ok = false;
  if (z.gzclose(gz) != 0) ok = false;
  if (!ok || ::rename(tmp.c_str(), out.c_str()) != 0) {
    ::unlink(tmp.c_str());
    *err = "cannot compress " + file;
    return false;
  }
  ::unlink(file.c_str());
  return true;
}

bool CompressJob::start(const std::vector<std::string>& files, std::string* err) {
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
    for (const auto& f : files) all = gzip_file(f, &why) && all;
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
