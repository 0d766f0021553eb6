// Turning a task's `user` and `group` into numbers (see common/identity.h),
// in the dynamically linked spmi only: this uses NSS.
#pragma once

#include <string>

#include "common/identity.h"
#include "common/process_settings.h"

namespace spmi {

// Resolves `user`/`group` now: the user's uid, primary gid, supplementary
// groups, home and shell; `group` replaces the primary gid (and is added to
// the groups). False with `err` ("no user 'x'", not root, ...).
bool resolve_identity(const ProcessSettings& ps, RunIdentity* out, std::string* err);

// Resolves the identity of a task about to start and writes it to
// <task_dir>/identity (atomically, mode 0600), or removes that file when
// the task sets neither user nor group. False with `err`.
bool write_run_identity(const ProcessSettings& ps, const std::string& task_dir, std::string* err);

}  // namespace spmi
