// Ending the job of a slurm task for `spmi stop` and `spmi kill`. A wrapper
// in a Slurm job may run on another node, where spmi's control FIFO and
// pidfds do not reach: requests go through scancel instead.
//
//   queued job (its wrapper has not started)   scancel J; spmi records
//                                              that the task never ran
//   wrapper running, stop                      scancel --batch --signal=TERM J:
//                                              the wrapper's own whole-tree
//                                              stop (stop_signal, SIGKILL at
//                                              stop_timeout)
//   wrapper running, kill                      scancel --batch --signal=USR1 J:
//                                              the wrapper SIGKILLs the tree
//   wrapper still there after the deadline     scancel J (Slurm ends the job)
#include "backends/slurm_backend.h"

#include <chrono>
#include <csignal>
#include <thread>

#include "backends/slurm.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"
#include "common/signals.h"

namespace spmi {

namespace {

// After a plain scancel Slurm sends SIGTERM, then SIGKILL after its KillWait
// (30 s by default): how long spmi waits for that.
constexpr int64_t kScancelWaitMs = 45000;

// Waits until Slurm no longer runs job `job` (or stops knowing it).
bool wait_job_gone(const std::string& job, int64_t deadline_ms, std::string* err) {
  for (;;) {
    SlurmJob j;
    std::string why;
    bool asked = query_slurm_job(job, &j, &why);
    if (asked && !j.active()) return true;
    if (monotonic_ms() >= deadline_ms) {
      *err = asked ? "Slurm job " + job + " is still " + j.describe() : why;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

bool SlurmBackend::request_end(const TaskView& v, EndRequest* req, const DebugSink& debug, std::string* err) const {
  const std::string& job = v.state.backend_id;
  req->requested_ms = monotonic_ms();
  bool ok = v.state.phase == Phase::Queued
                ? run_scancel(job, {}, err)
                : run_scancel(job, {"--batch", req->kill ? "--signal=USR1" : "--signal=TERM"}, err);
  if (!ok) *err = "cannot " + std::string(req->kill ? "kill" : "stop") + " Slurm job " + job + ": " + *err;
  else debug(v.id + ": " + (req->kill ? "kill" : "stop") + " requested from Slurm (job " + job + ")");
  return ok;
}

EndOutcome SlurmBackend::await_end(const Store& store, const TaskView& v, EndRequest& req,
                                   const DebugSink& debug) const {
  EndOutcome o;
  const bool kill = req.kill;
  const int64_t requested_ms = req.requested_ms;
  std::string* err = &o.error;
  const std::string& job = v.state.backend_id;
  const std::string state_path = store.task_file(v.id, task_files::kState);
  int64_t deadline = requested_ms + (kill ? 2000 : v.spec.stop_timeout_ms + 10000);
  bool escalated = v.state.phase == Phase::Queued;
  if (escalated) {
    // Cancelled while queued: wait until Slurm has let go of the job (a
    // wrapper that started meanwhile got Slurm's SIGTERM and ends too).
    if (!wait_job_gone(job, requested_ms + kScancelWaitMs, err)) return o;
    deadline = monotonic_ms() + kScancelWaitMs;
  }
  Fd lock = wait_wrapper_lock(store, v, deadline);
  if (!lock.valid() && !escalated) {
    // The wrapper did not finish: Slurm ends the whole job.
    debug(v.id + ": still running at the deadline; cancelling Slurm job " + job);
    escalated = true;
    if (!run_scancel(job, {}, err)) return o;
    lock = wait_wrapper_lock(store, v, monotonic_ms() + kScancelWaitMs);
  }
  if (!lock.valid()) {
    *err = "still running after waiting " + format_duration_ms(monotonic_ms() - requested_ms) + " (Slurm job " + job +
           "); see " + v.dir + "/wrapper.log";
    return o;
  }
  // The wrapper's lock is ours: whatever the state says now is final, unless
  // the wrapper never got to write it (queued, or ended by Slurm's SIGKILL).
  TaskState st;
  bool present = false;
  std::string ignored;
  store.read_state(v.id, &st, &present, &ignored);
  o.took_ms = monotonic_ms() - requested_ms;
  if (present && !phase_is_live(st.phase) && st.phase != Phase::Queued) {
    o.ok = true;
    o.signal = st.ended_by;
    return o;
  }
  // Queued by the view: submitted, or requeued by Slurm after its node
  // failed (the file still holds the lost run's state).
  bool never_ran = !present || st.phase == Phase::Queued || v.state.phase == Phase::Queued;
  if (!present) st = v.state;
  st.phase = Phase::Exited;
  st.finished_at_ms = now_ms();
  st.stop_request = kill ? "kill" : "stop";
  if (never_ran) {
    st.note = "Slurm job " + job + " was cancelled before the task started";
  } else {
    st.ended_by = SIGKILL;
    st.note = "the wrapper did not end in time; 'spmi " + std::string(kill ? "kill" : "stop") +
              "' cancelled Slurm job " + job;
  }
  if (!write_file_atomic(state_path, serialize_state(st), err, Durability::Volatile)) return o;
  o.ok = true;
  if (never_ran) o.how = "Slurm job " + job + " cancelled";
  else o.signal = SIGKILL;
  return o;
}

}  // namespace spmi
