// Waiting for tasks to reach a condition (spmi wait, spmi start --wait).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/output.h"

namespace spmi {

enum class WaitTarget { Running, Ready, Healthy, Exited };

// "running", "ready", "healthy", "exited".
const char* wait_target_name(WaitTarget t);
bool wait_target_from_name(const std::string& name, WaitTarget* out);

struct TaskView;
enum class WaitOutcome { Waiting, Reached, Impossible };
// Where task `v` stands with respect to `target`; `why` explains Impossible
// and, while waiting, what it is doing now.
WaitOutcome assess_task(const TaskView& v, WaitTarget target, std::string* why);

// Waits until every task in `ids` reached `target`, or until `timeout_ms`
// (0: no limit). Prints one line per task as it gets there, and why a task
// cannot get there any more (it ended, failed, has no health check). Returns
// kExitOk, kExitFailure (some task cannot reach it) or kExitTimeout.
int wait_for_tasks(const Context& ctx, const std::vector<std::string>& ids, WaitTarget target, int64_t timeout_ms);

}  // namespace spmi
