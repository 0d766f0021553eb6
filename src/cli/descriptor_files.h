// Reading the descriptor files of `load` and `apply`, and writing their
// tasks into the state directory.
#pragma once

#include <string>
#include <vector>

#include "cli/output.h"
#include "common/task_spec.h"

namespace spmi {

// A task read from a descriptor file, with the file's text (kept in the task
// directory as descriptor.<format>).
struct LoadedTask {
  TaskSpec spec;
  std::string path;
  std::string text;
  std::string format;
};

// Reads and validates every file; an id defined in two files is a problem.
// Prints every problem, then "<refusal>: N problem(s) in M file(s)". False
// when there was any. Log paths inside `state_root` are problems.
bool read_task_files(const std::vector<std::string>& paths, std::vector<LoadedTask>* out, const std::string& refusal,
                     const std::string& state_root);

// Creates the task, or replaces the spec of a loaded one, which must be
// inactive with nothing left running (checked under its cli.lock).
StoreWrite store_task(const Context& ctx, const LoadedTask& task, std::string* err);
// The exit code of a store write: 0, 1 (a conflict) or 4 (the system refused).
int store_exit_code(StoreWrite w);

}  // namespace spmi
