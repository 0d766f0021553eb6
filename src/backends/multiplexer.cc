// Running screen/tmux through Boost.Process, and the report FIFO.
#include "backends/multiplexer.h"

#include <boost/process.hpp>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "common/clock.h"
#include "common/kv_file.h"
#include "common/task_spec.h"

namespace bp = boost::process;

namespace spmi {

std::string ToolResult::describe(const std::string& program) const {
  if (!ran) return "could not run " + program + (err.empty() ? "" : ": " + err);
  if (timed_out) return program + " did not finish in time";
  std::string text = err.empty() ? out : err;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return program + " exited with code " + std::to_string(exit_code) + (text.empty() ? "" : ": " + text);
}

std::string find_tool(const std::string& program) {
  return bp::search_path(program).string();
}

namespace {

// An anonymous in-memory file for a child's output: no pipe to drain while
// waiting, and no deadlock if a daemon the tool forks keeps it open.
FILE* memory_file(const char* name) {
  int fd = ::memfd_create(name, MFD_CLOEXEC);
  return fd < 0 ? std::tmpfile() : ::fdopen(fd, "w+");
}

std::string read_back(FILE* f) {
  std::string out;
  if (!f) return out;
  std::fflush(f);
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

bp::environment make_env(const std::vector<std::string>& unset,
                         const std::vector<std::pair<std::string, std::string>>& set) {
  bp::environment env = boost::this_process::environment();
  for (const auto& name : unset) env.erase(name);
  for (const auto& [k, v] : set) env[k] = v;
  return env;
}

}  // namespace

ToolResult run_tool(const std::string& program, const std::vector<std::string>& args,
                    const std::vector<std::string>& unset,
                    const std::vector<std::pair<std::string, std::string>>& set, int timeout_ms) {
  ToolResult r;
  std::string exe = program.find('/') == std::string::npos ? find_tool(program) : program;
  if (exe.empty()) {
    r.err = program + " is not installed (not found in PATH)";
    return r;
  }
  FILE* out = memory_file("spmi-tool-out");
  FILE* err = memory_file("spmi-tool-err");
  try {
    bp::child c(bp::exe = exe, bp::args = args, bp::std_in < bp::null, bp::std_out > out, bp::std_err > err,
                make_env(unset, set));
    r.ran = true;
    if (!c.wait_for(std::chrono::milliseconds(timeout_ms))) {
      r.timed_out = true;
      c.terminate();
    }
    r.exit_code = c.exit_code();
  } catch (const std::exception& e) {
    r.ran = false;
    r.err = e.what();
  }
  r.out = read_back(out);
  std::string e = read_back(err);
  if (r.err.empty()) r.err = e;
  return r;
}

int run_interactive(const std::string& program, const std::vector<std::string>& args,
                    const std::vector<std::string>& unset) {
  std::string exe = find_tool(program);
  if (exe.empty()) return 127;
  try {
    bp::child c(bp::exe = exe, bp::args = args, make_env(unset, {}));
    c.wait();
    return c.exit_code();
  } catch (const std::exception&) {
    return 127;
  }
}

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

StartResult ReportFifo::wait(int timeout_ms, const std::function<bool()>& gone) {
  std::string report;
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) {
      StartResult r;
      r.error = "the wrapper did not report within " + std::to_string(timeout_ms / 1000) + "s";
      return r;
    }
    struct pollfd p = {fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      if (gone && gone()) return parse_report(report);
      continue;
    }
    char buf[512];
    ssize_t got = ::read(fd_.get(), buf, sizeof buf);
    if (got > 0) {
      report.append(buf, static_cast<size_t>(got));
      if (report.find('\n') != std::string::npos) return parse_report(report);
      continue;
    }
    if (got == 0 || (got < 0 && errno != EAGAIN)) return parse_report(report);  // writer closed
  }
}

}  // namespace spmi
