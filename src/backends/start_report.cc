// Reading and parsing the wrapper's start report (pipe or FIFO).
#include "backends/start_report.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/kv_file.h"

namespace spmi {

StartResult parse_report(const std::string& line) {
  StartResult r;
  std::string report = line;
  while (!report.empty() && report.back() == '\n') report.pop_back();
  long long pid = 0;
  if (report.rfind("ok ", 0) == 0 && parse_ll(report.substr(3), &pid)) {
    r.ok = true;
    r.pid = static_cast<pid_t>(pid);
  } else if (report.rfind("error ", 0) == 0) {
    r.error = report.substr(6);
  } else {
    r.error = report.empty() ? "the wrapper exited without reporting (see wrapper.log in the task directory)"
                             : "unexpected report from the wrapper: " + report;
  }
  return r;
}

ReportFifo::~ReportFifo() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

bool ReportFifo::create(const std::string& task_dir, std::string* err) {
  path_ = task_dir + "/report";
  ::unlink(path_.c_str());
  if (::mkfifo(path_.c_str(), 0600) != 0) {
    *err = "cannot create " + path_ + ": " + errno_text(errno);
    path_.clear();
    return false;
  }
  // Non-blocking open for reading succeeds at once; poll then sleeps until
  // the wrapper writes (POLLIN) or opens and closes without a word (POLLHUP).
  fd_.reset(::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd_.valid()) {
    *err = "cannot open " + path_ + ": " + errno_text(errno);
    return false;
  }
  return true;
}

StartResult read_report(int fd, int timeout_ms, const std::function<bool()>& gone) {
  std::string report;
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) {
      StartResult r;
      r.error = "the wrapper did not report within " + std::to_string(timeout_ms / 1000) + "s";
      return r;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      if (gone && gone()) return parse_report(report);
      continue;
    }
    char buf[512];
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0) {
      report.append(buf, static_cast<size_t>(got));
      if (report.find('\n') != std::string::npos) return parse_report(report);
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    return parse_report(report);  // the writer closed (or the read failed)
  }
}

}  // namespace spmi
