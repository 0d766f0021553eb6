// What `spmi apply` would do: the difference between the stored tasks and
// the tasks in the applied files. Pure computation over specs and a
// "running" predicate, so the plan can be printed (--dry-run), tested, and
// then carried out (apply.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lifecycle/deps.h"

namespace spmi {

struct ApplyChange {
  std::string id;
  std::vector<std::string> keys;  // what differs, as descriptor-level names ("command", "env", ...)
  bool running = false;           // active now
  // Running and a key that shapes the run changed: stopped and started
  // again. Only a metadata key (is_metadata_key) changed: the new
  // definition is written while the task runs on.
  bool restart = false;
  // Running, and only reloadable keys (is_reloadable_key) changed besides
  // metadata: the definition is written and the task reloaded (spmi
  // reload: the wrapper takes the new settings, then reload_signal or
  // reload_command) instead of restarted.
  bool reload = false;
};

// A task the files define whose id another file or project owns (ids are
// global). Refused unless the user says --adopt; then it moves.
struct ApplyOwnerConflict {
  std::string id;
  std::string owner;  // "/srv/a.toml (project shop)", as owner_of() says
};

struct ApplyRemoval {
  std::string id;
  bool running = false;  // stopped first
};

struct ApplyPlan {
  std::vector<std::string> added;
  std::vector<ApplyChange> changed;
  std::vector<std::string> unchanged;
  std::vector<ApplyRemoval> removed;       // with --prune
  std::vector<std::string> not_in_files;   // would be removed with --prune
  std::vector<ApplyOwnerConflict> conflicts;  // ids owned elsewhere: in no other list
  std::vector<std::string> stop_order;     // running tasks to stop (changed and removed), dependents first
  std::vector<std::string> restart_order;  // changed running tasks to start again, dependencies first
  // Scaling a task with `instances`: new instances of a group with a
  // running member are started (in `added` too); instances beyond the new
  // count are removed (in `removed`) without --prune.
  std::vector<std::string> scale_up;
};

// Who owns a loaded task: "its file (project P)", "spmi run".
std::string owner_of(const TaskSpec& spec);
// Whether `incoming` comes from somewhere other than the loaded `stored`:
// another project, or (outside any project) another file.
bool owned_elsewhere(const TaskSpec& stored, const TaskSpec& incoming);
// Keys that only describe a task (comment, tags, project, source): a change
// of them alone never restarts it.
bool is_metadata_key(const std::string& name);
// Keys a running wrapper takes over on a reload (wrapper_control.cc copies
// exactly these): stop_signal, stop_timeout, stop_command, reload_signal,
// reload_command, the restart policy's keys and on_event.
bool is_reloadable_key(const std::string& name);

// The names of the definition keys that differ between two specs (source
// and load time do not count; values are never part of the result).
std::vector<std::string> changed_keys(const TaskSpec& before, const TaskSpec& after);

// `stored`: the loaded tasks; `incoming`: the files' tasks; `sources`: the
// files' absolute paths and `projects`: their project names (a stored task
// from one of them that the files no longer define is removed with
// `prune`); `running(id)`: whether a stored task is active. A task owned
// elsewhere is a conflict (and nothing else in the plan) unless `adopt`;
// adopted, it is a change whose keys include "source" (or "project").
ApplyPlan plan_apply(const TaskSpecs& stored, const std::vector<TaskSpec>& incoming,
                     const std::vector<std::string>& sources, const std::vector<std::string>& projects, bool prune,
                     const std::function<bool(const std::string&)>& running, bool adopt = false);

}  // namespace spmi
