// Combining spec, state and the lock probe into a task's condition.
#include "cli/task_view.h"

#include <algorithm>
#include <thread>

#include "cli/parallel.h"
#include "common/lock_file.h"
#include "common/process_tree.h"

namespace spmi {

const char* condition_name(TaskCondition c) {
  switch (c) {
    case TaskCondition::Active: return "active";
    case TaskCondition::Inactive: return "inactive";
    case TaskCondition::FailedToStart: return "failed-to-start";
    case TaskCondition::Failed: return "failed";
    case TaskCondition::WrapperLost: return "wrapper-lost";
    case TaskCondition::Broken: return "broken";
  }
  return "?";
}

std::vector<ProcStat> find_leftovers(const TaskState& st) {
  std::vector<ProcStat> out;
  if (st.pid > 0 && process_running(st.pid, st.pid_start_ticks)) {
    ProcStat main;
    if (read_proc_stat(st.pid, &main)) out.push_back(main);
  }
  std::string marker = st.run_id.empty() ? "" : "SPMI_RUN_ID=" + st.run_id;
  for (const ProcStat& p : find_task_members(st.sid, st.pgid, marker)) {
    bool dup = std::any_of(out.begin(), out.end(), [&](const ProcStat& q) { return q.pid == p.pid; });
    // The wrapper itself carries no marker and has its own session, so it is
    // never a member; but never list a process that is the recorded wrapper.
    if (!dup && !(p.pid == st.wrapper_pid && p.start_ticks == st.wrapper_start_ticks)) out.push_back(p);
  }
  return out;
}

std::string TaskView::leftovers_refusal() const {
  return id + ": its wrapper was lost and " + std::to_string(leftovers.size()) +
         " of its processes still run; end them with 'spmi kill " + id + "' first";
}

TaskView inspect_task(const Store& store, const std::string& id, bool want_leftovers) {
  TaskView v;
  v.id = id;
  v.dir = store.task_dir(id);
  std::string err;
  if (!store.read_spec(id, &v.spec, &err)) {
    v.error = err;
    return v;
  }
  if (!store.read_state(id, &v.state, &v.has_state, &err)) {
    v.error = err;
    return v;
  }
  LockProbe probe = probe_lock_file(store.task_file(id, task_files::kLock));
  if (probe == LockProbe::Error) {
    v.error = store.task_file(id, task_files::kLock) + ": cannot probe the lock";
    return v;
  }
  // A live wrapper is the main process's parent: it reaps it and records
  // the end at once, so while it holds the lock and says Running its word
  // is proof enough (a stopping or draining task is still checked in /proc).
  if (probe == LockProbe::Held && v.has_state && v.state.phase == Phase::Running && v.state.pid > 0)
    v.main_running = true;
  else if (v.has_state)
    v.main_running = process_running(v.state.pid, v.state.pid_start_ticks);
  if (probe == LockProbe::Held) {
    v.condition = TaskCondition::Active;
  } else if (!v.has_state) {
    v.condition = TaskCondition::Inactive;
  } else if (phase_is_live(v.state.phase)) {
    v.condition = TaskCondition::WrapperLost;
    if (want_leftovers) v.leftovers = find_leftovers(v.state);
  } else if (v.state.phase == Phase::Failed) {
    v.condition = TaskCondition::FailedToStart;
  } else if (v.state.phase == Phase::GaveUp) {
    v.condition = TaskCondition::Failed;
  } else {
    v.condition = TaskCondition::Inactive;
  }
  return v;
}

std::vector<TaskView> inspect_tasks(const Store& store, const std::vector<std::string>& ids, bool find_leftovers) {
  std::vector<TaskView> views(ids.size());
  // Below this, starting threads costs more than it saves.
  constexpr size_t kPerThread = 64;
  // Twice the cores: the threads spend their time in open/read/close and
  // wait on the kernel's locks; on 2 cores 4 threads list 1000 tasks in
  // 20 ms, 2 threads in 24 ms (bench/compare.sh).
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t threads = std::min<size_t>({2 * cores, 8, ids.size() / kPerThread});
  for_each_index(ids.size(), threads, [&](size_t i) { views[i] = inspect_task(store, ids[i], find_leftovers); });
  return views;
}

}  // namespace spmi
