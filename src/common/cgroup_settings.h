// A task's cgroup settings, from [task.wrapper] (cgroup, cpu_max,
// memory_max, memory_swap_max, pids_max): whether it gets a cgroup of its
// own where one can be made, and the hard limits the kernel enforces in it.
// Stored in the spec (state/schema.md); applied by the wrapper (cgroup.h).
#pragma once

#include <cstdint>

namespace spmi {

struct CgroupSettings {
  bool enabled = true;            // `cgroup = false` opts out (then no limit may be set)
  int64_t memory_max = 0;         // bytes; 0: no limit
  int64_t memory_swap_max = -1;   // bytes of swap besides memory_max; -1: not limited
  int64_t cpu_max_millicores = 0; // 1000 = one core; 0: no limit
  int64_t pids_max = 0;           // 0: no limit

  bool any_limit() const { return memory_max > 0 || memory_swap_max >= 0 || cpu_max_millicores > 0 || pids_max > 0; }
};

}  // namespace spmi
