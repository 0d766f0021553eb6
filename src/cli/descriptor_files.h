// Reading the descriptor files of `load` and `apply` (printing every
// problem), and the exit code of writing their tasks (lifecycle/apply.h).
#pragma once

#include <string>
#include <vector>

#include "cli/output.h"
#include "common/task_spec.h"
#include "lifecycle/apply.h"

namespace spmi {

// Reads and validates every file; an id defined in two files is a problem.
// Prints every problem, then "<refusal>: N problem(s) in M file(s)". False
// when there was any. Log paths inside `state_root` are problems.
bool read_task_files(const std::vector<std::string>& paths, std::vector<LoadedTask>* out, const std::string& refusal,
                     const std::string& state_root);

// The exit code of a store write: 0, 1 (a conflict) or 4 (the system refused).
int store_exit_code(StoreWrite w);

}  // namespace spmi
