// Loading and applying descriptors to the state directory: writing a task
// read from a file (load, apply), and carrying out an apply plan (stop what
// changes, write the new definitions, remove what was pruned, start again
// what was running) (apply.cc). The plan itself is apply_plan.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lifecycle/apply_plan.h"
#include "lifecycle/deps.h"
#include "lifecycle/session.h"

namespace spmi {

// A task read from a descriptor file, with the file's text (kept in the task
// directory as descriptor.<format>).
struct LoadedTask {
  TaskSpec spec;
  std::string path;
  // The descriptor file's bytes, shared by all the tasks of that file.
  std::shared_ptr<const std::string> text;
  std::string format;
};

// Writes many tasks (store_task for each, `metadata_only[i]` for
// tasks[i]) on a few threads: their fsyncs wait on the disk together. The
// results are in the order of `tasks`, for the caller to report.
struct StoreResult {
  StoreWrite write = StoreWrite::Done;
  std::string err;
};
std::vector<StoreResult> store_tasks(const Store& store, const std::vector<const LoadedTask*>& tasks,
                                     const std::vector<bool>& metadata_only);

// Creates the task, or replaces the spec of a loaded one, which must be
// inactive with nothing left running (checked under its cli.lock), unless
// `metadata_only`: then only comment, tags, project or source differ and
// the task may run on.
StoreWrite store_task(const Store& store, const LoadedTask& task, const DescriptorCopy& copy, std::string* err,
                      bool metadata_only = false);

// Carries out `plan` for `loaded` (`stored`: the specs before it): stops
// what changes or goes (dependents first), writes the new and changed
// definitions, removes the pruned tasks and starts again the changed ones
// that were running (dependencies first). Reports each step. Returns false
// when a task could not be stopped, removed or started; `*worst_write` gets
// the worst store write (Failed over Conflict over Done).
bool carry_out_apply(const Session& s, const ApplyPlan& plan, const std::vector<LoadedTask>& loaded,
                     const TaskSpecs& stored, StoreWrite* worst_write);

}  // namespace spmi
