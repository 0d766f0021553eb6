// The Slurm backend's job options ([task.backend] of a task whose backend
// type is "slurm"), as validated at load and stored in the spec (slurm_*
// keys, state/schema.md). Unset: empty string, 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spmi {

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

}  // namespace spmi
