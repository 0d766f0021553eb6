// The wrapper's state machine: phase x event -> actions. It serves both
// wrapper types: `default` is a watchdog whose restart policy is "never".
//
// Pure logic, no I/O: the poll loop in default_wrapper.cc turns kernel events
// (signalfd, the control FIFO, the stop deadline, the backoff timer) into
// events, feeds them here with the time, and carries out the actions
// returned. Tests drive it directly with a fake clock.
//
//   phase \ event  MainExited  ChildReaped NoChildren   Stop       Kill      Restart       Deadline  BackoffDone
//   Starting       -           -           -            -          -         -             -         -
//   Running        Draining    -           policy(1)    Stopping*  Killing*  Stopping*(r)  -         -
//   Draining       -           -           policy(1)    Stopping*  Killing*  Stopping*(r)  -         -
//   Stopping       (record)    resignal    end(2)       cancel r   Killing*  set r         Killing*  -
//   Killing        (record)    resignal    end(2)       cancel r   -         set r         -         -
//   Backoff        -           -           -            Exited     Exited    spawn         -         spawn
//   (* = signal the whole tree; Stopping also arms the deadline; r = restart pending)
//   (1) the restart policy decides: Exited, Backoff (timer armed) or GaveUp
//   (2) spawn again when a restart is pending, else Exited
//   Starting + Started -> Running; + StartFailed -> Failed on the first start,
//   else the policy decides as for a failed run. Tick re-signals while stopping.
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
  Tick,              // periodic re-sweep while stopping or killing
};

struct WrapperActions {
  bool write_state = false;
  int signal_tree = 0;        // signal for every process of the task (0: none)
  bool only_new = false;      // signal only processes not yet signalled
  bool arm_deadline = false;  // start the stop timeout now
  bool spawn = false;         // start the command (again)
  int64_t backoff_ms = -1;    // arm the restart timer (-1: none)
  bool exit = false;          // the wrapper's work is done
  std::string event;          // what happened, for the events file ("" = nothing to record)
  std::string reason;
};

class WrapperMachine {
 public:
  explicit WrapperMachine(int stop_signal, RestartPolicy policy = RestartPolicy(RestartSettings{}))
      : stop_signal_(stop_signal), policy_(std::move(policy)) {}

  Phase phase() const { return phase_; }
  // The signal that ended the tree after a stop request (0: it ended by itself).
  int ended_by() const { return ended_by_; }
  // "", "stop" or "kill".
  const std::string& stop_request() const { return stop_request_; }
  // How often the command was started again.
  int restarts() const { return restarts_; }
  // True while periodic re-sweeps are wanted (only during a stop).
  bool wants_ticks() const { return phase_ == Phase::Stopping || phase_ == Phase::Killing; }
  // The main process's end, recorded before feeding MainExited.
  void set_main_exit(int exit_code, int exit_signal) {
    exit_code_ = exit_code;
    exit_signal_ = exit_signal;
  }

  WrapperActions on(WrapperEvent e, int64_t now_ms);

 private:
  WrapperActions begin_kill();
  WrapperActions run_ended(int64_t now_ms);
  WrapperActions respawn(const char* event);

  int stop_signal_;
  RestartPolicy policy_;
  Phase phase_ = Phase::Starting;
  int ended_by_ = 0;
  std::string stop_request_;
  bool restart_pending_ = false;
  bool started_once_ = false;
  int restarts_ = 0;
  int64_t run_started_ms_ = 0;
  int exit_code_ = -1;
  int exit_signal_ = 0;
};

}  // namespace spmi
