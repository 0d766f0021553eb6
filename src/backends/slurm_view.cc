// What Slurm says of the slurm tasks that no wrapper holds here (see
// Backend::refine_views): queued, requeued, still running on a node whose
// wrapper is gone, or ended without the wrapper recording it. One squeue
// answers for all of them.
#include <unistd.h>

#include "backends/slurm.h"
#include "backends/slurm_backend.h"
#include "common/lock_file.h"

namespace spmi {

namespace {

// `v` with Slurm's word on its job `j` (`asked`: Slurm answered; else `err`
// says why not). False when the task's files changed meanwhile (the wrapper
// started, or ended): inspect it again.
bool refine_one(const Store& store, TaskView& v, bool asked, const SlurmJob& j, const std::string& err) {
  const std::string& job = v.state.backend_id;
  if (job.empty() || !asked) {
    // Unknown is not ended: a second start could submit a second job.
    v.backend_status = "Slurm job " + job + ": unknown (" + (job.empty() ? "no job id recorded" : err) + ")";
    v.condition = v.state.phase == Phase::Queued ? TaskCondition::Active : TaskCondition::WrapperLost;
    if (v.state.phase != Phase::Queued && !job.empty()) {  // without a job id there is nothing to end
      v.backend_running = true;
      v.state.note = "its wrapper is gone and Slurm cannot say whether job " + job + " still runs";
    }
    return true;
  }
  v.backend_status = "Slurm job " + job + ": " + j.describe();
  if (j.active() && v.state.phase == Phase::Queued) {
    if (j.state == "RUNNING") v.backend_status += "; its wrapper is starting";
    v.condition = TaskCondition::Active;
    return true;
  }
  // Ended (or gone), or a run whose wrapper is gone: did the wrapper write
  // meanwhile?
  TaskState now;
  bool present = false;
  std::string why;
  if (store.read_state(v.id, &now, &present, &why) && present &&
      (now.phase != v.state.phase || now.backend_id != v.state.backend_id || now.run_id != v.state.run_id))
    return false;
  if (probe_lock_file(store.task_file(v.id, task_files::kLock)) == LockProbe::Held) return false;
  const std::string& host = v.state.host;
  const std::string where = host.empty() ? "" : " on " + host;
  if (v.state.phase != Phase::Queued && j.active() && j.state == "PENDING") {
    // The run's wrapper was lost (its node failed) and Slurm requeued the
    // job (requeue = true): it waits to run again, as if just submitted.
    v.condition = TaskCondition::Active;
    v.state.phase = Phase::Queued;
    v.state.pid = 0;
    v.backend_status += "; requeued by Slurm after the wrapper" + where + " was lost";
    return true;
  }
  if (v.state.phase != Phase::Queued) {
    v.condition = TaskCondition::WrapperLost;
    v.backend_running = j.active();
    v.state.note = j.active() ? "its wrapper" + where + " is gone while Slurm job " + job + " is still " +
                                    j.describe() + " (Slurm marks a node that died down after its SlurmdTimeout)"
                   : j.state == "NODE_FAIL" ? "its node" + (host.empty() ? "" : " " + host) +
                                                  " failed: Slurm ended job " + job + " (" + j.describe() +
                                                  "); nothing of that run is left"
                                            : "the Slurm job ended (" + j.describe() +
                                                  ") without its wrapper recording the end";
    return true;
  }
  std::string out = v.dir + "/slurm-" + job + ".out";
  std::string ended = "Slurm job " + job + " ended before its wrapper started (" + j.describe() + ")";
  if (j.exit_code == 97 || (j.known && j.state != "CANCELLED" && j.state != "NODE_FAIL" && ::access(out.c_str(), F_OK) != 0))
    ended += ": the compute node does not see " + v.dir +
             " ($SPMI_PATH must be on a file system shared with the compute nodes)";
  else
    ended += "; see " + out;
  v.condition = TaskCondition::FailedToStart;
  v.state.phase = Phase::FailedToStart;
  v.state.error = ended;
  if (!v.state.finished_at_ms) v.state.finished_at_ms = v.state.started_at_ms;
  return true;
}

}  // namespace

void SlurmBackend::refine_views(const Store& store, const std::vector<TaskView*>& views,
                                std::vector<TaskView*>* changed) const {
  std::vector<std::string> ids;
  for (const TaskView* v : views)
    if (!v->state.backend_id.empty()) ids.push_back(v->state.backend_id);
  std::map<std::string, SlurmJob> jobs;
  std::string err;
  bool asked = query_slurm_jobs(ids, &jobs, &err);
  for (TaskView* v : views) {
    auto it = jobs.find(v->state.backend_id);
    if (!refine_one(store, *v, asked, it == jobs.end() ? SlurmJob{} : it->second, err)) changed->push_back(v);
  }
}

}  // namespace spmi
