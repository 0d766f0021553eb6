// The wrapper's stop_command and reload (common/control_commands.h), for
// both wrapper types. Each command runs as a clone child (health_probe.h):
// with the task's user, directory, limits and last environment plus
// MAINPID, outside the task's cgroup and tree, so it is never signalled as
// the task's and never keeps the task "alive". A stop runs the stop_command
// first (WrapperMachine's stop_command step) and sends the stop signal when
// it ends or at stop_timeout; a reload re-reads the reloadable settings from
// the spec, then sends reload_signal to the main process or runs
// reload_command, and records the outcome in the state (reloads,
// reloaded_at_ms, reload_error) and the events file.
#include <algorithm>
#include <cerrno>
#include <csignal>

extern char** environ;

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/fd.h"
#include "common/signals.h"
#include "wrappers/helper_env.h"
#include "wrappers/wrapper.h"

namespace spmi {

namespace {

// Where the helpers sit among the poll entries (a helper that is not
// running has fd -1 there, which poll ignores).
enum HelperSlot : size_t { kStopExit, kStopOutput, kReloadExit, kReloadOutput, kHelperSlots };

}  // namespace

HelperEnv Wrapper::helper_env() {
  ChildPlan plan = child_plan();
  return HelperEnv(plan.envp ? plan.envp : environ);
}

bool Wrapper::start_helper(HealthProbe* probe, const HelperCommand& command, int64_t timeout_ms, HelperEnv& env,
                           std::string* err) {
  ChildPlan plan = child_plan();
  plan.cgroup_procs = nullptr;  // not in the task's cgroup: a full one must not stop it
  plan.envp = env.envp();
  HealthSettings check;
  check.type = HealthType::Command;
  check.shell_command = command.shell_command;
  check.argv = command.argv;
  check.timeout_ms = timeout_ms;
  return probe->start(check, spec_.process.user, spec_.process.group, plan, "", monotonic_ms(), err);
}

bool Wrapper::start_control_command(HealthProbe* probe, const HelperCommand& command, int64_t timeout_ms,
                                    std::string* err) {
  HelperEnv env = helper_env();
  env.unset("MAINPID");
  if (state_.pid > 0 && !state_.main_exited) env.set("MAINPID", std::to_string(state_.pid));
  return start_helper(probe, command, timeout_ms, env, err);
}

std::vector<pid_t> Wrapper::helper_pids() const {
  std::vector<pid_t> out;
  if (compress_.running()) out.push_back(compress_.pid());
  if (pid_t p = features_.helper_pid(); p > 0) out.push_back(p);
  for (const HealthProbe* h : {&stop_cmd_, &reload_cmd_})
    if (h->running()) out.push_back(h->pid());
  return out;
}

// The machine entered its stop_command step: run it. One that cannot run
// is logged and the stop goes on with the signal at once.
bool Wrapper::start_stop_command() {
  reload_cmd_.cancel();  // a stop outranks a reload in progress
  std::string err;
  // The machine's stop deadline cuts it; the helper's own timeout is only a backstop.
  if (start_control_command(&stop_cmd_, spec_.control.stop, spec_.stop_timeout_ms + 60000, &err)) {
    log("running the stop_command (pid " + std::to_string(stop_cmd_.pid()) + ")");
    return true;
  }
  log("cannot run the stop_command: " + err);
  note_event("stop-command-failed", "could not run: " + err);
  return false;
}

void Wrapper::finish_stop_command(bool cut) {
  if (!stop_cmd_.running()) return;
  if (cut) {
    stop_cmd_.cancel();
    log("the stop_command was cut short");
    return;
  }
  std::string detail;
  bool ok = stop_cmd_.finish(&detail);
  log("the stop_command ended: " + detail);
  if (!ok) note_event("stop-command-failed", detail);
  handle(WrapperEvent::StopCommandEnded);
}

void Wrapper::reloaded(const std::string& outcome, const std::string& error) {
  state_.reloads += 1;
  state_.reloaded_at_ms = now_ms();
  state_.reload_error = error;
  log(error.empty() ? "reloaded: " + outcome : "reload failed: " + error);
  commit_event(error.empty() ? "reloaded" : "reload-failed", error.empty() ? outcome : error);
}

// spmi reload: the reloadable settings first (the keys apply_plan.h calls
// reloadable; the others are the same by then, or the spec is left alone),
// then what the task itself is asked.
void Wrapper::reload() {
  if (reload_cmd_.running()) {
    log("reload requested while the reload_command still runs: it counts for both");
    return;
  }
  std::string text, err, settings = "settings re-read";
  TaskSpec fresh;
  if (!read_state_file(path(task_files::kSpec), &text, &err) || !parse_spec(text, &fresh, &err)) {
    settings = "settings kept (" + path(task_files::kSpec) + ": " + err + ")";
    log("reload: cannot re-read the spec: " + err);
  } else {
    spec_.comment = fresh.comment;
    spec_.tags = fresh.tags;
    spec_.project = fresh.project;
    spec_.source = fresh.source;
    spec_.stop_signal = fresh.stop_signal;
    spec_.stop_timeout_ms = fresh.stop_timeout_ms;
    spec_.control = fresh.control;
    spec_.restart.mode = fresh.restart.mode;
    spec_.restart.success_exit_codes = fresh.restart.success_exit_codes;
    spec_.restart.delay_ms = fresh.restart.delay_ms;
    spec_.restart.max_delay_ms = fresh.restart.max_delay_ms;
    spec_.restart.reset_after_ms = fresh.restart.reset_after_ms;
    spec_.restart.max_restarts = fresh.restart.max_restarts;
    spec_.restart.window_ms = fresh.restart.window_ms;
    spec_.on_event = fresh.on_event;
    machine_.set_stop_signal(spec_.stop_signal);
    machine_.set_stop_command(spec_.control.stop.set());
    machine_.set_restart_settings(spec_.restart);
  }
  const ControlCommands& c = spec_.control;
  if (!machine_.run_active() && (c.reload.set() || c.reload_signal > 0))
    return reloaded(settings + "; the task is " + std::string(phase_name(machine_.phase())) + ", nothing signalled",
                    "");
  if (c.reload.set()) {
    if (!start_control_command(&reload_cmd_, c.reload, spec_.stop_timeout_ms, &err))
      return reloaded("", "the reload_command could not run: " + err);
    log("running the reload_command (pid " + std::to_string(reload_cmd_.pid()) + "; " + settings + ")");
    return;
  }
  if (c.reload_signal > 0) {
    if (state_.pid <= 0 || state_.main_exited)
      return reloaded("", "the main process has exited; " + signal_name(c.reload_signal) + " not sent");
    // The main process is unreaped (main_exited is false), so its pid is still its own.
    if (::kill(state_.pid, c.reload_signal) != 0)
      return reloaded("", "cannot send " + signal_name(c.reload_signal) + " to pid " + std::to_string(state_.pid) +
                              ": " + errno_text(errno));
    return reloaded(signal_name(c.reload_signal) + " sent to pid " + std::to_string(state_.pid) + "; " + settings, "");
  }
  reloaded(settings + " (no reload_signal or reload_command)", "");
}

void Wrapper::finish_reload_command(bool timed_out) {
  if (!reload_cmd_.running()) return;
  if (timed_out) {
    reload_cmd_.cancel();
    return reloaded("", "the reload_command was still running after " + format_duration_ms(spec_.stop_timeout_ms) +
                            " (stop_timeout): killed");
  }
  std::string detail;
  bool ok = reload_cmd_.finish(&detail);
  if (ok)
    reloaded("the reload_command succeeded: " + detail, "");
  else
    reloaded("", "the reload_command failed: " + detail);
}

void Wrapper::add_helper_pollfds(std::vector<struct pollfd>* fds) {
  fds->push_back({stop_cmd_.running() ? stop_cmd_.pidfd() : -1, POLLIN, 0});
  fds->push_back({stop_cmd_.running() ? stop_cmd_.output_fd() : -1, POLLIN, 0});
  fds->push_back({reload_cmd_.running() ? reload_cmd_.pidfd() : -1, POLLIN, 0});
  fds->push_back({reload_cmd_.running() ? reload_cmd_.output_fd() : -1, POLLIN, 0});
}

void Wrapper::handle_helpers(const std::vector<struct pollfd>& fds, size_t first) {
  if (first + kHelperSlots > fds.size()) return;
  if (fds[first + kStopOutput].revents) stop_cmd_.read_output();
  if (fds[first + kReloadOutput].revents) reload_cmd_.read_output();
  if (stop_cmd_.running() && fds[first + kStopExit].revents) finish_stop_command(false);
  if (reload_cmd_.running() && fds[first + kReloadExit].revents) finish_reload_command(false);
  if (reload_cmd_.running() && monotonic_ms() >= reload_cmd_.deadline_ms()) finish_reload_command(true);
}

}  // namespace spmi
