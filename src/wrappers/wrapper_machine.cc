// Transitions of the wrapper's state machine (table in the header).
#include "wrappers/wrapper_machine.h"

#include <csignal>

#include "common/signals.h"

namespace spmi {

WrapperActions WrapperMachine::begin_kill() {
  WrapperActions a;
  if (stop_command_step_) {
    stop_command_step_ = false;
    a.cancel_stop_command = true;
  }
  phase_ = Phase::Killing;
  a.signal_tree = SIGKILL;
  a.disarm_deadline = true;
  a.write_state = true;
  return a;
}

const char* stop_request_name(StopRequest r) {
  switch (r) {
    case StopRequest::None: return "";
    case StopRequest::Stop: return "stop";
    case StopRequest::Kill: return "kill";
    case StopRequest::Restart: return "restart";
    case StopRequest::MaxRuntime: return "max-runtime";
  }
  return "";
}

WrapperActions WrapperMachine::begin_stop(StopRequest request, const char* event) {
  WrapperActions a;
  phase_ = Phase::Stopping;
  stop_request_ = request;
  a.arm_deadline = true;
  a.write_state = true;
  a.event = event;
  // The stop_command asks first; the signal follows its end.
  if (has_stop_command_) {
    stop_command_step_ = true;
    a.run_stop_command = true;
  } else {
    a.signal_tree = stop_signal_;
  }
  return a;
}

// The stop_command ended (or was cut at the deadline): the usual stop
// signal, with a fresh stop_timeout before SIGKILL.
WrapperActions WrapperMachine::signal_after_stop_command(const char* event, const char* reason) {
  WrapperActions a;
  stop_command_step_ = false;
  a.signal_tree = stop_signal_;
  a.arm_deadline = true;
  a.event = event;
  a.reason = reason;
  return a;
}

// The command is about to be started again (a restart or a fire).
WrapperActions WrapperMachine::begin_run(const char* event) {
  WrapperActions a;
  phase_ = Phase::Starting;
  ended_by_ = 0;
  stop_request_ = StopRequest::None;
  after_stop_ = AfterStop::Exit;
  a.spawn = true;
  a.write_state = true;
  a.event = event;
  return a;
}

WrapperActions WrapperMachine::respawn(const char* event) {
  ++restarts_;
  return begin_run(event);
}

// A scheduled run begins: a fresh restart budget for each fire.
WrapperActions WrapperMachine::fire(const char* reason) {
  ++runs_;
  policy_.reset();
  WrapperActions a = begin_run("fire");
  a.new_run = true;
  a.reason = reason;
  return a;
}

WrapperActions WrapperMachine::skip(const char* why) {
  WrapperActions a;
  ++skipped_;
  a.write_state = true;
  a.event = "skipped";
  a.reason = why;
  return a;
}

// Carries out a restart decision; `done_event` names a run that is over.
WrapperActions WrapperMachine::decided(const RestartDecision& d, const char* done_event) {
  WrapperActions a;
  a.write_state = true;
  a.reason = d.reason;
  switch (d.kind) {
    case RestartDecision::Stop:
      // A run shorter than min_uptime never counted as started.
      phase_ = scheduled_ ? Phase::Scheduled : d.failed_start ? Phase::FailedToStart : Phase::Exited;
      a.event = scheduled_ ? "run-ended" : d.failed_start ? "failed-to-start" : done_event;
      a.exit = !scheduled_;
      break;
    case RestartDecision::Restart:
      phase_ = Phase::Backoff;
      a.event = "restart-scheduled";
      a.backoff_ms = d.delay_ms;
      break;
    case RestartDecision::GiveUp:
      // A scheduled task gives up on this fire only; the next one runs.
      phase_ = scheduled_ ? Phase::Scheduled : Phase::GaveUp;
      a.event = "gave-up";
      if (!scheduled_) a.note = d.reason;
      a.exit = !scheduled_;
      break;
  }
  return a;
}

// A run ended by itself: the restart policy decides what follows.
WrapperActions WrapperMachine::run_ended(int64_t now_ms) {
  return decided(policy_.on_run_ended(exit_code_, exit_signal_, run_started_ms_, now_ms), "exited");
}

// One handler per row of the table in wrapper_machine.h.
WrapperActions WrapperMachine::on(WrapperEvent e, int64_t now_ms) {
  if (e == WrapperEvent::ReloadRequested) {
    // Settings are taken in any phase with no stop under way; the task
    // itself is signalled only while it runs (wrapper_control.cc).
    WrapperActions a;
    a.reload = phase_ == Phase::Running || phase_ == Phase::Draining || phase_ == Phase::Backoff ||
               phase_ == Phase::Scheduled;
    return a;
  }
  switch (phase_) {
    case Phase::Starting: return on_starting(e, now_ms);
    case Phase::Running:
    case Phase::Draining: return on_running(e, now_ms);
    case Phase::Stopping:
    case Phase::Killing: return on_stopping(e, now_ms);
    case Phase::Backoff: return on_backoff(e, now_ms);
    case Phase::Scheduled: return on_scheduled(e);
    case Phase::Exited:
    case Phase::FailedToStart:
    case Phase::GaveUp:
    case Phase::Queued:  // written by spmi start for a Slurm job, never a wrapper's phase
      break;
  }
  return {};
}

// Starting + Started -> Running; + StartFailed -> FailedToStart on the first
// start of an unscheduled task, else a failed run (exit code 127); + Armed
// -> Scheduled.
WrapperActions WrapperMachine::on_starting(WrapperEvent e, int64_t now_ms) {
  WrapperActions a;
  if (e == WrapperEvent::Started) {
    phase_ = Phase::Running;
    run_started_ms_ = now_ms;
    exit_code_ = -1;
    exit_signal_ = 0;
    a.write_state = true;
    a.event = started_once_ && !scheduled_ ? "restarted" : "started";
    started_once_ = true;
  } else if (e == WrapperEvent::StartFailed) {
    if (!started_once_ && !scheduled_) {
      phase_ = Phase::FailedToStart;
      a.write_state = true;
      a.exit = true;
      a.event = "failed-to-start";
    } else {
      // A restart (or a fire) that could not even exec counts as a failed run.
      exit_code_ = 127;
      exit_signal_ = 0;
      run_started_ms_ = now_ms;
      a = run_ended(now_ms);
    }
  } else if (e == WrapperEvent::Armed && scheduled_) {
    phase_ = Phase::Scheduled;
    a.write_state = true;
    a.event = "scheduled";
  }
  return a;
}

// Running, Draining: the run goes on until nothing of it is left, or a
// request or limit stops it.
WrapperActions WrapperMachine::on_running(WrapperEvent e, int64_t now_ms) {
  WrapperActions a;
  switch (e) {
    case WrapperEvent::MainExited:
      if (phase_ == Phase::Running) {
        phase_ = Phase::Draining;
        a.write_state = true;
      }
      break;
    case WrapperEvent::NoChildren: return run_ended(now_ms);
    case WrapperEvent::StopRequested: return begin_stop(StopRequest::Stop, "stopping");
    case WrapperEvent::KillRequested:
      stop_request_ = StopRequest::Kill;
      a = begin_kill();
      a.event = "killing";
      break;
    case WrapperEvent::RestartRequested:
      policy_.reset();
      a = begin_stop(StopRequest::Restart, "restart-requested");
      after_stop_ = AfterStop::Respawn;
      break;
    case WrapperEvent::RunTimeout:
      a = begin_stop(StopRequest::MaxRuntime, "run-timeout");
      after_stop_ = AfterStop::BackToIdle;
      a.reason = "ran longer than max_runtime";
      break;
    case WrapperEvent::ForceRestart:
      a = begin_stop(StopRequest::Restart, "restart-forced");
      after_stop_ = AfterStop::PolicyRestart;
      a.reason = force_reason_;
      break;
    case WrapperEvent::Fire: return skip("the previous run is still going");
    default: break;
  }
  return a;
}

// Stopping, Killing: the tree is being ended; what follows depends on
// after_stop_ (a restart, the policy, back to waiting for a fire, or the end).
WrapperActions WrapperMachine::on_stopping(WrapperEvent e, int64_t now_ms) {
  WrapperActions a;
  switch (e) {
    case WrapperEvent::MainExited: a.write_state = true; break;
    case WrapperEvent::ChildReaped:
    case WrapperEvent::Tick:
      // SIGKILL again for what was forked since; the stop signal went once.
      if (phase_ == Phase::Killing) a.signal_tree = SIGKILL;
      break;
    case WrapperEvent::StopCommandEnded:
      if (stop_command_step_) return signal_after_stop_command("", "");
      break;
    case WrapperEvent::NoChildren: {
      // The task ended while its stop_command ran: the command has nothing left to stop.
      bool cut = stop_command_step_;
      stop_command_step_ = false;
      a = tree_ended(now_ms);
      a.cancel_stop_command = a.cancel_stop_command || cut;
      return a;
    }
    case WrapperEvent::StopRequested:
    case WrapperEvent::KillRequested:
      // "stop" means: do not start it again.
      after_stop_ = AfterStop::Exit;
      stop_request_ = e == WrapperEvent::KillRequested ? StopRequest::Kill : StopRequest::Stop;
      if (e == WrapperEvent::KillRequested && phase_ == Phase::Stopping) {
        a = begin_kill();
        a.event = "killing";
      } else {
        a.write_state = true;
      }
      break;
    case WrapperEvent::RestartRequested: after_stop_ = AfterStop::Respawn; break;
    case WrapperEvent::Deadline:
      if (stop_command_step_) {
        a = signal_after_stop_command("stop-command-timeout", "the stop_command was still running at the stop timeout: cut, then the stop signal");
        a.cancel_stop_command = true;
      } else if (phase_ == Phase::Stopping) {
        a = begin_kill();
        a.event = "stop-timeout";
        a.reason = "still running at the stop timeout: SIGKILL";
      }
      break;
    case WrapperEvent::Fire: return skip("the previous run is still stopping");
    default: break;
  }
  return a;
}

// Nothing of the stopped tree is left: carry out after_stop_.
WrapperActions WrapperMachine::tree_ended(int64_t now_ms) {
  WrapperActions a;
  ended_by_ = phase_ == Phase::Killing ? SIGKILL : stop_signal_;
  std::string ended = "ended by " + signal_name(ended_by_);
  switch (after_stop_) {
    case AfterStop::Respawn: return respawn("restarting");
    case AfterStop::PolicyRestart:
      after_stop_ = AfterStop::Exit;
      return decided(policy_.on_forced_restart(run_started_ms_, now_ms, force_reason_), "stopped");
    case AfterStop::BackToIdle:
      after_stop_ = AfterStop::Exit;
      if (scheduled_) {
        phase_ = Phase::Scheduled;
        a.write_state = true;
        a.event = "run-ended";
        a.reason = "stopped at max_runtime, " + ended;
        return a;
      }
      phase_ = Phase::Exited;
      a.write_state = true;
      a.exit = true;
      a.event = "stopped";
      a.reason = "stopped at max_runtime, " + ended;
      return a;
    case AfterStop::Exit: break;
  }
  phase_ = Phase::Exited;
  a.write_state = true;
  a.exit = true;
  a.event = stop_request_ == StopRequest::Kill ? "killed" : "stopped";
  a.reason = ended;
  return a;
}

// Backoff: waiting for the restart delay.
WrapperActions WrapperMachine::on_backoff(WrapperEvent e, int64_t now_ms) {
  WrapperActions a;
  switch (e) {
    case WrapperEvent::BackoffElapsed:
      policy_.record_restart(now_ms);
      return respawn("restarting");
    case WrapperEvent::RestartRequested:
      policy_.reset();
      return respawn("restarting");
    case WrapperEvent::Fire: return skip("the previous run is waiting to restart");
    case WrapperEvent::StopRequested:
    case WrapperEvent::KillRequested:
      phase_ = Phase::Exited;
      stop_request_ = e == WrapperEvent::KillRequested ? StopRequest::Kill : StopRequest::Stop;
      a.write_state = true;
      a.exit = true;
      a.event = "stopped";
      a.reason = "stopped while waiting to restart";
      break;
    default: break;
  }
  return a;
}

// Scheduled: waiting for the next fire.
WrapperActions WrapperMachine::on_scheduled(WrapperEvent e) {
  WrapperActions a;
  switch (e) {
    case WrapperEvent::Fire: return fire("scheduled");
    case WrapperEvent::RestartRequested: return fire("spmi restart: run now");
    case WrapperEvent::StopRequested:
    case WrapperEvent::KillRequested:
    case WrapperEvent::ScheduleEnded:
      phase_ = Phase::Exited;
      a.write_state = true;
      a.exit = true;
      if (e == WrapperEvent::ScheduleEnded) {
        a.event = "schedule-ended";
        a.reason = "the schedule has no further fire";
      } else {
        stop_request_ = e == WrapperEvent::KillRequested ? StopRequest::Kill : StopRequest::Stop;
        a.event = "stopped";
        a.reason = "stopped while waiting for the next fire";
      }
      break;
    default: break;
  }
  return a;
}

}  // namespace spmi
