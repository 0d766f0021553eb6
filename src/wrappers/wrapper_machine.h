// The default wrapper's state machine: phase x event -> actions.
//
// Pure logic, no I/O: the poll loop in default_wrapper.cc turns kernel events
// (signalfd, the control FIFO, the stop deadline) into Events, feeds them
// here, and carries out the Actions returned. Tests drive it directly.
//
//   phase \ event  MainExited  ChildReaped  NoChildren  Stop        Kill      Deadline  Tick
//   Running        Draining    -            Exited      Stopping*   Killing*  -         -
//   Draining       -           -            Exited      Stopping*   Killing*  -         -
//   Stopping       (record)    resignal     Exited      -           Killing*  Killing*  resignal
//   Killing        (record)    resignal     Exited      -           -         -         resignal
//   (* = signal the whole tree; Stopping also arms the deadline)
#pragma once

#include <string>

#include "common/task_state.h"

namespace spmi {

enum class WrapperEvent {
  Started,        // the command was executed
  StartFailed,    // the command could not be executed
  MainExited,     // the main process was reaped
  ChildReaped,    // another descendant was reaped, children remain
  NoChildren,     // nothing of the task is left
  StopRequested,  // spmi stop, or SIGTERM/SIGINT/SIGHUP to the wrapper
  KillRequested,  // spmi kill
  Deadline,       // the stop timeout ran out
  Tick,           // periodic re-sweep while stopping or killing
};

struct WrapperActions {
  bool write_state = false;
  int signal_tree = 0;        // signal for every process of the task (0: none)
  bool only_new = false;      // signal only processes not yet signalled
  bool arm_deadline = false;  // start the stop timeout now
  bool exit = false;          // the wrapper's work is done
};

class WrapperMachine {
 public:
  explicit WrapperMachine(int stop_signal) : stop_signal_(stop_signal) {}

  Phase phase() const { return phase_; }
  // The signal that ended the tree after a stop request (0: it ended by itself).
  int ended_by() const { return ended_by_; }
  // "", "stop" or "kill".
  const std::string& stop_request() const { return stop_request_; }
  // True while periodic re-sweeps are wanted (only during a stop).
  bool wants_ticks() const { return phase_ == Phase::Stopping || phase_ == Phase::Killing; }

  WrapperActions on(WrapperEvent e);

 private:
  WrapperActions begin_kill();

  int stop_signal_;
  Phase phase_ = Phase::Starting;
  int ended_by_ = 0;
  std::string stop_request_;
};

}  // namespace spmi
