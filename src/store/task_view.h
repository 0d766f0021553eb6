// What a task is doing right now, proven rather than guessed: the spec, the
// state file, and whether the wrapper holds the task's lock. Read-only.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "store/store.h"
#include "common/proc.h"

namespace spmi {

enum class TaskCondition {
  Active,         // the wrapper holds the lock
  Inactive,       // loaded, nothing running (never started, or ended)
  FailedToStart,  // the last start could not run the command
  GaveUp,         // the watchdog gave up restarting it (sticky until a user starts it); printed "failed"
  WrapperLost,    // the state says running but no wrapper holds the lock
  LostInReboot,   // the same, and the wrapper ran in an earlier boot: its pids are someone else's now
  Broken,         // the task directory cannot be read (see `error`)
};

const char* condition_name(TaskCondition c);
// WrapperLost or LostInReboot: the state says running, no wrapper holds it.
inline bool is_lost(TaskCondition c) { return c == TaskCondition::WrapperLost || c == TaskCondition::LostInReboot; }

struct TaskView {
  std::string id;
  std::string dir;
  TaskCondition condition = TaskCondition::Broken;
  std::string error;  // for Broken
  TaskSpec spec;
  bool has_state = false;
  TaskState state;
  // The main process is alive: the wrapper holding the lock says it runs
  // (it is its parent and records its end), or /proc shows the pid with its
  // start time and not a zombie.
  bool main_running = false;
  std::vector<ProcStat> leftovers;    // WrapperLost: processes of the task still running (never after a reboot)
  // What the task's backend says of a task no wrapper holds here (Slurm:
  // "Slurm job 12: PENDING (PartitionDown)"), empty otherwise.
  std::string backend_status;
  // The wrapper runs on another host: /proc here says nothing about it
  // (its pid, pidfd and control FIFO are that host's).
  bool remote = false;
  // WrapperLost, yet the backend still runs the task's job (or cannot say
  // it does not): a Slurm job on a node that died, until Slurm notices.
  // Start refuses; stop and kill end the job (Backend::end_lost).
  bool backend_running = false;

  // A submitted Slurm job whose wrapper has not started yet.
  bool queued() const { return condition == TaskCondition::Active && state.phase == Phase::Queued; }

  // True when the wrapper was lost but some of the task's processes still run.
  bool has_leftovers() const { return condition == TaskCondition::WrapperLost && !leftovers.empty(); }
  // Why start, clean and load --replace refuse such a task, and what to do.
  std::string leftovers_refusal() const;
  // How the last run ended: "exit", "user", "signal" (state/schema.md,
  // end_cause), "lost" or "reboot" (its wrapper went away without recording
  // an end, in this boot or an earlier one); "" while active or never run.
  std::string end_cause() const;
};

// "next fire in 4m 10s (2026-11-21 08:00:00)", or "no further fire".
std::string describe_next_fire(const TaskState& st);

// How long a mutating command waits for another one working on the same task.
inline constexpr int kTaskLockWaitMs = 30000;

// Takes task `id`'s cli.lock (waiting kTaskLockWaitMs) and reads its view.
// On failure returns an invalid Fd with why in `err` ("<id>: ...").
Fd lock_and_inspect(const Store& store, const std::string& id, TaskView* view, std::string* err);

// Inspects task `id`. With `find_leftovers`, a lost wrapper's processes are
// searched in /proc (common/task_tree.h says which count).
TaskView inspect_task(const Store& store, const std::string& id, bool find_leftovers = true);

// inspect_task for many tasks, in order. Large sets are read by a few
// threads: `spmi list` of 1000 tasks is mostly open/read/close system calls.
std::vector<TaskView> inspect_tasks(const Store& store, const std::vector<std::string>& ids,
                                    bool find_leftovers = true);
// The same into `views` (resized to ids.size()), whose storage a caller
// reading batch after batch reuses (`spmi list`). Without `ask_backends`,
// the views a backend may know more of (backend_may_know) are left as
// read: the caller passes them to refine_by_backends, all batches' at once.
void inspect_tasks(const Store& store, std::span<const std::string> ids, std::vector<TaskView>* views,
                   bool find_leftovers = true, bool ask_backends = true);

// Queued or running by its state, yet no wrapper holds the lock here: the
// task's backend may know more (Slurm: pending, or ended).
bool backend_may_know(const TaskView& v);

// Asks each backend once about all of `views` it may know more of
// (Backend::refine_views). A view whose task changed meanwhile is read
// again (at most twice).
void refine_by_backends(const Store& store, std::vector<TaskView*> views, bool find_leftovers = true);

// Processes of a task whose wrapper is gone (main process first): only those
// proven to be the task's (common/task_tree.h).
std::vector<ProcStat> find_leftovers(const std::string& task_dir, const TaskState& state);

}  // namespace spmi
