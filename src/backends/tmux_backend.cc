// The tmux backend: each task runs in its own session of a tmux server that
// belongs to spmi: socket <SPMI_PATH>/.tmux.sock, started with -f /dev/null,
// so the user's default server, sessions and options are never touched.
// The wrapper runs as the session's only pane and records $TMUX_PANE.
#include <cstdlib>
#include <functional>
#include <unistd.h>

#include "backends/multiplexer.h"
#include "backends/registry.h"
#include "backends/start_report.h"
#include "common/atomic_file.h"
#include "common/proc.h"

extern char** environ;

namespace spmi {

// The socket of spmi's tmux server for the state directory `root`.
std::string tmux_socket(const std::string& root) { return root + "/.tmux.sock"; }  // hidden: never a task id

// The session name of task `id`: "spmi-<id>", with '.' (which tmux does not
// allow) turned into '_' and a short hash added so names stay unique.
std::string tmux_session_name(const std::string& id) {
  std::string name = "spmi-" + id;
  if (id.find('.') == std::string::npos) return name;
  for (char& c : name)
    if (c == '.') c = '_';
  char hash[16];
  std::snprintf(hash, sizeof hash, "-%06zx", std::hash<std::string>{}(id) & 0xffffff);
  return name + hash;
}

namespace {

const char* kInstallHint = "the tmux backend needs tmux; install it with 'apt-get install tmux'";

class TmuxBackend : public Backend {
 public:
  StartResult start(const TaskSpec& spec, const std::string& task_dir) const override {
    StartResult r;
    std::string wrapper = find_wrapper_executable(spec.wrapper, &r.error);
    if (wrapper.empty()) return r;
    if (find_tool("tmux").empty()) {
      r.error = kInstallHint;
      return r;
    }
    std::string socket = tmux_socket(dir_name(task_dir));
    if (socket.size() > 100) {
      r.error = "the tmux socket path " + socket + " is too long for a Unix socket; use a shorter SPMI_PATH";
      return r;
    }
    ReportFifo report;
    if (!report.create(task_dir, &r.error)) return r;
    // The task gets the environment of this `spmi start`, as on the native
    // backend, not the tmux server's (which is that of whoever started it).
    // It goes through a private file, not tmux's command line, which any
    // user could read with ps.
    std::string env_text;
    for (char** e = environ; *e; ++e) {
      std::string var = *e;
      if (var.rfind("TMUX=", 0) == 0 || var.rfind("TMUX_PANE=", 0) == 0) continue;
      env_text += var;
      env_text += '\0';
    }
    std::string env_file = task_dir + "/start.env";
    if (!write_file_atomic(env_file, env_text, &r.error)) return r;
    std::vector<std::string> args = {"-S", socket, "-f", "/dev/null", "new-session", "-d", "-s",
                                     tmux_session_name(spec.id), "-x", "200", "-y", "50", "-c", "/",
                                     "-P", "-F", "#{pane_pid}",
                                     "--", wrapper, "--report-fifo", report.path(), "--env-file", env_file,
                                     "--id-from", "TMUX_PANE", task_dir};
    ToolResult t = run_tool("tmux", args, {"TMUX", "TMUX_PANE"});
    if (!t.ran || t.timed_out || t.exit_code != 0) {
      ::unlink(env_file.c_str());
      r.error = t.describe("tmux");
      return r;
    }
    long long pane_pid = std::atoll(t.out.c_str());
    unsigned long long ticks = pane_pid > 0 ? proc_start_ticks(static_cast<pid_t>(pane_pid)) : 0;
    return report.wait(kStartReportTimeoutMs, [&] {
      return pane_pid > 0 && !process_running(static_cast<pid_t>(pane_pid), ticks);
    });
  }

  bool attaches(const TaskView&) const override { return true; }
  std::string attach_banner(const TaskView& v) const override {
    return Backend::attach_banner(v) + "; detach with Ctrl-b d";
  }
  int attach(const TaskView& v, std::string* err) const override {
    if (find_tool("tmux").empty()) {
      *err = kInstallHint;
      return -1;
    }
    // attach-session takes a pane id (%N) as its target and opens its session.
    return run_interactive("tmux", {"-S", tmux_socket(dir_name(v.dir)), "attach-session", "-t", v.state.backend_id},
                           {"TMUX", "TMUX_PANE"});
  }
};

}  // namespace

const Backend& tmux_backend() {
  static const TmuxBackend backend;
  return backend;
}

}  // namespace spmi
