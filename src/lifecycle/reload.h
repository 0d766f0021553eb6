// Reloading a task (spmi reload, and apply of reloadable keys): its wrapper
// re-reads the reloadable settings from the spec, then sends the task its
// reload_signal or runs its reload_command; the task keeps its pid and its
// run. The outcome is read back from the state (reloads, reload_error).
#pragma once

#include <string>

#include "lifecycle/session.h"

namespace spmi {

// Reloads task `id` (see above) and reports the outcome. False when it is
// not active, its wrapper is not on this host, or the reload failed.
bool reload_task(const Session& s, const std::string& id);

}  // namespace spmi
