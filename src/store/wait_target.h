// Conditions a caller can wait for, and where a task stands with respect to
// one (wait_target.cc).
#pragma once

#include <string>

#include "store/task_view.h"

namespace spmi {

enum class WaitTarget { Running, Ready, Healthy, Exited };

// "running", "ready", "healthy", "exited".
const char* wait_target_name(WaitTarget t);
bool wait_target_from_name(const std::string& name, WaitTarget* out);

enum class WaitOutcome { Waiting, Reached, Impossible };
// Where task `v` stands with respect to `target`; `why` explains Impossible
// and, while waiting, what it is doing now.
WaitOutcome assess_task(const TaskView& v, WaitTarget target, std::string* why);

}  // namespace spmi
