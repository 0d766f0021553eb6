// Writing loaded tasks and carrying out an apply plan (apply.h).
#include "lifecycle/apply.h"

#include <map>
#include <set>
#include <string_view>

#include "common/names.h"
#include "store/parallel.h"
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

// The descriptor copies of one load or apply: each file's bytes written
// once (Store::share_descriptor) and hard-linked into each of its tasks;
// the shared files are deleted at the end (the tasks keep their links).
class DescriptorShares {
 public:
  DescriptorShares(const Store& store, const std::vector<const LoadedTask*>& tasks);
  ~DescriptorShares();
  DescriptorShares(const DescriptorShares&) = delete;
  DescriptorShares& operator=(const DescriptorShares&) = delete;
  // The copy for `t` (its bytes alone where the shared file could not be
  // written: each task then writes them and reports what failed).
  DescriptorCopy copy_of(const LoadedTask& t) const;

 private:
  std::map<const std::string*, std::string> files_;
};

DescriptorShares::DescriptorShares(const Store& store, const std::vector<const LoadedTask*>& tasks) {
  std::map<const std::string*, size_t> tasks_of;
  for (const LoadedTask* t : tasks) ++tasks_of[t->text.get()];
  std::string err;
  for (const auto& [text, n] : tasks_of)
    if (n > 1) files_[text] = store.share_descriptor(*text, &err);  // "": each task writes the bytes
}

DescriptorShares::~DescriptorShares() {
  for (const auto& [text, file] : files_)
    if (!file.empty()) ::unlink(file.c_str());
}

DescriptorCopy DescriptorShares::copy_of(const LoadedTask& t) const {
  auto it = files_.find(t.text.get());
  return {*t.text, t.format, it == files_.end() ? std::string() : it->second};
}

}  // namespace

StoreWrite store_task(const Store& store, const LoadedTask& t, const DescriptorCopy& copy, std::string* err,
                      bool metadata_only) {
  if (!store.has_task(t.spec.id)) return store.create_task(t.spec, copy, err);
  Fd lock = store.lock_task(t.spec.id, kTaskLockWaitMs, err);
  if (!lock.valid()) return StoreWrite::Conflict;
  if (metadata_only) return store.replace_task(t.spec, copy, err);
  TaskView v = inspect_task(store, t.spec.id);
  if (v.condition == TaskCondition::Active) {
    *err = "it is active (it became active meanwhile?); not replaced";
    return StoreWrite::Conflict;
  }
  if (v.has_leftovers()) {
    *err = v.leftovers_refusal();
    return StoreWrite::Conflict;
  }
  return store.replace_task(t.spec, copy, err);
}

std::vector<StoreResult> store_tasks(const Store& store, const std::vector<const LoadedTask*>& tasks,
                                     const std::vector<bool>& metadata_only) {
  std::vector<StoreResult> out(tasks.size());
  DescriptorShares shares(store, tasks);
  for_each_index(tasks.size(), write_threads(tasks.size()), [&](size_t i) {
    out[i].write = store_task(store, *tasks[i], shares.copy_of(*tasks[i]), &out[i].err, metadata_only[i]);
  });
  return out;
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
  std::vector<const LoadedTask*> to_write;
  std::vector<bool> runs_on;  // running, and only metadata or reloadable keys changed
  std::set<std::string> unchanged(plan.unchanged.begin(), plan.unchanged.end());
  std::map<std::string, bool> runs_on_of;
  for (const auto& c : plan.changed) runs_on_of[c.id] = runs_on_of[c.id] || (c.running && !c.restart);
  for (const auto& l : loaded) {
    if (unchanged.count(l.spec.id)) continue;
    to_write.push_back(&l);
    auto it = runs_on_of.find(l.spec.id);
    runs_on.push_back(it != runs_on_of.end() && it->second);
  }
  std::vector<StoreResult> results = store_tasks(s.store, to_write, runs_on);
  for (size_t i = 0; i < to_write.size(); ++i) {
    const std::string& id = to_write[i]->spec.id;
    if (results[i].write == StoreWrite::Done) {
      written.push_back(id);
      s.report.done((stored.count(id) ? "updated " : "loaded ") + id);
    } else {
      s.report.problem(id + ": not updated: " + results[i].err);
      *worst_write = worse(*worst_write, results[i].write);
    }
  }
  for (const auto& r : plan.removed) {
    if (remove_inactive_task(s, r.id, "not removed")) s.report.done("removed " + r.id);
    else failed = true;
  }
  // Sets, not scans: an apply may write 10,000 tasks.
  const std::set<std::string_view> was_written(written.begin(), written.end());
  // 3. Reload the running tasks whose changes are reloadable.
  for (const auto& c : plan.changed)
    if (c.reload && was_written.count(c.id) && !reload_task(s, c.id)) failed = true;
  // 4. Start the changed tasks that were running, dependencies first.
  std::vector<std::string> restart, started;
  for (const auto& id : plan.restart_order)
    if (was_written.count(id)) restart.push_back(id);
  // New instances of a running group start with it.
  std::set<std::string_view> restarting(plan.restart_order.begin(), plan.restart_order.end());
  for (const auto& id : plan.scale_up)
    if (was_written.count(id) && restarting.insert(id).second) restart.push_back(id);
  if (!restart.empty() && !start_with_dependencies(s, restart, &started)) failed = true;
  return !failed;
}

}  // namespace spmi
