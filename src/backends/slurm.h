// Talking to Slurm: the sbatch options a task's [task.backend] asks for, and
// scontrol/scancel through Boost.Process (argument lists, never a shell
// string). Used by the slurm backend (submission, srun for connect) and by
// the CLI (a queued job's state, stop, kill). See docs/sphinx/slurm.rst.
#pragma once

#include <cstdint>
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

// What Slurm says about one job (`scontrol show job -o`).
struct SlurmJob {
  bool known = false;     // false: Slurm no longer knows the job (it left after MinJobAge)
  std::string state;      // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
  std::string reason;     // why it pends or ended: Resources, PartitionDown, NonZeroExitCode...
  std::string node;       // BatchHost ("" before it runs)
  int exit_code = -1;     // ExitCode=N:S of the batch script
  int exit_signal = 0;
  // "PENDING (PartitionDown)", "RUNNING on node1", "FAILED (exit 3)".
  std::string describe() const;
  // True while the job may still run (pending, running, completing, ...).
  bool active() const;
};

// Parses one line of `scontrol show job -o`.
SlurmJob parse_scontrol_job(const std::string& line);

// Asks Slurm about `job_id`. False with `err` when Slurm could not be asked
// (scontrol missing, controller unreachable); true with known=false when the
// job is unknown.
bool query_slurm_job(const std::string& job_id, SlurmJob* out, std::string* err);

// scancel `args...` `job_id`. False with `err` naming what failed.
bool run_scancel(const std::string& job_id, const std::vector<std::string>& args, std::string* err);

}  // namespace spmi
