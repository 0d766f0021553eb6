// Ending tasks (end.h): requests go to every task first, through its
// backend (the control FIFO, or scancel for Slurm), then all are awaited
// together (pidfds), so many tasks take as long as the slowest.
#include "lifecycle/end.h"

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <set>
#include <string_view>

#include "common/atomic_file.h"
#include "common/cgroup.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/names.h"
#include "common/lock_file.h"
#include "store/parallel.h"
#include "common/process_tree.h"
#include "common/signals.h"
#include "common/task_tree.h"
#include "lifecycle/deps.h"
#include "store/control.h"
#include "store/task_view.h"

namespace spmi {

namespace {

struct Job {
  std::string id;
  Fd lock;
  TaskView view;
  const Backend* backend = nullptr;
  EndRequest request;
  bool requested = false;
};

// A task is reported as still running once its stop budget ran out and
// none of the tasks ended with it has ended for this long: stopping 10,000
// at once on two cores took 164 s, and all ended, but the budget of 9194
// ran out while their wrappers waited for the CPU (docs/sphinx/performance.rst).
constexpr int64_t kEndPatienceMs = 5000;

const char* done_word(bool kill) { return kill ? "killed" : "stopped"; }

// A lost wrapper whose end spmi can record: it ran in an earlier boot, or
// nothing of its backend runs any more (a Slurm job that ended, also on
// another node; the leftovers of a local one are ended first). A Slurm job
// that may still run is end_lost_job's.
bool lost_here(const TaskView& v) {
  if (v.condition == TaskCondition::LostInReboot) return true;
  return v.condition == TaskCondition::WrapperLost && !v.backend_running;
}

// Rewrites the state of a task whose wrapper is not running, holding the
// wrapper lock so that no wrapper can start meanwhile (the caller holds the
// cli.lock). `change` says whether it changed anything: the file is written
// only then. Nothing is done when a wrapper holds the lock (its state is the
// truth) or there is no state; a failed write is reported.
void amend_state(const Session& s, const std::string& id, const std::function<bool(TaskState&)>& change) {
  bool busy = false;
  std::string err;
  Fd wrapper_lock = try_lock_file(s.store.task_file(id, task_files::kLock), true, &busy, &err);
  if (!wrapper_lock.valid()) return;
  TaskState st;
  bool present = false;
  if (!s.store.read_state(id, &st, &present, &err) || !present || !change(st)) return;
  if (!write_file_atomic(s.store.task_file(id, task_files::kState), serialize_state(st), &err, Durability::Volatile))
    s.report.problem(id + ": " + err);
}

// Records a user's stop or kill of a task whose wrapper was lost, so that
// `spmi resurrect` leaves it down; the cgroup the wrapper left goes too.
void record_lost_end(const Session& s, const std::string& id, bool kill, int ended_by, const std::string& note) {
  amend_state(s, id, [&](TaskState& st) {
    if (!st.cgroups.empty() && same_boot(st)) {
      std::string ignored;  // gone already after a reboot
      remove_cgroup(TaskCgroup{st.cgroup_mode, st.cgroups}, &ignored);
    }
    if (!phase_is_live(st.phase)) return false;
    st.phase = Phase::Exited;
    st.finished_at_ms = now_ms();
    st.stop_request = kill ? "kill" : "stop";
    st.ended_by = ended_by;
    st.end_cause = EndCause::User;
    st.note = note;
    return true;
  });
}

// Ends the processes of a task whose wrapper is gone, then records that in
// its state file. After a reboot, or when none is left, there is nothing to
// end: the user's stop is recorded all the same.
bool end_lost_task(const Session& s, Job& job, bool kill) {
  const TaskView& v = job.view;
  const std::string verb = kill ? "kill" : "stop";
  if (v.leftovers.empty()) {
    std::string where = v.condition == TaskCondition::LostInReboot ? "in a reboot"
                        : v.remote && !v.state.host.empty() ? "on " + v.state.host
                                                            : "";
    record_lost_end(s, job.id, kill, 0,
                    "the wrapper was lost" + (where.empty() ? "" : " " + where) + "; 'spmi " + verb +
                        "' recorded the task as " + done_word(kill));
    s.report.done(std::string(done_word(kill)) + " " + job.id + " (its wrapper was lost" +
                  (where.empty() ? "" : " " + where) + "; nothing of it ran; recorded as " + done_word(kill) + ")");
    return true;
  }
  int sig = kill ? SIGKILL : v.spec.stop_signal;
  s.report.done(job.id + ": its wrapper was lost; " + (kill ? "killing " : "stopping ") +
                std::to_string(v.leftovers.size()) + " leftover process(es) with " + signal_name(sig));
  int ended_by = end_processes(v.leftovers, sig, kill ? 2000 : v.spec.stop_timeout_ms,
                               [&] { return find_leftovers(v.dir, v.state); });
  if (!find_leftovers(v.dir, v.state).empty()) {
    s.report.problem(job.id + ": some processes could not be ended");
    return false;
  }
  record_lost_end(s, job.id, kill, ended_by,
                  "the wrapper was lost; leftover processes were ended by 'spmi " + verb + "'");
  s.report.done(std::string(done_word(kill)) + " " + job.id + " (" + signal_name(ended_by) + ")");
  return true;
}

// Ends what the backend still runs of a task whose wrapper was lost (a
// Slurm job on a node that died), then records the end.
bool end_lost_job(const Session& s, Job& job, bool kill) {
  const TaskView& v = job.view;
  const Backend* backend = s.backend(v.state.backend);
  std::string err;
  std::string how = backend ? backend->end_lost(v, kill, &err) : "";
  if (how.empty()) {
    s.report.problem(job.id + ": " + (backend ? err : "unknown backend type '" + v.state.backend + "'"));
    return false;
  }
  std::string where = v.state.host.empty() ? "" : " on " + v.state.host;
  record_lost_end(s, job.id, kill, 0,
                  "the wrapper" + where + " was lost; 'spmi " + (kill ? "kill" : "stop") + "': " + how);
  s.report.done(std::string(done_word(kill)) + " " + job.id + " (its wrapper" + where + " was lost; " + how + ")");
  return true;
}

// A stop that reached the wrapper as a signal (Slurm's scancel, or SIGTERM
// when its control FIFO was gone) looks to the wrapper like a shutdown's;
// it was a user's, and `spmi resurrect` must leave the task down.
void record_user_end(const Session& s, const std::string& id) {
  amend_state(s, id, [](TaskState& st) {
    if (st.end_cause != EndCause::Signal) return false;  // the usual case: the wrapper recorded `user`
    st.end_cause = EndCause::User;
    return true;
  });
}

// Ending N tasks at once holds two descriptors per task (its cli.lock and
// a pidfd of its wrapper) until all have ended: 10,000 tasks need more than
// the usual soft limit of 1024 ("Too many open files"). The soft limit is
// raised for that (up to the hard limit) and set back afterwards, so that
// nothing started later by this command (a restart's wrappers, and their
// tasks) inherits it; where even the hard limit is too low, the tasks are
// ended in chunks of as many as it allows. The limit is the process's: only
// an end of more than 16 tasks at once changes it, which `stop` and `apply`
// do alone. A parallel restart ends one task (with its running dependents)
// per thread: one with over 16 dependents would raise it while another
// thread starts a wrapper, which then gets the raised soft limit (never
// above the hard one).
class FileLimitFor {
 public:
  static constexpr rlim_t kPerTask = 2;
  static constexpr rlim_t kSpare = 32;  // stdio, the state files being read, a helper's pipes
  explicit FileLimitFor(size_t tasks) {
    rlim_t want = static_cast<rlim_t>(tasks) * kPerTask + kSpare;
    if (::getrlimit(RLIMIT_NOFILE, &old_) != 0) return;
    now_ = old_.rlim_cur;
    if (now_ >= want) return;
    struct rlimit raised = old_;
    raised.rlim_cur = old_.rlim_max == RLIM_INFINITY ? want : std::min(want, old_.rlim_max);
    changed_ = ::setrlimit(RLIMIT_NOFILE, &raised) == 0;
    if (changed_) now_ = raised.rlim_cur;
  }
  ~FileLimitFor() {
    if (changed_) ::setrlimit(RLIMIT_NOFILE, &old_);
  }
  FileLimitFor(const FileLimitFor&) = delete;
  FileLimitFor& operator=(const FileLimitFor&) = delete;
  // How many tasks can be ended at once under the limit now (at least 1).
  size_t tasks_at_once() const {
    if (now_ == RLIM_INFINITY) return SIZE_MAX;
    return now_ <= kSpare + kPerTask ? 1 : static_cast<size_t>((now_ - kSpare) / kPerTask);
  }

 private:
  struct rlimit old_ {};
  rlim_t now_ = RLIM_INFINITY;
  bool changed_ = false;
};

// end_tasks for as many tasks as the descriptors allow at once.
bool end_all_at_once(const Session& s, const std::vector<std::string>& ids, bool kill) {
  const char* verb = kill ? "kill" : "stop";
  bool failed = false;
  std::vector<Job> jobs(ids.size());
  std::vector<Waitable*> waits;
  std::vector<Job*> lost;
  // What each task needs, found and requested on a few threads (10,000
  // requests one after the other took 20 s); reported in order below.
  enum class Step { Failed, Lost, LostJob, NotActive, Requested };
  std::vector<Step> steps(ids.size(), Step::Failed);
  std::vector<std::string> problems(ids.size());
  for_each_index(ids.size(), write_threads(ids.size()), [&](size_t i) {
    Job& job = jobs[i];
    job.id = ids[i];
    std::string err;
    job.lock = lock_and_inspect(s.store, job.id, &job.view, &err);
    if (!job.lock.valid()) {
      problems[i] = err;
      return;
    }
    const TaskView& v = job.view;
    if (v.condition == TaskCondition::Broken) {
      problems[i] = job.id + ": " + v.error;
    } else if (v.has_leftovers() || lost_here(v)) {
      steps[i] = Step::Lost;
    } else if (v.condition == TaskCondition::WrapperLost && v.backend_running) {
      steps[i] = Step::LostJob;
    } else if (v.condition != TaskCondition::Active) {
      // Already stopped: the wanted state, not a failure (systemctl's rule).
      problems[i] = job.id + ": not active; nothing to " + verb;
      steps[i] = Step::NotActive;
      job.lock.reset();
    } else if (!(job.backend = wrapper_backend(s, v))) {
      problems[i] = job.id + ": unknown backend type '" + v.state.backend + "'";
    } else {
      job.request.kill = kill;
      if (!job.backend->request_end(v, &job.request, s.debug_sink(), &err)) {
        problems[i] = job.id + ": " + err;
        return;
      }
      job.requested = true;
      steps[i] = Step::Requested;
    }
  });
  for (size_t i = 0; i < ids.size(); ++i) {
    Job& job = jobs[i];
    if (!problems[i].empty()) s.report.problem(problems[i]);
    switch (steps[i]) {
      case Step::Failed:
        failed = true;
        break;
      case Step::Lost:
        lost.push_back(&job);
        break;
      case Step::LostJob:
        failed = !end_lost_job(s, job, kill) || failed;
        break;
      case Step::NotActive:
        break;
      case Step::Requested:
        s.report.debug(job.id + ": " + verb + " requested");
        if (job.request.wait.pidfd.valid()) waits.push_back(&job.request.wait);
        break;
    }
  }
  // Each wait counts from the last request of the batch, not its own:
  // requesting 10,000 stops takes seconds, and the first tasks' wrappers
  // then end alongside all the others on a loaded machine.
  const int64_t all_requested = monotonic_ms();
  for (Job& job : jobs)
    if (job.requested) job.request.wait.deadline_ms += all_requested - job.request.requested_ms;
  // On a terminal, a stop that takes more than a second says what it waits
  // for and when the stop timeout runs out.
  auto tick = [&] {
    std::vector<std::string> names;
    int64_t first_kill = 0;
    for (const Job& job : jobs) {
      if (!job.requested || job.request.wait.exited || !job.request.wait.pidfd.valid()) continue;
      names.push_back(job.id);
      int64_t at = job.request.requested_ms + (kill ? 0 : job.view.spec.stop_budget_ms());
      if (first_kill == 0 || at < first_kill) first_kill = at;
    }
    if (names.empty()) return;
    std::string who = join_first(names, 3);
    int64_t wall = now_ms() + first_kill - monotonic_ms();
    std::string then = kill || first_kill <= monotonic_ms() ? "SIGKILL sent"
                                                             : "SIGKILL at " + format_local_time(wall).substr(11) +
                                                                   " (stop_timeout)";
    s.report.progress("waiting for " + who + " to " + (kill ? "die" : "stop") + "; " + then);
  };
  wait_all(waits, tick, kEndPatienceMs);
  s.report.progress("");

  for (Job& job : jobs) {
    if (!job.requested) continue;
    EndOutcome o = job.backend->await_end(s.store, job.view, job.request, s.debug_sink());
    if (!o.ok) {
      s.report.problem(job.id + ": " + o.error);
      failed = true;
      continue;
    }
    record_user_end(s, job.id);
    std::string how = !o.how.empty() ? o.how + ", " : o.signal ? signal_name(o.signal) + ", " : "";
    s.report.done(std::string(done_word(kill)) + " " + job.id + " (" + how + format_duration_ms(o.took_ms) + ")");
  }
  for (Job* job : lost) failed = !end_lost_task(s, *job, kill) || failed;
  return !failed;
}

}  // namespace

bool end_tasks(const Session& s, const std::vector<std::string>& ids, bool kill) {
  FileLimitFor limit(ids.size());
  size_t chunk = limit.tasks_at_once();
  if (ids.size() <= chunk) return end_all_at_once(s, ids, kill);
  bool ok = true;
  for (size_t at = 0; at < ids.size(); at += chunk) {
    std::vector<std::string> part(ids.begin() + static_cast<long>(at),
                                  ids.begin() + static_cast<long>(std::min(ids.size(), at + chunk)));
    ok = end_all_at_once(s, part, kill) && ok;
  }
  return ok;
}

bool end_in_dependency_order(const Session& s, const std::vector<std::string>& ids, bool with_active_dependents,
                             bool kill) {
  // The active tasks that depend on these go first, in waves: a task ends
  // only once nothing still running depends on it.
  TaskSpecs all = stored_specs(s.store);
  std::vector<std::string> remaining = ids;
  const std::set<std::string_view> asked(ids.begin(), ids.end());
  if (with_active_dependents)
    for (const auto& id : with_dependents(all, ids))
      if (!asked.count(id) &&
          inspect_task(s.store, id, false).condition == TaskCondition::Active)
        remaining.push_back(id);
  bool failed = false;
  for (const auto& wave : dependents_first_waves(all, remaining)) failed = !end_tasks(s, wave, kill) || failed;
  return !failed;
}

bool remove_inactive_task(const Session& s, const std::string& id, const std::string& refusal) {
  TaskView v;
  Fd lock = lock_for_change(s, id, &v);
  if (!lock.valid()) return false;
  bool wrapper_alive = probe_lock_file(s.store.task_file(id, task_files::kLock)) == LockProbe::Held;
  if (v.condition == TaskCondition::Active || wrapper_alive) {
    s.report.problem(id + ": active; " + refusal);
    return false;
  }
  if (v.has_leftovers()) {
    s.report.problem(v.leftovers_refusal());
    return false;
  }
  std::string err;
  if (!s.store.remove_task(id, &err)) {
    s.report.problem(id + ": " + err);
    return false;
  }
  return true;
}

}  // namespace spmi
