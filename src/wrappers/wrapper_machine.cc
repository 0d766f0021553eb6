// Transitions of the wrapper's state machine (table in the header).
#include "wrappers/wrapper_machine.h"

#include <csignal>

#include "common/signals.h"

namespace spmi {

WrapperActions WrapperMachine::begin_kill() {
  WrapperActions a;
  phase_ = Phase::Killing;
  a.signal_tree = SIGKILL;
  a.write_state = true;
  return a;
}

WrapperActions WrapperMachine::respawn(const char* event) {
  WrapperActions a;
  phase_ = Phase::Starting;
  ++restarts_;
  ended_by_ = 0;
  stop_request_.clear();
  restart_pending_ = false;
  a.spawn = true;
  a.write_state = true;
  a.event = event;
  return a;
}

// A run ended by itself: the restart policy decides what follows.
WrapperActions WrapperMachine::run_ended(int64_t now_ms) {
  WrapperActions a;
  RestartDecision d = policy_.on_run_ended(exit_code_, exit_signal_, run_started_ms_, now_ms);
  a.write_state = true;
  a.reason = d.reason;
  switch (d.kind) {
    case RestartDecision::Stop:
      phase_ = Phase::Exited;
      a.event = "exited";
      a.exit = true;
      break;
    case RestartDecision::Restart:
      phase_ = Phase::Backoff;
      a.event = "restart-scheduled";
      a.backoff_ms = d.delay_ms;
      break;
    case RestartDecision::GiveUp:
      phase_ = Phase::GaveUp;
      a.event = "gave-up";
      a.exit = true;
      break;
  }
  return a;
}

WrapperActions WrapperMachine::on(WrapperEvent e, int64_t now_ms) {
  WrapperActions a;
  switch (phase_) {
    case Phase::Starting:
      if (e == WrapperEvent::Started) {
        phase_ = Phase::Running;
        run_started_ms_ = now_ms;
        exit_code_ = -1;
        exit_signal_ = 0;
        a.write_state = true;
        a.event = started_once_ ? "restarted" : "started";
        started_once_ = true;
      } else if (e == WrapperEvent::StartFailed) {
        if (!started_once_) {
          phase_ = Phase::Failed;
          a.write_state = true;
          a.exit = true;
          a.event = "failed-to-start";
        } else {
          // A restart that could not even exec counts as a failed run.
          exit_code_ = 127;
          exit_signal_ = 0;
          run_started_ms_ = now_ms;
          a = run_ended(now_ms);
        }
      }
      break;
    case Phase::Running:
    case Phase::Draining:
      if (e == WrapperEvent::MainExited && phase_ == Phase::Running) {
        phase_ = Phase::Draining;
        a.write_state = true;
      } else if (e == WrapperEvent::NoChildren) {
        a = run_ended(now_ms);
      } else if (e == WrapperEvent::StopRequested) {
        phase_ = Phase::Stopping;
        stop_request_ = "stop";
        a.signal_tree = stop_signal_;
        a.arm_deadline = true;
        a.write_state = true;
        a.event = "stopping";
      } else if (e == WrapperEvent::KillRequested) {
        stop_request_ = "kill";
        a = begin_kill();
        a.event = "killing";
      } else if (e == WrapperEvent::RestartRequested) {
        phase_ = Phase::Stopping;
        stop_request_ = "restart";
        restart_pending_ = true;
        policy_.reset();
        a.signal_tree = stop_signal_;
        a.arm_deadline = true;
        a.write_state = true;
        a.event = "restart-requested";
      }
      break;
    case Phase::Stopping:
    case Phase::Killing:
      if (e == WrapperEvent::MainExited) {
        a.write_state = true;
      } else if (e == WrapperEvent::ChildReaped || e == WrapperEvent::Tick) {
        a.signal_tree = phase_ == Phase::Killing ? SIGKILL : stop_signal_;
        a.only_new = phase_ == Phase::Stopping;
      } else if (e == WrapperEvent::NoChildren) {
        ended_by_ = phase_ == Phase::Killing ? SIGKILL : stop_signal_;
        if (restart_pending_) return respawn("restarting");
        phase_ = Phase::Exited;
        a.write_state = true;
        a.exit = true;
        a.event = stop_request_ == "kill" ? "killed" : "stopped";
        a.reason = "ended by " + signal_name(ended_by_);
      } else if (e == WrapperEvent::StopRequested || e == WrapperEvent::KillRequested) {
        // "stop" means: do not start it again.
        restart_pending_ = false;
        stop_request_ = e == WrapperEvent::KillRequested ? "kill" : "stop";
        if (e == WrapperEvent::KillRequested && phase_ == Phase::Stopping) {
          a = begin_kill();
          a.event = "killing";
        } else {
          a.write_state = true;
        }
      } else if (e == WrapperEvent::RestartRequested) {
        restart_pending_ = true;
      } else if (e == WrapperEvent::Deadline && phase_ == Phase::Stopping) {
        a = begin_kill();
        a.event = "stop-timeout";
        a.reason = "still running at the stop timeout: SIGKILL";
      }
      break;
    case Phase::Backoff:
      if (e == WrapperEvent::BackoffElapsed) {
        policy_.record_restart(now_ms);
        return respawn("restarting");
      }
      if (e == WrapperEvent::RestartRequested) {
        policy_.reset();
        return respawn("restarting");
      }
      if (e == WrapperEvent::StopRequested || e == WrapperEvent::KillRequested) {
        phase_ = Phase::Exited;
        stop_request_ = e == WrapperEvent::KillRequested ? "kill" : "stop";
        a.write_state = true;
        a.exit = true;
        a.event = "stopped";
        a.reason = "stopped while waiting to restart";
      }
      break;
    case Phase::Exited:
    case Phase::Failed:
    case Phase::GaveUp:
      break;
  }
  return a;
}

}  // namespace spmi
