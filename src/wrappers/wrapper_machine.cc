// Transitions of the default wrapper's state machine (table in the header).
#include "wrappers/wrapper_machine.h"

#include <csignal>

namespace spmi {

WrapperActions WrapperMachine::begin_kill() {
  WrapperActions a;
  phase_ = Phase::Killing;
  a.signal_tree = SIGKILL;
  a.write_state = true;
  return a;
}

WrapperActions WrapperMachine::on(WrapperEvent e) {
  WrapperActions a;
  switch (phase_) {
    case Phase::Starting:
      if (e == WrapperEvent::Started) {
        phase_ = Phase::Running;
        a.write_state = true;
      } else if (e == WrapperEvent::StartFailed) {
        phase_ = Phase::Failed;
        a.write_state = true;
        a.exit = true;
      }
      break;
    case Phase::Running:
    case Phase::Draining:
      if (e == WrapperEvent::MainExited && phase_ == Phase::Running) {
        phase_ = Phase::Draining;
        a.write_state = true;
      } else if (e == WrapperEvent::NoChildren) {
        phase_ = Phase::Exited;
        a.write_state = true;
        a.exit = true;
      } else if (e == WrapperEvent::StopRequested) {
        phase_ = Phase::Stopping;
        stop_request_ = "stop";
        a.signal_tree = stop_signal_;
        a.arm_deadline = true;
        a.write_state = true;
      } else if (e == WrapperEvent::KillRequested) {
        stop_request_ = "kill";
        a = begin_kill();
      }
      break;
    case Phase::Stopping:
      if (e == WrapperEvent::MainExited) {
        a.write_state = true;
      } else if (e == WrapperEvent::ChildReaped || e == WrapperEvent::Tick) {
        a.signal_tree = stop_signal_;
        a.only_new = true;
      } else if (e == WrapperEvent::NoChildren) {
        phase_ = Phase::Exited;
        ended_by_ = stop_signal_;
        a.write_state = true;
        a.exit = true;
      } else if (e == WrapperEvent::KillRequested) {
        stop_request_ = "kill";
        a = begin_kill();
      } else if (e == WrapperEvent::Deadline) {
        a = begin_kill();
      }
      break;
    case Phase::Killing:
      if (e == WrapperEvent::MainExited) {
        a.write_state = true;
      } else if (e == WrapperEvent::ChildReaped || e == WrapperEvent::Tick) {
        a.signal_tree = SIGKILL;
      } else if (e == WrapperEvent::NoChildren) {
        phase_ = Phase::Exited;
        ended_by_ = SIGKILL;
        a.write_state = true;
        a.exit = true;
      }
      break;
    case Phase::Exited:
    case Phase::Failed:
      break;
  }
  return a;
}

}  // namespace spmi
