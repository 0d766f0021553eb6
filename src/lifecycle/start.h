// Starting tasks: one (under its cli.lock, through its backend), several at
// once, and with what they depend on, in waves (start.cc).
#pragma once

#include <string>
#include <vector>

#include "lifecycle/session.h"

namespace spmi {

// Starts one task (taking its lock); reports the outcome. True on success,
// and when the task was already active.
bool start_task(const Session& s, const std::string& id);

// Starts `ids` (several at once), then reports each outcome in `ids` order.
std::vector<bool> start_tasks(const Session& s, const std::vector<std::string>& ids);

// Starts `selected` and what they depend on: dependencies first, independent
// branches in parallel, each waiting for its start_when within its
// start_timeout. `started` receives what was started.
bool start_with_dependencies(const Session& s, const std::vector<std::string>& selected,
                             std::vector<std::string>* started);

}  // namespace spmi
