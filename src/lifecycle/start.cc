// Starting tasks (start.h). Each start holds the task's cli.lock until the
// wrapper has reported, so concurrent starts of one task start exactly one
// instance; the wrapper's own lock refuses a second wrapper even without
// spmi's lock.
#include "lifecycle/start.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string_view>
#include <thread>

#include "backends/identity_lookup.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/names.h"
#include "lifecycle/deps.h"
#include "store/parallel.h"
#include "store/task_view.h"
#include "store/wait_target.h"

namespace spmi {

namespace {

// What one start did: a line for stdout, or an error for stderr. Built
// without printing so several starts can run at once and still report in
// order.
struct StartOutcome {
  bool ok = false;
  std::string line;   // stdout
  std::string error;  // stderr, a failure
  std::string note;   // stderr, not a failure ("already active")
};

StartOutcome failed_start(std::string error) {
  StartOutcome o;
  o.error = std::move(error);
  return o;
}

StartOutcome start_one(const Session& s, const std::string& id) {
  // Quiet: several starts run at once and report afterwards, in order.
  TaskView v;
  std::string err;
  Fd lock = lock_and_inspect(s.store, id, &v, &err);
  if (!lock.valid()) return failed_start(err);
  switch (v.condition) {
    case TaskCondition::Broken:
      return failed_start(id + ": " + v.error);
    case TaskCondition::Active: {
      // Already in the wanted state: not a failure (systemctl's rule), so
      // `spmi start` in a script can be run again safely.
      StartOutcome o;
      o.ok = true;
      o.note = id + ": already active" + (v.queued() ? " (queued as Slurm job " + v.state.backend_id + ")"
                                          : v.state.pid > 0 ? " (pid " + std::to_string(v.state.pid) + ")"
                                                            : std::string()) +
               "; not started again";
      return o;
    }
    case TaskCondition::WrapperLost:
      if (v.has_leftovers()) return failed_start(v.leftovers_refusal());
      if (v.backend_running)
        return failed_start(id + ": " + v.state.note + "; 'spmi stop " + id +
                            "' ends that job, then start it again");
      break;
    case TaskCondition::LostInReboot:  // nothing of it runs in this boot
    case TaskCondition::Inactive:
    case TaskCondition::FailedToStart:
    case TaskCondition::GaveUp:  // a user's start gives a fresh restart budget
      break;
  }
  const Backend* backend = s.backend(v.spec.backend);
  if (!backend) return failed_start(id + ": unknown backend type '" + v.spec.backend + "'");
  // Names become numbers here, where NSS works; the static wrapper gets
  // the numbers (common/identity.h).
  if (!write_run_identity(v.spec.process, v.dir, &err)) return failed_start(id + ": cannot start: " + err);
  s.report.debug(id + ": starting through the " + v.spec.backend + " backend");
  StartResult r = backend->start(v.spec, v.dir);
  if (!r.ok) return failed_start(id + ": failed to start: " + r.error);
  StartOutcome o;
  o.ok = true;
  if (!r.job_id.empty()) {
    o.line = "submitted " + id + " (Slurm job " + r.job_id + ")";
  } else if (r.pid == 0 && !v.spec.schedule.cron.empty()) {
    TaskView after = inspect_task(s.store, id, false);
    o.line = "started " + id + " (scheduled: " + describe_next_fire(after.state) + ")";
  } else {
    o.line = "started " + id + " (pid " + std::to_string(r.pid) + ")";
  }
  return o;
}

bool report(const Session& s, const StartOutcome& o) {
  if (!o.line.empty()) s.report.done(o.line);
  if (!o.note.empty()) s.report.problem(o.note);
  if (!o.ok) s.report.problem(o.error);
  return o.ok;
}

}  // namespace

bool start_task(const Session& s, const std::string& id) { return report(s, start_one(s, id)); }

// Most of a start is waiting: for the wrapper to be executed, to read its
// spec, to fork and execute the task and report. Starting several at once
// overlaps those waits (100 tasks: 0.5 s one by one). Each start still holds
// its task's cli.lock until its wrapper reported; at most kParallelStarts
// are in flight, so file descriptors stay few. Reports come in `ids` order.
std::vector<bool> start_tasks(const Session& s, const std::vector<std::string>& ids) {
  constexpr size_t kParallelStarts = 8;
  std::vector<StartOutcome> outcomes(ids.size());
  for_each_index(ids.size(), kParallelStarts, [&](size_t i) { outcomes[i] = start_one(s, ids[i]); });
  std::vector<bool> ok;
  for (const auto& o : outcomes) ok.push_back(report(s, o));
  return ok;
}

namespace {

// A task's start_when as a wait condition ("started" is "running").
WaitTarget target_of(const std::string& start_when) {
  WaitTarget t = WaitTarget::Running;
  wait_target_from_name(start_when == "started" ? "running" : start_when, &t);
  return t;
}

}  // namespace

// Starts `selected` and everything they depend on, dependencies first: a
// task starts as soon as all its dependencies are started, ready or healthy
// (its start_when), so independent branches come up in parallel. A
// dependency that fails, or does not get there within the dependent's
// start_timeout, fails the dependent with a message naming it.
bool start_with_dependencies(const Session& s, const std::vector<std::string>& selected,
                             std::vector<std::string>* started) {
  TaskSpecs all = stored_specs_of(s.store, selected);
  std::vector<std::string> plan = with_dependencies(all, selected);
  enum State { Pending, Up, Failed };
  std::map<std::string, State> state;
  std::map<std::string, int64_t> waiting_since;
  const std::set<std::string_view> chosen(selected.begin(), selected.end());
  for (const auto& id : plan) {
    state[id] = Pending;
    bool is_selected = chosen.count(id) > 0;
    if (!is_selected && inspect_task(s.store, id, false).condition == TaskCondition::Active) state[id] = Up;
  }
  bool failed = false;
  auto fail = [&](const std::string& id, const std::string& why) {
    state[id] = Failed;
    failed = true;
    s.report.problem(id + ": not started: " + why);
  };
  for (;;) {
    bool pending = false, progress = false;
    // Tasks whose dependencies are all there start together, after the pass.
    std::vector<std::string> batch;
    for (const auto& id : plan) {
      if (state[id] != Pending) continue;
      auto spec = all.find(id);
      if (spec == all.end()) {
        // Gone, or its directory cannot be read (then say why).
        TaskSpec unread;
        std::string why;
        fail(id, s.store.read_spec(id, &unread, &why) || !s.store.has_task(id) ? "it is not loaded" : why);
        continue;
      }
      WaitTarget target = target_of(spec->second.start_when);
      bool ready = true, all_up = true, broken = false;
      std::string blocker, blocker_why;
      for (const auto& d : spec->second.depends_on) {
        if (!state.count(d) || state[d] == Failed) {
          fail(id, "its dependency '" + d + "' " + (state.count(d) ? "failed" : "is not loaded"));
          broken = true;
          break;
        }
        if (state[d] == Pending) {
          ready = all_up = false;
          continue;
        }
        std::string why;
        WaitOutcome o = assess_task(inspect_task(s.store, d, false), target, &why);
        if (o == WaitOutcome::Impossible) {
          fail(id, "its dependency '" + d + "' will not become " + wait_target_name(target) + ": " + why);
          broken = true;
          break;
        }
        if (o == WaitOutcome::Waiting) {
          ready = false;
          blocker = d;
          blocker_why = why;
        }
      }
      if (broken) {
        progress = true;
        continue;
      }
      if (ready) {
        progress = true;
        batch.push_back(id);
        continue;
      }
      pending = true;
      if (!all_up) continue;
      // Every dependency runs; wait for the condition, within the timeout.
      int64_t now = monotonic_ms();
      auto [it, fresh] = waiting_since.emplace(id, now);
      if (fresh) s.report.debug(id + ": waiting for '" + blocker + "' to be " + wait_target_name(target));
      if (now - it->second > spec->second.start_timeout_ms) {
        fail(id, "its dependency '" + blocker + "' did not become " + wait_target_name(target) + " within " +
                     format_duration_ms(spec->second.start_timeout_ms) + " (" + blocker_why + ")");
        progress = true;
      }
    }
    std::vector<bool> ok = start_tasks(s, batch);
    for (size_t i = 0; i < batch.size(); ++i) {
      state[batch[i]] = ok[i] ? Up : Failed;
      if (ok[i]) started->push_back(batch[i]);
      else failed = true;
    }
    if (!pending && batch.empty()) return !failed;
    if (!progress) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace spmi
