// Open-file-description (OFD) locks on whole files.
//
// spmi uses two lock files per task (see state/schema.md):
//   lock      held by the wrapper for its whole life: held = wrapper alive.
//             The kernel drops it when the wrapper dies, even by SIGKILL.
//   cli.lock  held by a mutating spmi command (start, stop, kill, clean,
//             load --replace) while it works on the task.
// OFD locks (not flock, not classic POSIX locks) because F_OFD_GETLK tests a
// lock without taking it, so read-only commands can probe liveness without
// ever disturbing a wrapper that is starting.
#pragma once

#include <string>

#include "common/fd.h"

namespace spmi {

enum class LockProbe { Free, Held, Missing, Error };

// Opens `path` (creating it when `create`) and takes an exclusive lock without
// waiting. Returns an invalid Fd and sets `*busy` when another holder has it.
Fd try_lock_file(const std::string& path, bool create, bool* busy, std::string* err);

// Like try_lock_file, but waits up to `timeout_ms` for the lock (-1: forever).
// Sets `*busy` when the time ran out.
Fd wait_lock_file(const std::string& path, int timeout_ms, bool* busy, std::string* err, bool create = false);

// Tests whether someone holds an exclusive lock on `path`, taking nothing.
LockProbe probe_lock_file(const std::string& path);

}  // namespace spmi
