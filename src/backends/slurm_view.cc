// What Slurm says of a slurm task that no wrapper holds here (see
// Backend::refine_view): queued, or its job ended without the wrapper
// recording it.
#include <unistd.h>

#include "backends/slurm.h"
#include "backends/slurm_backend.h"
#include "common/lock_file.h"

namespace spmi {

// A Slurm task whose wrapper holds no lock: queued, or its job ended without
// the wrapper recording it. Slurm says which. `false` when the state file
// changed meanwhile (the wrapper started, or ended): inspect again.
bool SlurmBackend::refine_view(const Store& store, TaskView& v) const {
  const std::string& job = v.state.backend_id;
  SlurmJob j;
  std::string err;
  bool asked = !job.empty() && query_slurm_job(job, &j, &err);
  if (job.empty()) err = "no job id recorded";
  if (!asked) {
    // Unknown is not ended: a second start could submit a second job.
    v.backend_status = "Slurm job " + job + ": unknown (" + err + ")";
    v.condition = v.state.phase == Phase::Queued ? TaskCondition::Active : TaskCondition::WrapperLost;
    return true;
  }
  v.backend_status = "Slurm job " + job + ": " + j.describe();
  if (j.active() && v.state.phase == Phase::Queued) {
    if (j.state == "RUNNING") v.backend_status += "; its wrapper is starting";
    v.condition = TaskCondition::Active;
    return true;
  }
  // Ended (or gone): did the wrapper write meanwhile?
  TaskState now;
  bool present = false;
  if (store.read_state(v.id, &now, &present, &err) && present &&
      (now.phase != v.state.phase || now.backend_id != v.state.backend_id || now.run_id != v.state.run_id))
    return false;
  if (probe_lock_file(store.task_file(v.id, task_files::kLock)) == LockProbe::Held) return false;
  if (v.state.phase != Phase::Queued) {
    v.condition = TaskCondition::WrapperLost;
    v.state.note = j.active() ? "its wrapper is gone while the Slurm job is still " + j.describe()
                              : "the Slurm job ended (" + j.describe() + ") without its wrapper recording the end";
    return true;
  }
  std::string out = v.dir + "/slurm-" + job + ".out";
  std::string why = "Slurm job " + job + " ended before its wrapper started (" + j.describe() + ")";
  if (j.exit_code == 97 || (j.known && j.state != "CANCELLED" && ::access(out.c_str(), F_OK) != 0))
    why += ": the compute node does not see " + v.dir +
           " ($SPMI_PATH must be on a file system shared with the compute nodes)";
  else
    why += "; see " + out;
  v.condition = TaskCondition::FailedToStart;
  v.state.phase = Phase::FailedToStart;
  v.state.error = why;
  if (!v.state.finished_at_ms) v.state.finished_at_ms = v.state.started_at_ms;
  return true;
}

}  // namespace spmi
