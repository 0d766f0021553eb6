// Giving memory back before the wrapper sleeps. A wrapper spends its life
// blocked in poll(); what it touched while starting the task (the spec's
// strings, the environment, stack frames of the start sequence) stays
// resident and private in every wrapper unless it is returned. Called
// before an indefinite sleep after a state change, never on a timer, so it
// costs no wake-ups (bench/compare.sh measures both).
#pragma once

namespace spmi {

// Returns free heap pages to the kernel (malloc_trim) and drops the stack
// pages below the caller's frame (MADV_DONTNEED: they read back as zeros if
// a deeper call touches them again).
void release_idle_memory();

}  // namespace spmi
