// Talking to Slurm: the sbatch options a task's [task.backend] asks for, and
// squeue/scancel through Boost.Process (argument lists, never a shell
// string). Used by the slurm backend (submission, srun for connect) and by
// the CLI (a queued job's state, stop, kill). See docs/sphinx/slurm.rst.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/task_spec.h"

namespace spmi {

// The job's options ([task.backend] of a slurm task), as validated at load.
// Unset: empty string, 0. In the spec they are the task's backend options
// (TaskSpec::backend_options, slurm_* keys; state/schema.md).
struct SlurmSettings {
  std::string partition;
  int64_t time_ms = 0;    // --time (rounded up to whole minutes)
  int cpus = 0;           // --cpus-per-task
  int64_t mem_bytes = 0;  // --mem (rounded up to whole MiB)
  int nodes = 0;          // --nodes
  std::string account;
  std::string qos;
  std::string constraint;
  std::string nodelist;  // --nodelist: only these nodes (a Slurm hostlist, "node[1-3],gpu7")
  std::string exclude;   // --exclude: never these nodes
  // --requeue when true, else --no-requeue: whether Slurm may run the job
  // again by itself (after its node failed, or preemption). spmi decides
  // when a task runs again, so by default Slurm may not.
  bool requeue = false;
  std::vector<std::string> extra_args;  // passed to sbatch as they are
};


// The settings stored in `spec`'s backend options, and back (slurm_options.cc).
SlurmSettings slurm_settings(const TaskSpec& spec);
void store_slurm_settings(const SlurmSettings& settings, TaskSpec* spec);

// ms -> sbatch's "D-HH:MM:SS", rounded up to whole minutes (Slurm's unit).
std::string sbatch_time(int64_t ms);
// The sbatch options for `s`: --partition=..., --time=..., ..., then extra_args.
std::vector<std::string> sbatch_options(const SlurmSettings& s);
// True when `arg` (one of extra_args) is an sbatch option spmi sets itself or
// that would break the task's job (--output, --job-name, --wrap, --array, ...);
// `name` gets the option's canonical name.
bool reserved_sbatch_option(std::string_view arg, std::string* name);

// What Slurm says about one job (a line of `squeue`, see query_slurm_jobs).
struct SlurmJob {
  bool known = false;     // false: Slurm no longer knows the job (it left after MinJobAge)
  std::string state;      // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ...
  std::string reason;     // why it pends or ended: Resources, PartitionDown, NonZeroExitCode, NodeDown...
  std::string node;       // BatchHost ("" before it runs)
  int exit_code = -1;     // the batch script's exit code, -1 when not known
  int exit_signal = 0;    // or the signal that ended it
  // "PENDING (PartitionDown)", "RUNNING on node1", "FAILED (exit 3)".
  std::string describe() const;
  // True while the job may still run (pending, running, completing, ...).
  bool active() const;
};

// The squeue fields spmi asks for, '|'-separated: job id, state, reason,
// batch host, exit status (a wait status: code << 8 | signal).
inline constexpr const char* kSqueueFormat = "JobID:|,State:|,Reason:|,BatchHost:|,exit_code:|";
// Parses one line of squeue --Format=kSqueueFormat; `job_id` gets the id
// ("" when the line is not one).
SlurmJob parse_squeue_line(const std::string& line, std::string* job_id);

// Asks Slurm about every job in `job_ids` at once: one squeue, however many
// (`spmi list` of 100 queued tasks asks once, not 100 times). `out` gets a
// known job for each id Slurm still knows (pending, running, or ended less
// than MinJobAge ago); the others are absent. False with `err` when Slurm
// could not be asked (squeue missing, controller unreachable).
bool query_slurm_jobs(const std::vector<std::string>& job_ids, std::map<std::string, SlurmJob>* out,
                      std::string* err);
// The same for one job: known=false when Slurm no longer knows it.
bool query_slurm_job(const std::string& job_id, SlurmJob* out, std::string* err);

// scancel `args...` `job_id`. False with `err` naming what failed.
bool run_scancel(const std::string& job_id, const std::vector<std::string>& args, std::string* err);

}  // namespace spmi
