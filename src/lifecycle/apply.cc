// Writing loaded tasks and carrying out an apply plan (apply.h).
#include "lifecycle/apply.h"

#include "common/names.h"
#include "lifecycle/end.h"
#include "lifecycle/reload.h"
#include "lifecycle/start.h"
#include "store/task_view.h"

namespace spmi {

namespace {

// Failed outranks Conflict outranks Done.
StoreWrite worse(StoreWrite a, StoreWrite b) {
  auto rank = [](StoreWrite w) { return w == StoreWrite::Failed ? 2 : w == StoreWrite::Conflict ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace

StoreWrite store_task(const Store& store, const LoadedTask& t, std::string* err, bool metadata_only) {
  if (!store.has_task(t.spec.id)) return store.create_task(t.spec, t.text, t.format, err);
  Fd lock = store.lock_task(t.spec.id, kTaskLockWaitMs, err);
  if (!lock.valid()) return StoreWrite::Conflict;
  if (metadata_only) return store.replace_task(t.spec, t.text, t.format, err);
  TaskView v = inspect_task(store, t.spec.id);
  if (v.condition == TaskCondition::Active) {
    *err = "it is active (it became active meanwhile?); not replaced";
    return StoreWrite::Conflict;
  }
  if (v.has_leftovers()) {
    *err = v.leftovers_refusal();
    return StoreWrite::Conflict;
  }
  return store.replace_task(t.spec, t.text, t.format, err);
}

bool carry_out_apply(const Session& s, const ApplyPlan& plan, const std::vector<LoadedTask>& loaded,
                     const TaskSpecs& stored, StoreWrite* worst_write) {
  bool failed = false;
  *worst_write = StoreWrite::Done;
  // 1. Stop what gets restarted or removed, dependents first.
  if (!plan.stop_order.empty() && !end_in_dependency_order(s, plan.stop_order, false, false)) {
    s.report.problem("some tasks did not stop; their new definitions are not applied");
    failed = true;
  }
  // 2. Write the new and changed definitions (unchanged ones are left as
  // they are); remove the pruned tasks.
  std::vector<std::string> written;
  std::string err;
  for (const auto& l : loaded) {
    if (contains(plan.unchanged, l.spec.id)) continue;
    bool runs_on = false;  // running, and only metadata or reloadable keys changed
    for (const auto& c : plan.changed) runs_on = runs_on || (c.id == l.spec.id && c.running && !c.restart);
    StoreWrite w = store_task(s.store, l, &err, runs_on);
    if (w == StoreWrite::Done) {
      written.push_back(l.spec.id);
      s.report.done((stored.count(l.spec.id) ? "updated " : "loaded ") + l.spec.id);
    } else {
      s.report.problem(l.spec.id + ": not updated: " + err);
      *worst_write = worse(*worst_write, w);
    }
  }
  for (const auto& r : plan.removed) {
    if (remove_inactive_task(s, r.id, "not removed")) s.report.done("removed " + r.id);
    else failed = true;
  }
  // 3. Reload the running tasks whose changes are reloadable.
  for (const auto& c : plan.changed)
    if (c.reload && contains(written, c.id) && !reload_task(s, c.id)) failed = true;
  // 4. Start the changed tasks that were running, dependencies first.
  std::vector<std::string> restart, started;
  for (const auto& id : plan.restart_order)
    if (contains(written, id)) restart.push_back(id);
  // New instances of a running group start with it.
  for (const auto& id : plan.scale_up)
    if (contains(written, id) && !contains(restart, id)) restart.push_back(id);
  if (!restart.empty() && !start_with_dependencies(s, restart, &started)) failed = true;
  return !failed;
}

}  // namespace spmi
