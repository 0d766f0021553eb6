// Bringing back what was running (`spmi resurrect`): after a reboot, or when
// wrappers went away without a user's stop. The state tells a user's stop
// from a lost wrapper (state/schema.md, end_cause), so tasks a user stopped
// stay stopped (PM2's resurrect cannot tell them apart).
#pragma once

#include <string>
#include <vector>

#include "lifecycle/session.h"

namespace spmi {

// Why `spmi resurrect` starts the task, or "" when it leaves it as it is:
//   active                                  left alone
//   its wrapper was lost (this boot or an   started: it was running
//   earlier one), or stopped by a signal
//   from elsewhere (a shutdown's SIGTERM)
//   autostart = true and not active         started
//   stopped by a user, ended by itself,     left alone
//   failed, never started
std::string resurrection_reason(const TaskView& v);

// Starts every task of `ids` that resurrection_reason picks, with what they
// depend on, in dependency order (start_when honoured, lifecycle/start.h).
// With `dry_run`, only says what it would start. `started` receives the
// tasks started. False when a task could not be read or started.
bool resurrect_tasks(const Session& s, const std::vector<std::string>& ids, bool dry_run,
                     std::vector<std::string>* started);

}  // namespace spmi
