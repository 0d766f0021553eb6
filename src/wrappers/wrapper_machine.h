// The wrapper's state machine: phase x event -> actions. It serves both
// wrapper types: `default` is a watchdog whose restart policy is "never" and
// which has no schedule, health check or limits.
//
// Pure logic, no I/O: the poll loop in wrapper.cc turns kernel events
// (signalfd, the control FIFO, timers, health checks) into events, feeds them
// here with the time, and carries out the actions returned. Tests drive it
// directly with a fake clock. Each row of the table is one handler
// (on_starting, on_running, on_stopping, on_backoff, on_scheduled). The
// table is included in docs/sphinx/design.rst: keep it between the markers.
//
// BEGIN TABLE
//   phase \ event  MainExited NoChildren  Stop      Kill      Restart      Deadline  Backoff  Fire      RunTimeout  Force        Reload
//   Running        Draining   policy(1)   Stopping* Killing*  Stopping*(r) -         -        skip      Stopping*(i) Stopping*(f) reload(4)
//   Draining       -          policy(1)   Stopping* Killing*  Stopping*(r) -         -        skip      Stopping*(i) Stopping*(f) reload(4)
//   Stopping       (record)   end(2)      clear     Killing*  set r        (3)       -        skip      -           -            -
//   Killing        (record)   end(2)      clear     -         set r        -         -        skip      -           -            -
//   Backoff        -          -           Exited    Exited    spawn        -         spawn    skip      -           -            reload(4)
//   Scheduled      -          -           Exited    Exited    spawn(run)   -         -        spawn     -           -            reload(4)
//   (* = signal the whole tree; Stopping also arms the deadline. With a
//   stop_command, Stopping* first runs the command (the deadline armed) and
//   signals nothing: StopCommandEnded sends the stop signal and arms the
//   deadline again; (3) a Deadline while the command runs cuts it and does
//   the same; a Deadline after it: Killing*)
//   (r) AfterStop::Respawn  (i) AfterStop::BackToIdle: Scheduled, or Exited
//   without a schedule  (f) AfterStop::PolicyRestart: the policy's backoff and
//   tolerance apply
//   (1) the restart policy decides: Backoff (timer armed), or the run is over:
//       Scheduled for a scheduled task, else Exited (or GaveUp; FailedToStart
//       when the run ended before min_uptime and is not restarted)
//   (4) the settings are re-read in these phases; the task gets its
//       reload_signal or reload_command only while it runs (no phase change)
//   (2) tree_ended carries out after_stop_: Respawn -> spawn; PolicyRestart
//       -> policy; BackToIdle -> Scheduled (or Exited); Exit -> Exited
//   Starting + Started -> Running; + StartFailed -> FailedToStart on the
//   first start of an unscheduled task, else a failed run (exit code 127).
//   Starting + Armed -> Scheduled (a scheduled task waits for its first fire);
//   Scheduled + ScheduleEnded -> Exited. ChildReaped/Tick send SIGKILL
//   again while killing (Stopping signals once: what a graceful shutdown
//   forks gets only the SIGKILL at the deadline). "clear" = a stop sets
//   after_stop_ back to Exit.
// END TABLE
#pragma once

#include <cstdint>
#include <string>

#include "common/task_state.h"
#include "wrappers/restart_policy.h"

namespace spmi {

enum class WrapperEvent {
  Started,           // the command was executed
  StartFailed,       // the command could not be executed
  MainExited,        // the main process was reaped (see set_main_exit)
  ChildReaped,       // another descendant was reaped, children remain
  NoChildren,        // nothing of the task is left
  StopRequested,     // spmi stop, or SIGTERM/SIGINT/SIGHUP to the wrapper
  KillRequested,     // spmi kill
  RestartRequested,  // spmi restart
  Deadline,          // the stop timeout ran out
  BackoffElapsed,    // the restart delay ran out
  Tick,              // periodic re-sweep while killing
  Armed,             // a scheduled task waits for its first fire
  Fire,              // the schedule fired
  ScheduleEnded,     // the schedule has no further fire (not_after)
  RunTimeout,        // the run took longer than max_runtime
  ForceRestart,      // the watchdog restarts the task (see set_force_reason)
  ReloadRequested,   // spmi reload (or apply of reloadable keys)
  StopCommandEnded,  // the stop_command finished (or could not run)
};

// What spmi (or a signal to the wrapper) asked of the current run; written
// to `state` as "", "stop", "kill", "restart" or "max-runtime".
enum class StopRequest : uint8_t { None, Stop, Kill, Restart, MaxRuntime };
const char* stop_request_name(StopRequest r);

// What follows once a stopped tree has ended (the "(r)", "(f)" and "(i)"
// of the table): the end of the wrapper, a restart in place, the restart
// policy's decision (a forced restart), or back to waiting for the next
// fire (max_runtime).
enum class AfterStop : uint8_t { Exit, Respawn, PolicyRestart, BackToIdle };

struct WrapperActions {
  bool write_state = false;
  int signal_tree = 0;        // signal for every process of the task (0: none)
  bool arm_deadline = false;  // start the stop timeout now
  bool disarm_deadline = false;  // the stop timeout no longer applies (killing now)
  bool spawn = false;         // start the command (again)
  int64_t backoff_ms = -1;    // arm the restart timer (-1: none)
  bool exit = false;          // the wrapper's work is done
  bool new_run = false;       // a scheduled fire: the last run's pid and exit are its own events
  bool run_stop_command = false;     // start the stop_command (the signal waits for its end)
  bool cancel_stop_command = false;  // cut the stop_command short (timeout, kill, the tree ended)
  bool reload = false;               // re-read the settings, then the reload signal or command
  std::string event;          // what happened, for the events file ("" = nothing to record)
  std::string reason;
  std::string note;           // for the state's note ("": leave it)
};

class WrapperMachine {
 public:
  explicit WrapperMachine(int stop_signal, RestartPolicy policy = RestartPolicy(RestartSettings{}),
                          bool scheduled = false)
      : stop_signal_(stop_signal), policy_(std::move(policy)), scheduled_(scheduled) {}

  Phase phase() const { return phase_; }
  // The signal that ended the tree after a stop request (0: it ended by itself).
  int ended_by() const { return ended_by_; }
  // "", "stop", "kill", "restart" or "max-runtime".
  std::string stop_request() const { return stop_request_name(stop_request_); }
  // How often the command was started again.
  int restarts() const { return restarts_; }
  // Scheduled tasks: how many fires ran, how many were skipped.
  int runs() const { return runs_; }
  int skipped() const { return skipped_; }
  // True while the command may be running (health checks and limits apply).
  bool run_active() const { return phase_ == Phase::Running || phase_ == Phase::Draining; }
  // True while periodic re-sweeps are wanted (only while killing).
  bool wants_ticks() const { return phase_ == Phase::Killing; }
  // The main process's end, recorded before feeding MainExited.
  void set_main_exit(int exit_code, int exit_signal) {
    exit_code_ = exit_code;
    exit_signal_ = exit_signal;
  }
  // Why the watchdog restarts the task, set before feeding ForceRestart.
  void set_force_reason(std::string why) { force_reason_ = std::move(why); }
  // The task has a stop_command: a stop runs it before the stop signal.
  void set_stop_command(bool has) { has_stop_command_ = has; }
  // A reload took new settings (reloadable keys, apply_plan.h).
  void set_stop_signal(int sig) { stop_signal_ = sig; }
  void set_restart_settings(const RestartSettings& s) { policy_.set_settings(s); }
  // True while the stop_command of a stop runs (nothing is signalled yet).
  bool stop_command_running() const { return phase_ == Phase::Stopping && stop_command_step_; }

  WrapperActions on(WrapperEvent e, int64_t now_ms);

  // What a Running machine with no stop in progress carries across the
  // wrapper's exec into its idle core and back (wrappers/resume_record.h).
  // The rest is the spec's or unused in that phase: the default wrapper's
  // policy is "never", and a stop, a backoff or a schedule keeps it awake.
  struct Snapshot {
    int restarts = 0, runs = 0, skipped = 0;
    int64_t run_started_ms = 0;  // monotonic (the clock survives exec)
    bool started_once = false;
  };
  Snapshot snapshot() const { return {restarts_, runs_, skipped_, run_started_ms_, started_once_}; }
  void resume_running(const Snapshot& s) {
    phase_ = Phase::Running;
    restarts_ = s.restarts;
    runs_ = s.runs;
    skipped_ = s.skipped;
    run_started_ms_ = s.run_started_ms;
    started_once_ = s.started_once;
  }

 private:
  // One handler per row of the table.
  WrapperActions on_starting(WrapperEvent e, int64_t now_ms);
  WrapperActions on_running(WrapperEvent e, int64_t now_ms);
  WrapperActions on_stopping(WrapperEvent e, int64_t now_ms);
  WrapperActions on_backoff(WrapperEvent e, int64_t now_ms);
  WrapperActions on_scheduled(WrapperEvent e);
  WrapperActions tree_ended(int64_t now_ms);

  WrapperActions begin_kill();
  WrapperActions signal_after_stop_command(const char* event, const char* reason);
  WrapperActions begin_stop(StopRequest request, const char* event);
  WrapperActions run_ended(int64_t now_ms);
  WrapperActions decided(const RestartDecision& d, const char* done_event);
  WrapperActions begin_run(const char* event);
  WrapperActions respawn(const char* event);
  WrapperActions fire(const char* reason);
  WrapperActions skip(const char* why);

  int stop_signal_;
  bool has_stop_command_ = false;
  bool stop_command_step_ = false;  // Stopping: the stop_command runs, the signal waits
  RestartPolicy policy_;
  bool scheduled_;
  Phase phase_ = Phase::Starting;
  int ended_by_ = 0;
  StopRequest stop_request_ = StopRequest::None;
  AfterStop after_stop_ = AfterStop::Exit;
  std::string force_reason_;
  bool started_once_ = false;
  int restarts_ = 0;
  int runs_ = 0;
  int skipped_ = 0;
  int64_t run_started_ms_ = 0;
  int exit_code_ = -1;
  int exit_signal_ = 0;
};

}  // namespace spmi
