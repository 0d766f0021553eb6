// Which processes belong to a task, so that they can be found after its
// wrapper is lost, and only they.
//
// While the wrapper lives it is the child subreaper of its task's whole
// tree, daemons included. It records that tree in <task dir>/tree whenever
// it changes shape (a process of the task exited, or one was reparented to
// the wrapper: the moment a daemon's intermediate parent exits), as pids
// with their start times, with the boot and run they belong to. A daemon
// that leaves the session and overwrites its environment (redis, nginx,
// postgres) is still in that record.
//
// After the wrapper is lost, a process counts as the task's only when that
// is proven (find_task_members):
//   - it is recorded (or is the state's main process) with the same start
//     time, in this boot;
//   - or it descends from such a process;
//   - or it is in the task's session or process group while a proven
//     member still is: the kernel never reuses an id that is in use as a
//     session or group id, so a live member proves the id is still the
//     task's (an unrelated process that got the same pid after the session
//     emptied is never taken for it);
//   - or its environment carries this run's SPMI_RUN_ID and it started
//     after the run's wrapper did.
// Pids recorded in another boot are never trusted, signalled or searched.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "common/proc.h"
#include "common/task_state.h"

namespace spmi {

// A process by identity: pid and start time (clock ticks since boot).
using ProcId = std::pair<pid_t, unsigned long long>;

struct TreeRecord {
  std::string boot_id;
  std::string run_id;
  std::vector<ProcId> procs;
};

std::string serialize_tree(const TreeRecord& t);
bool parse_tree(const std::string& text, TreeRecord* t, std::string* err);

// This boot's id (/proc/sys/kernel/random/boot_id), read once. The tests
// simulate a reboot with SPMI_TEST_BOOT_ID.
const std::string& boot_id();

// True when `state` was written in this boot (or by a wrapper too old to
// record its boot): only then are its pids worth looking at.
bool same_boot(const TaskState& state);

// The processes of a task whose wrapper is gone (rules above): the main
// process first. `tree` is the recorded tree (empty when none).
std::vector<ProcStat> find_task_members(const TaskState& state, const TreeRecord& tree);

}  // namespace spmi
