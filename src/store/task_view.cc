// Combining spec, state and the lock probe into a task's condition.
#include "store/task_view.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "backends/registry.h"

#include "store/parallel.h"
#include "common/atomic_file.h"
#include "common/cgroup.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"
#include "common/process_tree.h"
#include "common/task_tree.h"

namespace spmi {

namespace {
TaskView inspect_task_once(const Store& store, const std::string& id, bool want_leftovers);
}  // namespace

const char* condition_name(TaskCondition c) {
  switch (c) {
    case TaskCondition::Active: return "active";
    case TaskCondition::Inactive: return "inactive";
    case TaskCondition::FailedToStart: return "failed-to-start";
    case TaskCondition::GaveUp: return "failed";
    case TaskCondition::WrapperLost: return "wrapper-lost";
    case TaskCondition::LostInReboot: return "lost-in-reboot";
    case TaskCondition::Broken: return "broken";
  }
  return "?";
}

std::vector<ProcStat> find_leftovers(const std::string& task_dir, const TaskState& st) {
  // The tree the wrapper recorded (none while the main process was alone).
  TreeRecord tree;
  std::string text, err;
  if (read_state_file(task_dir + "/" + task_files::kTree, &text, &err)) parse_tree(text, &tree, &err);
  std::vector<ProcStat> found = find_task_members(st, tree);
  // Whatever is in the run's own cgroup is the task's (it is named after
  // the run, and only the task's processes joined it), daemons included.
  if (!st.cgroups.empty() && same_boot(st)) {
    for (pid_t pid : read_cgroup(TaskCgroup{st.cgroup_mode, st.cgroups}).members) {
      ProcStat p;
      bool known = std::any_of(found.begin(), found.end(), [&](const ProcStat& f) { return f.pid == pid; });
      if (!known && read_proc_stat(pid, &p) && p.state != 'Z' && p.state != 'X') found.push_back(p);
    }
  }
  return found;
}

std::string TaskView::leftovers_refusal() const {
  return id + ": its wrapper was lost and " + std::to_string(leftovers.size()) +
         " of its processes still run; end them with 'spmi kill " + id + "' first";
}

std::string TaskView::end_cause() const {
  if (condition == TaskCondition::LostInReboot) return "reboot";
  if (condition == TaskCondition::WrapperLost) return "lost";
  if (condition == TaskCondition::Active || condition == TaskCondition::Broken || !has_state) return "";
  if (state.end_cause != EndCause::None) return end_cause_name(state.end_cause);
  // Written before end_cause existed: a stop request was a user's (or a
  // signal's: those files cannot tell), anything else an end by itself.
  return state.stop_request == "stop" || state.stop_request == "kill" ? "user" : "exit";
}

namespace {

// The lock is held but the state records an end: either the wrapper that
// wrote it is between recording its end and letting go of the lock, or a
// new wrapper took the lock and has not written its first state yet. Both
// last milliseconds; waiting for one of them keeps `start` right after an
// end (or a reported failed start) from seeing the task as active.
bool wrapper_in_transition(const TaskView& v) {
  return v.condition == TaskCondition::Active && v.has_state && v.state.phase != Phase::Queued &&
         !phase_is_live(v.state.phase);
}

// Waits (bounded) until the lock is free or the state file changes.
void await_transition(const Store& store, const TaskView& v) {
  constexpr int kPollMs = 2, kLimitMs = 2000;
  for (int waited = 0; waited < kLimitMs; waited += kPollMs) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    if (probe_lock_file(store.task_file(v.id, task_files::kLock)) != LockProbe::Held) return;
    TaskState now;
    bool present = false;
    std::string err;
    if (!store.read_state(v.id, &now, &present, &err) || !present || now.run_id != v.state.run_id ||
        now.phase != v.state.phase)
      return;
  }
}

}  // namespace

namespace {

// The view once no wrapper is between two states (at most two waits).
TaskView inspect_settled(const Store& store, const std::string& id, bool want_leftovers) {
  for (int attempt = 0;; ++attempt) {
    TaskView v = inspect_task_once(store, id, want_leftovers);
    if (!wrapper_in_transition(v) || attempt == 2) return v;
    await_transition(store, v);
  }
}

}  // namespace

bool backend_may_know(const TaskView& v) {
  return v.has_state && v.condition != TaskCondition::Active &&
         (v.state.phase == Phase::Queued || phase_is_live(v.state.phase));
}

void refine_by_backends(const Store& store, std::vector<TaskView*> views, bool want_leftovers) {
  for (int attempt = 0; attempt < 3 && !views.empty(); ++attempt) {
    std::vector<std::pair<const Backend*, std::vector<TaskView*>>> groups;
    for (TaskView* v : views) {
      if (!backend_may_know(*v)) continue;
      const Backend* backend = find_backend(v->state.backend);
      if (!backend) continue;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& e) { return e.first == backend; });
      if (g == groups.end()) groups.push_back({backend, {v}});
      else g->second.push_back(v);
    }
    std::vector<TaskView*> changed;
    for (auto& [backend, group] : groups) backend->refine_views(store, group, &changed);
    if (attempt == 2) return;  // the last word stands
    for (TaskView* v : changed) *v = inspect_settled(store, v->id, want_leftovers);
    views = std::move(changed);
  }
}

TaskView inspect_task(const Store& store, const std::string& id, bool want_leftovers) {
  TaskView v = inspect_settled(store, id, want_leftovers);
  refine_by_backends(store, {&v}, want_leftovers);
  return v;
}

namespace {
TaskView inspect_task_once(const Store& store, const std::string& id, bool want_leftovers) {
  TaskView v;
  v.id = id;
  v.dir = store.task_dir(id);
  std::string err;
  if (!store.read_spec(id, &v.spec, &err)) {
    v.error = err;
    return v;
  }
  bool state_ok = store.read_state(id, &v.state, &v.has_state, &err);
  LockProbe probe = probe_lock_file(store.task_file(id, task_files::kLock));
  if (!state_ok) {
    // A wrapper that holds the lock runs the task whatever its state file
    // says: the task is active (stop and kill need only the control FIFO
    // and the lock). Otherwise there is nothing to go on.
    v.error = err;
    v.state = TaskState{};
    v.has_state = false;
    if (probe == LockProbe::Held) v.condition = TaskCondition::Active;
    return v;
  }
  if (probe == LockProbe::Error) {
    v.error = store.task_file(id, task_files::kLock) + ": cannot probe the lock";
    return v;
  }
  // A live wrapper is the main process's parent: it reaps it and records
  // the end at once, so while it holds the lock and says Running its word
  // is proof enough (a stopping or draining task is still checked in /proc).
  v.remote = v.has_state && !v.state.host.empty() && v.state.host != host_name();
  if (probe == LockProbe::Held && v.has_state && v.state.phase == Phase::Running && v.state.pid > 0)
    v.main_running = true;
  else if (v.remote)  // another host's pid: the wrapper's word is all there is
    v.main_running = probe == LockProbe::Held && v.state.pid > 0 && !v.state.main_exited &&
                     (v.state.phase == Phase::Stopping || v.state.phase == Phase::Killing);
  else if (v.has_state && same_boot(v.state))  // a pid of an earlier boot is someone else's
    v.main_running = process_running(v.state.pid, v.state.pid_start_ticks);
  if (probe == LockProbe::Held) {
    v.condition = TaskCondition::Active;
  } else if (!v.has_state) {
    v.condition = TaskCondition::Inactive;
  } else if (phase_is_live(v.state.phase) && !v.remote && !same_boot(v.state)) {
    // Its wrapper ran in an earlier boot: nothing of it runs, and its pids
    // now name other processes (never searched, signalled or trusted).
    v.condition = TaskCondition::LostInReboot;
  } else if (phase_is_live(v.state.phase)) {
    v.condition = TaskCondition::WrapperLost;
    const Backend* backend = find_backend(v.state.backend);
    if (want_leftovers && !v.remote && (!backend || backend->ends_leftovers()))
      v.leftovers = find_leftovers(v.dir, v.state);
  } else if (v.state.phase == Phase::FailedToStart) {
    v.condition = TaskCondition::FailedToStart;
  } else if (v.state.phase == Phase::GaveUp) {
    v.condition = TaskCondition::GaveUp;
  } else {
    v.condition = TaskCondition::Inactive;
  }
  return v;
}
}  // namespace

std::vector<TaskView> inspect_tasks(const Store& store, const std::vector<std::string>& ids, bool find_leftovers) {
  std::vector<TaskView> views;
  inspect_tasks(store, ids, &views, find_leftovers);
  return views;
}

void inspect_tasks(const Store& store, std::span<const std::string> ids, std::vector<TaskView>* views,
                   bool find_leftovers, bool ask_backends) {
  views->resize(ids.size());
  size_t threads = batch_threads(ids.size());
  for_each_index(ids.size(), threads, [&](size_t i) { (*views)[i] = inspect_settled(store, ids[i], find_leftovers); });
  if (!ask_backends) return;
  std::vector<TaskView*> all;
  for (TaskView& v : *views) all.push_back(&v);
  refine_by_backends(store, all, find_leftovers);
}

std::string describe_next_fire(const TaskState& st) {
  if (!st.next_fire_at_ms) return "no further fire";
  int64_t left = std::max<int64_t>(0, (st.next_fire_at_ms - now_ms() + 999) / 1000);
  return "next fire in " + format_elapsed(left) + " (" + format_local_time(st.next_fire_at_ms) + ")";
}

Fd lock_and_inspect(const Store& store, const std::string& id, TaskView* view, std::string* err) {
  std::string why;
  Fd lock = store.lock_task(id, kTaskLockWaitMs, &why);
  if (!lock.valid()) {
    *err = id + ": " + why;
    return lock;
  }
  *view = inspect_task(store, id);
  return lock;
}

}  // namespace spmi
