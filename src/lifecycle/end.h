// Ending tasks: stop (stop signal, SIGKILL at the stop timeout) or kill
// (SIGKILL at once), through each task's backend; a task whose wrapper was
// lost is ended by spmi itself from what /proc shows of it (end.cc).
#pragma once

#include <string>
#include <vector>

#include "lifecycle/session.h"

namespace spmi {

// Ends `ids` together: every request first, then all are awaited together,
// so many tasks take as long as the slowest. False when any could not be
// ended.
bool end_tasks(const Session& s, const std::vector<std::string>& ids, bool kill);

// Ends `ids` in waves so that a task ends only once nothing still running
// depends on it; with `with_active_dependents` the active tasks depending
// on them are ended too, first.
bool end_in_dependency_order(const Session& s, const std::vector<std::string>& ids, bool with_active_dependents,
                             bool kill);

// Removes an inactive task's directory under its lock. Refuses, reporting
// why, when its wrapper runs ("<id>: active; <refusal>") or processes of it
// are left.
bool remove_inactive_task(const Session& s, const std::string& id, const std::string& refusal);

}  // namespace spmi
