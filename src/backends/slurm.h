// Talking to Slurm: the sbatch options a task's [task.backend] asks for, and
// scontrol/scancel through Boost.Process (argument lists, never a shell
// string). Used by the slurm backend (submission, srun for connect) and by
// the CLI (a queued job's state, stop, kill). See docs/sphinx/slurm.rst.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/slurm_settings.h"

namespace spmi {

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
