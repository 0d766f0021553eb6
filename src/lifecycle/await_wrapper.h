// After a request through a task's control FIFO (restart, reload): waiting
// until the wrapper's state file says the request is carried out, the way
// restart.h and reload.h both do it.
#pragma once

#include <cstdint>
#include <functional>

#include "lifecycle/session.h"

namespace spmi {

// Reads the state of `v`'s task every 10 ms until `done` holds for it, up
// to `budget_ms`; true with that state in `*out` and the time it took in
// `*took_ms`. False after reporting why: the wrapper ended (its lock is
// free) or the time ran out, saying "the <what> ...".
bool await_wrapper(const Session& s, const TaskView& v, const char* what, int64_t budget_ms,
                   const std::function<bool(const TaskState&)>& done, TaskState* out, int64_t* took_ms);

}  // namespace spmi
