// Restarting a task: an active task's wrapper stops the whole tree (stop
// signal, SIGKILL at the stop timeout) and starts the command again; the
// wrapper, its lock and its window stay, and a watchdog's restart budget
// starts afresh. A task whose backend cannot restart it in place (a queued
// or remote Slurm job) is ended and started again; an inactive task is
// simply started.
#pragma once

#include <string>

#include "lifecycle/session.h"

namespace spmi {

// Restarts task `id` (see above); reports the outcome. True on success.
bool restart_task(const Session& s, const std::string& id);

}  // namespace spmi
