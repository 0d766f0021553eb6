// What `spmi apply` would do: the difference between the stored tasks and
// the tasks in the applied files. Pure computation over specs and a
// "running" predicate, so the plan can be printed (--dry-run), tested, and
// then carried out (apply.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lifecycle/deps.h"

namespace spmi {

struct ApplyChange {
  std::string id;
  std::vector<std::string> keys;  // what differs, as descriptor-level names ("command", "env", ...)
  bool running = false;           // active now: restarted to take the change
};

struct ApplyRemoval {
  std::string id;
  bool running = false;  // stopped first
};

struct ApplyPlan {
  std::vector<std::string> added;
  std::vector<ApplyChange> changed;
  std::vector<std::string> unchanged;
  std::vector<ApplyRemoval> removed;       // with --prune
  std::vector<std::string> not_in_files;   // would be removed with --prune
  std::vector<std::string> stop_order;     // running tasks to stop (changed and removed), dependents first
  std::vector<std::string> restart_order;  // changed running tasks to start again, dependencies first
};

// The names of the definition keys that differ between two specs (source
// and load time do not count; values are never part of the result).
std::vector<std::string> changed_keys(const TaskSpec& before, const TaskSpec& after);

// `stored`: the loaded tasks; `incoming`: the files' tasks; `sources`: the
// files' absolute paths and `projects`: their project names (a stored task
// from one of them that the files no longer define is removed with
// `prune`); `running(id)`: whether a stored task is active.
ApplyPlan plan_apply(const TaskSpecs& stored, const std::vector<TaskSpec>& incoming,
                     const std::vector<std::string>& sources, const std::vector<std::string>& projects, bool prune,
                     const std::function<bool(const std::string&)>& running);

}  // namespace spmi
