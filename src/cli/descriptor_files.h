// Reading the descriptor files of `load` and `apply` (printing every
// problem), and the exit code of writing their tasks (lifecycle/apply.h).
#pragma once

#include <string>
#include <vector>

#include "cli/output.h"
#include "common/task_spec.h"
#include "lifecycle/apply.h"
#include "manageables/tree.h"

namespace spmi {

// Reads and validates every file; an id defined in two files is a problem.
// Prints every problem, then "<refusal>: N problem(s) in M file(s)". False
// when there was any. Log paths inside `state_root` are problems. What
// check_host finds is printed as warnings.
bool read_task_files(const std::vector<std::string>& paths, std::vector<LoadedTask>* out, const std::string& refusal,
                     const std::string& state_root);

// What only this machine can tell about `spec` (from `doc`): that the
// command's program (argv's, or a plain shell string's first word) exists
// and is executable with the task's PATH, that the working directory, the
// env file and @file: secrets exist. validate reports them as problems,
// load and apply as warnings.
void check_host(const Document& doc, const TaskSpec& spec, std::vector<Diagnostic>* diags);

// The exit code of a store write: 0, 1 (a conflict) or 4 (the system refused).
int store_exit_code(StoreWrite w);

}  // namespace spmi
