// spmi-idle: the idle core of the default wrapper (idle_protocol.h has the
// command line and when it runs).
//
// Why it exists: an idle wrapper's resident memory is what its executable
// maps, and the kernel maps a file's pages a large folio at a time, so a
// static C++ wrapper (1.1 MB of text) is resident whole: 1052 kB alone. This
// core is built against musl without the C++ runtime (no exceptions, RTTI,
// libstdc++; CMakeLists.txt), about 20 kB, and does only what an idle
// wrapper does: sleep, and move the task's output into its logs. Anything
// else (a signal, a request, a child's end, a rotation, an error) brings the
// wrapper back by exec, which then acts as it would have awake.
//
// Hand-written on purpose: it must not link a library that needs the C++
// runtime. It uses the C library only.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "wrappers/idle_core/idle_protocol.h"

extern char** environ;

namespace {

struct Splice {
  int pipe = -1, file = -1;
  long long offset = 0, limit = -1, deadline_ms = -1;
};

struct Core {
  int exe_fd = -1, log_fd = -1;
  int wake[spmi::idle::kMaxWake];
  int n_wake = 0;
  Splice splice[spmi::idle::kMaxSplice];
  int n_splice = 0;
  char** resume_argv = nullptr;
};

bool parse_ll(const char* s, long long* out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || !end || (*end && *end != ',')) return false;
  *out = v;
  return true;
}

bool parse_fd(const char* s, int* out) {
  long long v = 0;
  if (!parse_ll(s, &v) || v < 0 || v > 1 << 20 || strchr(s, ',')) return false;
  *out = static_cast<int>(v);
  return true;
}

// PIPE,FILE,OFFSET,LIMIT,DEADLINE
bool parse_splice(const char* s, Splice* out) {
  long long v[5];
  for (int i = 0; i < 5; ++i) {
    if (!parse_ll(s, &v[i])) return false;
    s = strchr(s, ',');
    if ((i < 4) != (s != nullptr)) return false;
    if (s) ++s;
  }
  if (v[0] < 0 || v[1] < 0 || v[2] < 0) return false;
  out->pipe = static_cast<int>(v[0]);
  out->file = static_cast<int>(v[1]);
  out->offset = v[2];
  out->limit = v[3];
  out->deadline_ms = v[4];
  return true;
}

long long wall_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void say(int fd, const char* a, const char* b) {
  if (fd < 0) return;
  char line[512];
  size_t n = 0;
  const char* parts[] = {"spmi-idle: ", a, b, "\n"};
  for (const char* s : parts)
    for (; s && *s && n < sizeof line; ++s) line[n++] = *s;
  ssize_t ignored = write(fd, line, n);
  (void)ignored;
}

// Back to the wrapper; retried while the kernel refuses (no memory), since
// the task needs its wrapper and nothing else can bring it back.
[[noreturn]] void wake(Core& c) {
  for (;;) {
    syscall(SYS_execveat, c.exe_fd, "", c.resume_argv, environ, AT_EMPTY_PATH);
    if (errno == EINTR) continue;
    say(c.log_fd, "cannot exec the wrapper again (retrying each second): ", strerror(errno));
    struct timespec second = {1, 0};
    nanosleep(&second, nullptr);
  }
}

// Moves what the pipe holds into the log while the file stays below its
// limit; false when the wrapper must take over.
bool copy_output(Splice& s) {
  for (;;) {
    if (s.limit >= 0 && s.offset >= s.limit) return false;
    if (s.deadline_ms >= 0 && wall_ms() >= s.deadline_ms) return false;
    long long room = s.limit < 0 ? 1 << 20 : s.limit - s.offset;
    if (room > 1 << 20) room = 1 << 20;
    loff_t off = s.offset;
    ssize_t n = splice(s.pipe, nullptr, s.file, &off, static_cast<size_t>(room), SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n > 0) {
      s.offset = off;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;  // 0: the pipe ended; an error: the wrapper reports it
  }
}

}  // namespace

int main(int argc, char** argv) {
  Core c;
  // argv[2] is the executable's descriptor in every version of the protocol,
  // and "--" starts the wrapper's command line: with those two, a core that
  // cannot run still gives the task its wrapper back.
  int dashes = 3;
  while (dashes < argc && strcmp(argv[dashes], "--") != 0) ++dashes;
  if (argc < 3 || !parse_fd(argv[2], &c.exe_fd) || dashes + 1 >= argc) {
    say(STDERR_FILENO, "not for use by hand: see ", "src/wrappers/idle_core/idle_protocol.h");
    return 2;
  }
  c.resume_argv = argv + dashes + 1;
  bool ok = strcmp(argv[1], spmi::idle::kProtocol) == 0;
  for (int i = 3; ok && i < dashes; ++i) {
    if (strcmp(argv[i], "-w") == 0 && i + 1 < dashes && c.n_wake < spmi::idle::kMaxWake)
      ok = parse_fd(argv[++i], &c.wake[c.n_wake++]);
    else if (strcmp(argv[i], "-l") == 0 && i + 1 < dashes)
      ok = parse_fd(argv[++i], &c.log_fd);
    else if (strcmp(argv[i], "-s") == 0 && i + 1 < dashes && c.n_splice < spmi::idle::kMaxSplice)
      ok = parse_splice(argv[++i], &c.splice[c.n_splice++]);
    else
      ok = false;
  }
  if (!ok) {
    for (char** a = c.resume_argv; *a; ++a)
      if (strcmp(*a, spmi::idle::kResumeFlag) == 0) *a = const_cast<char*>(spmi::idle::kResumeAwakeFlag);
    say(c.log_fd, "arguments of another protocol or version; the wrapper stays awake", "");
    wake(c);
  }

  struct pollfd fds[spmi::idle::kMaxWake + spmi::idle::kMaxSplice];
  for (;;) {
    int n = 0;
    for (int k = 0; k < c.n_wake; ++k) fds[n++] = {c.wake[k], POLLIN, 0};
    for (int k = 0; k < c.n_splice; ++k) fds[n++] = {c.splice[k].pipe, POLLIN, 0};
    if (poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      wake(c);
    }
    for (int k = 0; k < c.n_wake; ++k)
      if (fds[k].revents) wake(c);
    for (int k = 0; k < c.n_splice; ++k)
      if (fds[c.n_wake + k].revents && !copy_output(c.splice[k])) wake(c);
  }
}
