// Running screen/tmux through Boost.Process, and the report FIFO.
#include "backends/multiplexer.h"

#include <boost/process.hpp>

#include <cerrno>
#include <cstdio>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "common/program_path.h"


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
  const char* path = std::getenv("PATH");
  return path ? find_in_path(program, path) : "";
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

// Boost.Process 1.74's environment lookup (find, behind erase and []) reads
// strlen(key) + 1 bytes of every entry, past the end of a shorter one
// (AddressSanitizer caught it with an 18-character name): only short names
// (TMUX, TMUX_PANE, STY, WINDOW) go through it. Callers that need to set a
// variable put `env NAME=value` in front of the command instead.
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
    // Boost.Process's wait_for (1.74) installs a process-wide SIGCHLD
    // handler and spins or hangs when several threads wait at once (spmi
    // start runs up to 8 backends in parallel): wait on a pidfd instead, and
    // let wait() only reap.
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, c.id(), 0)));
    struct pollfd p {pidfd.get(), POLLIN, 0};
    int n = -1;
    if (pidfd.valid()) {
      do {
        n = ::poll(&p, 1, timeout_ms);
      } while (n < 0 && errno == EINTR);
    }
    if (pidfd.valid() && n == 0) {
      r.timed_out = true;
      c.terminate();
    }
    c.wait();
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

}  // namespace spmi
