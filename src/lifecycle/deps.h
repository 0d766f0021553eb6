// The dependency graph between tasks (depends_on): checks for load and
// validate, and the orders start and stop follow.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/task_spec.h"

namespace spmi {

// id -> spec, for every task that counts (stored ones, overridden by the
// ones being loaded).
using TaskSpecs = std::map<std::string, TaskSpec>;

// Problems: dependencies on unknown tasks, start_when = "healthy" on a task
// without health check, and cycles (named: "a -> b -> a"). Empty = fine.
std::vector<std::string> check_dependencies(const TaskSpecs& all);

// The problems that `incoming` (tasks being loaded or validated) adds to the
// stored tasks' graph, with the tasks in `removed` gone: problems the stored
// tasks already had are left out.
std::vector<std::string> new_dependency_problems(const TaskSpecs& stored, const std::vector<TaskSpec>& incoming,
                                                 const std::vector<std::string>& removed = {});

// `ids` and everything they depend on, transitively, dependencies first.
std::vector<std::string> with_dependencies(const TaskSpecs& all, const std::vector<std::string>& ids);

// `ids` in waves, dependents first: a task comes in a wave after every task
// of `ids` that depends on it (a cycle's tasks share the last wave). Each
// wave keeps the order of `ids`.
std::vector<std::vector<std::string>> dependents_first_waves(const TaskSpecs& all, const std::vector<std::string>& ids);

// `ids` and every task that depends on them, transitively.
std::vector<std::string> with_dependents(const TaskSpecs& all, const std::vector<std::string>& ids);

// Every stored task's spec (tasks whose spec cannot be read are left out).
class Store;
TaskSpecs stored_specs(const Store& store);

// The stored specs of `ids` and of everything they depend on, transitively:
// all that with_dependencies needs, read without listing every task (a
// start of one task among 10,000 reads its own few). Ids not loaded, or
// whose spec cannot be read, are left out, as stored_specs leaves them.
TaskSpecs stored_specs_of(const Store& store, const std::vector<std::string>& ids);

}  // namespace spmi
