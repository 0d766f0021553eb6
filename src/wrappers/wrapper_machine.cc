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

WrapperActions WrapperMachine::begin_stop(const char* request, const char* event) {
  WrapperActions a;
  phase_ = Phase::Stopping;
  stop_request_ = request;
  a.signal_tree = stop_signal_;
  a.arm_deadline = true;
  a.write_state = true;
  a.event = event;
  return a;
}

// The command is about to be started again (a restart or a fire).
WrapperActions WrapperMachine::begin_run(const char* event) {
  WrapperActions a;
  phase_ = Phase::Starting;
  ended_by_ = 0;
  stop_request_.clear();
  restart_pending_ = forced_ = then_idle_ = false;
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
      phase_ = scheduled_ ? Phase::Scheduled : d.failed_start ? Phase::Failed : Phase::Exited;
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
      a.exit = !scheduled_;
      break;
  }
  return a;
}

// A run ended by itself: the restart policy decides what follows.
WrapperActions WrapperMachine::run_ended(int64_t now_ms) {
  return decided(policy_.on_run_ended(exit_code_, exit_signal_, run_started_ms_, now_ms), "exited");
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
        a.event = started_once_ && !scheduled_ ? "restarted" : "started";
        started_once_ = true;
      } else if (e == WrapperEvent::StartFailed) {
        if (!started_once_ && !scheduled_) {
          phase_ = Phase::Failed;
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
      break;
    case Phase::Running:
    case Phase::Draining:
      if (e == WrapperEvent::MainExited && phase_ == Phase::Running) {
        phase_ = Phase::Draining;
        a.write_state = true;
      } else if (e == WrapperEvent::NoChildren) {
        a = run_ended(now_ms);
      } else if (e == WrapperEvent::StopRequested) {
        a = begin_stop("stop", "stopping");
      } else if (e == WrapperEvent::KillRequested) {
        stop_request_ = "kill";
        a = begin_kill();
        a.event = "killing";
      } else if (e == WrapperEvent::RestartRequested) {
        restart_pending_ = true;
        policy_.reset();
        a = begin_stop("restart", "restart-requested");
      } else if (e == WrapperEvent::RunTimeout) {
        then_idle_ = true;
        a = begin_stop("max-runtime", "run-timeout");
        a.reason = "ran longer than max_runtime";
      } else if (e == WrapperEvent::ForceRestart) {
        forced_ = true;
        a = begin_stop("restart", "restart-forced");
        a.reason = force_reason_;
      } else if (e == WrapperEvent::Fire) {
        a = skip("the previous run is still going");
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
        if (forced_) {
          forced_ = false;
          return decided(policy_.on_forced_restart(run_started_ms_, now_ms, force_reason_), "stopped");
        }
        std::string ended = "ended by " + signal_name(ended_by_);
        if (then_idle_ && scheduled_) {
          then_idle_ = false;
          phase_ = Phase::Scheduled;
          a.write_state = true;
          a.event = "run-ended";
          a.reason = "stopped at max_runtime, " + ended;
          return a;
        }
        phase_ = Phase::Exited;
        a.write_state = true;
        a.exit = true;
        a.event = stop_request_ == "kill" ? "killed" : "stopped";
        a.reason = then_idle_ ? "stopped at max_runtime, " + ended : ended;
      } else if (e == WrapperEvent::StopRequested || e == WrapperEvent::KillRequested) {
        // "stop" means: do not start it again.
        restart_pending_ = forced_ = then_idle_ = false;
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
      } else if (e == WrapperEvent::Fire) {
        a = skip("the previous run is still stopping");
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
      if (e == WrapperEvent::Fire) return skip("the previous run is waiting to restart");
      if (e == WrapperEvent::StopRequested || e == WrapperEvent::KillRequested) {
        phase_ = Phase::Exited;
        stop_request_ = e == WrapperEvent::KillRequested ? "kill" : "stop";
        a.write_state = true;
        a.exit = true;
        a.event = "stopped";
        a.reason = "stopped while waiting to restart";
      }
      break;
    case Phase::Scheduled:
      if (e == WrapperEvent::Fire) return fire("scheduled");
      if (e == WrapperEvent::RestartRequested) return fire("spmi restart: run now");
      if (e == WrapperEvent::StopRequested || e == WrapperEvent::KillRequested || e == WrapperEvent::ScheduleEnded) {
        phase_ = Phase::Exited;
        a.write_state = true;
        a.exit = true;
        if (e == WrapperEvent::ScheduleEnded) {
          a.event = "schedule-ended";
          a.reason = "the schedule has no further fire";
        } else {
          stop_request_ = e == WrapperEvent::KillRequested ? "kill" : "stop";
          a.event = "stopped";
          a.reason = "stopped while waiting for the next fire";
        }
      }
      break;
    case Phase::Exited:
    case Phase::Failed:
    case Phase::GaveUp:
    case Phase::Queued:  // written by spmi start for a Slurm job, never a wrapper's phase
      break;
  }
  return a;
}

}  // namespace spmi
