// The state directory: $SPMI_PATH (default ~/.spmi), one directory per task.
// Loading, replacing and removing tasks; reading specs and states. Layout and
// file formats are documented in state/schema.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/fd.h"
#include "common/task_spec.h"
#include "common/task_state.h"

namespace spmi {

// What a task keeps of the descriptor file it came from: its bytes,
// verbatim, as descriptor.<format>. `shared_file` (Store::share_descriptor),
// when set, already holds `text`: the task's copy becomes a hard link to it,
// so the tasks of one file share one inode instead of each writing the
// whole file (apply of N tasks from one file wrote N times its size, and
// made N more inodes).
struct DescriptorCopy {
  std::string_view text;
  std::string_view format;
  std::string shared_file;
};

// $SPMI_PATH, or ~/.spmi. Empty with `err` when neither can be determined.
std::string default_spmi_path(std::string* err);

// What a write to the store came to. Conflict: the task was in the way (a
// concurrent load created it): exit 1. Failed: the system refused (no
// space, read-only, I/O error): exit 4, like any other system error.
enum class StoreWrite { Done, Conflict, Failed };

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string task_dir(const std::string& id) const { return root_ + "/" + id; }
  std::string task_file(const std::string& id, const char* name) const { return task_dir(id) + "/" + name; }

  // Creates the root (mode 0700) when missing.
  bool ensure_root(std::string* err) const;
  // Refuses a state directory that another user controls (as ssh's
  // StrictModes and tmux's socket directory check do): one owned by another
  // uid, or writable by group or others, could hold a task planted to run
  // as the caller. A missing root is fine (ensure_root creates it 0700). A
  // root of ours that others can read is set to 0700, with `*note` saying so.
  bool check_trusted(std::string* err, std::string* note) const;
  // The same rule for one task directory (owned by the caller, not writable
  // by group or others); false with `err` naming the directory.
  bool check_task_dir(const std::string& id, std::string* err) const;
  // The ids of all task directories, sorted. A missing root is an empty store.
  bool list_ids(std::vector<std::string>* ids, std::string* err) const;
  bool has_task(const std::string& id) const;

  bool read_spec(const std::string& id, TaskSpec* spec, std::string* err) const;
  // `*present` is false when the task never started (no state file).
  bool read_state(const std::string& id, TaskState* state, bool* present, std::string* err) const;

  // Creates a new task directory atomically (built under a hidden name, then
  // renamed into place); Conflict if the id exists.
  StoreWrite create_task(const TaskSpec& spec, const DescriptorCopy& copy, std::string* err) const;
  // Replaces the spec and descriptor copy of an existing task (caller holds
  // its cli.lock): both are written beside the old ones first, so a full
  // disk leaves the old pair whole.
  StoreWrite replace_task(const TaskSpec& spec, const DescriptorCopy& copy, std::string* err) const;
  // Writes `text` once, durably, as a hidden file in the root whose name
  // records this process (collected if it dies), for the DescriptorCopy of
  // every task of one descriptor file; "" with `err` when it cannot.
  std::string share_descriptor(std::string_view text, std::string* err) const;
  // Removes a task directory (caller holds its cli.lock and checked it is inactive).
  bool remove_task(const std::string& id, std::string* err) const;
  // Deletes the work directories (.new-<id>-<pid>, .removing-<id>-<pid>)
  // of load and clean runs that were killed midway: those whose pid no
  // longer exists. Called by the commands that create or remove tasks.
  void collect_abandoned() const;
  // Deletes the temporary files (".<name>.tmp.<pid>") that writers killed
  // midway left in a task directory: those whose pid no longer exists.
  // lock_task does it for every task it locks.
  void collect_temporary_files(const std::string& id) const;

  // Takes the task's cli.lock, waiting up to `timeout_ms`; then checks the
  // directory was not removed meanwhile.
  Fd lock_task(const std::string& id, int timeout_ms, std::string* err) const;

 private:
  std::string root_;
};

}  // namespace spmi
