// The screen backend: each task runs in its own GNU screen session named
// "spmi-<id>" (in $SCREENDIR, screen's own default otherwise). The wrapper
// is the session's window and records $STY ("<pid>.spmi-<id>"), the exact
// session to attach to: nothing is guessed from `screen -ls`.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "backends/multiplexer.h"
#include "backends/registry.h"
#include "backends/start_report.h"
#include "common/lock_file.h"

namespace spmi {

namespace {

// The user's name, for screen's default socket directory.
std::string user_name() {
  struct passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : std::to_string(::geteuid());
}

const char* kInstallHint = "the screen backend needs GNU screen; install it with 'apt-get install screen'";

class ScreenBackend : public Backend {
 public:
  StartResult start(const TaskSpec& spec, const std::string& task_dir) const override {
    StartResult r;
    std::string wrapper = find_wrapper_executable(spec.wrapper, &r.error);
    if (wrapper.empty()) return r;
    if (find_tool("screen").empty()) {
      r.error = kInstallHint;
      return r;
    }
    // screen's socket is <dir>/<pid>.spmi-<id>; a Unix socket path holds at
    // most 107 bytes, and screen fails late and quietly past that (tmux's
    // backend checks the same).
    const char* dir = std::getenv("SCREENDIR");
    std::string screen_dir = dir && *dir ? dir : "/run/screen/S-" + user_name();
    size_t longest = screen_dir.size() + 1 + 7 + 1 + 5 + spec.id.size();  // pids have at most 7 digits
    if (longest > 107) {
      r.error = "the screen socket path " + screen_dir + "/<pid>.spmi-" + spec.id + " can be " +
                std::to_string(longest) + " bytes, longer than a Unix socket allows (107); use a shorter SCREENDIR";
      return r;
    }
    ReportFifo report;
    if (!report.create(task_dir, &r.error)) return r;
    std::vector<std::pair<std::string, std::string>> set;
    const char* term = std::getenv("TERM");
    if (!term || !*term || std::string(term) == "dumb") set.emplace_back("TERM", "xterm-256color");
    // -dm: a new detached session; screen forks its server and returns. The
    // session inherits this process's environment, like the native backend.
    ToolResult t = run_tool("screen",
                            {"-dmS", "spmi-" + spec.id, "--", wrapper, "--report-fifo", report.path(), "--id-from", "STY", task_dir},
                            {"STY", "WINDOW"}, set);
    if (!t.ran || t.timed_out || t.exit_code != 0) {
      r.error = t.describe("screen");
      return r;
    }
    // If the window died before its wrapper could report, the wrapper's lock
    // was never taken; give it a moment to start before concluding that.
    std::string lock = task_dir + "/lock";
    int polls = 0;
    return report.wait(kStartReportTimeoutMs, [&] { return ++polls > 25 && probe_lock_file(lock) != LockProbe::Held; });
  }

  bool attaches(const TaskView&) const override { return true; }
  std::string attach_banner(const TaskView& v) const override {
    return Backend::attach_banner(v) + "; detach with Ctrl-a d";
  }
  int attach(const TaskView& v, std::string* err) const override {
    if (find_tool("screen").empty()) {
      *err = kInstallHint;
      return -1;
    }
    return run_interactive("screen", {"-r", v.state.backend_id}, {"STY", "WINDOW"});
  }
};

}  // namespace

const Backend& screen_backend() {
  static const ScreenBackend backend;
  return backend;
}

}  // namespace spmi
