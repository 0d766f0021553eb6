// spmi stop <patterns>... and spmi kill <patterns>...: end active tasks.
//
// stop: the wrapper sends the task's stop signal to the whole tree and
// SIGKILL at the stop timeout. kill: SIGKILL to the whole tree at once. Both
// return when nothing of the task is left, and say which signal ended it.
// Requests go to every task first, then all are awaited together (pidfds),
// so many tasks take as long as the slowest. A task whose wrapper was lost
// is ended by spmi itself from what /proc shows of it.
#include <algorithm>
#include <csignal>

#include "cli/commands.h"
#include "store/control.h"
#include "lifecycle/deps.h"
#include "cli/slurm_control.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"
#include "common/process_tree.h"
#include "common/signals.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  bool no_deps = false;
};

struct Job {
  std::string id;
  Fd lock;
  TaskView view;
  Waitable wait;
  bool requested = false;
  bool slurm = false;  // ended through scancel (slurm_control.h)
  int64_t started_ms = 0;
};

// Ends the processes of a task whose wrapper is gone, then records that in
// its state file (holding the wrapper lock so no wrapper can start meanwhile).
bool end_lost_task(Context& ctx, Job& job, bool kill) {
  const TaskView& v = job.view;
  int sig = kill ? SIGKILL : v.spec.stop_signal;
  std::printf("%s: its wrapper was lost; %s %zu leftover process(es) with %s\n", job.id.c_str(),
              kill ? "killing" : "stopping", v.leftovers.size(), signal_name(sig).c_str());
  int ended_by = end_processes(v.leftovers, sig, kill ? 2000 : v.spec.stop_timeout_ms,
                               [&] { return find_leftovers(v.dir, v.state); });
  if (!find_leftovers(v.dir, v.state).empty()) {
    print_error(job.id + ": some processes could not be ended");
    return false;
  }
  bool busy = false;
  std::string err;
  Fd wrapper_lock = try_lock_file(ctx.store.task_file(job.id, task_files::kLock), true, &busy, &err);
  if (wrapper_lock.valid()) {
    TaskState st = v.state;
    st.phase = Phase::Exited;
    st.finished_at_ms = now_ms();
    st.stop_request = kill ? "kill" : "stop";
    st.ended_by = ended_by;
    st.note = "the wrapper was lost; leftover processes were ended by 'spmi " + std::string(kill ? "kill" : "stop") + "'";
    if (!write_file_atomic(ctx.store.task_file(job.id, task_files::kState), serialize_state(st), &err,
                           Durability::Volatile))
      print_error(job.id + ": " + err);
  }
  std::printf("%s %s (%s)\n", kill ? "killed" : "stopped", job.id.c_str(), signal_name(ended_by).c_str());
  return true;
}

// Ends `ids` together; false when any could not be ended (or was not active).
bool end_tasks(Context& ctx, const std::vector<std::string>& ids, bool kill) {
  const char* verb = kill ? "kill" : "stop";
  bool failed = false;
  std::vector<Job> jobs(ids.size());
  std::vector<Waitable*> waits;
  std::vector<Job*> lost;
  for (size_t i = 0; i < ids.size(); ++i) {
    Job& job = jobs[i];
    job.id = ids[i];
    std::string err;
    job.lock = lock_and_inspect(ctx, job.id, &job.view);
    if (!job.lock.valid()) {
      failed = true;
      continue;
    }
    const TaskView& v = job.view;
    if (v.condition == TaskCondition::Broken) {
      print_error(job.id + ": " + v.error);
      failed = true;
    } else if (v.has_leftovers()) {
      lost.push_back(&job);
    } else if (v.condition != TaskCondition::Active) {
      // Already stopped: the wanted state, not a failure (systemctl's rule).
      print_error(job.id + ": not active; nothing to " + verb);
      job.lock.reset();
    } else if (v.state.backend == "slurm") {
      job.started_ms = monotonic_ms();
      if (!request_slurm_end(v, kill, &err)) {
        print_error(job.id + ": cannot " + verb + " Slurm job " + v.state.backend_id + ": " + err);
        failed = true;
        continue;
      }
      print_debug(ctx, job.id + ": " + verb + " requested from Slurm (job " + v.state.backend_id + ")");
      job.requested = job.slurm = true;
    } else {
      job.started_ms = monotonic_ms();
      job.wait.pidfd.reset(open_pidfd(v.state.wrapper_pid, v.state.wrapper_start_ticks));
      job.wait.deadline_ms = job.started_ms + (kill ? 10000 : v.spec.stop_timeout_ms + 10000);
      if (!send_control(v.dir, kill ? ControlRequest::Kill : ControlRequest::Stop, &err)) {
        // The control FIFO is gone but the lock is held: fall back to a
        // signal (the wrapper stops its task on SIGTERM).
        print_debug(ctx, job.id + ": " + err + "; signalling the wrapper instead");
        ProcStat w;
        if (read_proc_stat(v.state.wrapper_pid, &w)) signal_process(w, SIGTERM);
      }
      print_debug(ctx, job.id + ": " + verb + " requested");
      job.requested = true;
      waits.push_back(&job.wait);
    }
  }
  wait_all(waits);

  for (Job& job : jobs) {
    if (!job.requested) continue;
    if (job.slurm) {
      std::string line, err;
      if (await_slurm_end(ctx, job.view, kill, job.started_ms, &line, &err)) {
        std::printf("%s\n", line.c_str());
      } else {
        print_error(job.id + ": " + err);
        failed = true;
      }
      continue;
    }
    if (!job.wait.pidfd.valid()) {
      // No pidfd (the recorded wrapper identity did not match): wait for the
      // wrapper's lock instead, which is released when it exits.
      bool busy = false;
      std::string err;
      int64_t left = std::max<int64_t>(0, job.wait.deadline_ms - monotonic_ms());
      Fd l = wait_lock_file(ctx.store.task_file(job.id, task_files::kLock), static_cast<int>(left), &busy, &err);
      job.wait.exited = l.valid();
    }
    if (!job.wait.exited) {
      print_error(job.id + ": still running after waiting " + format_duration_ms(job.wait.deadline_ms - job.started_ms) +
                  "; see " + job.view.dir + "/wrapper.log");
      failed = true;
      continue;
    }
    TaskState st;
    bool present = false;
    std::string err;
    int64_t took = monotonic_ms() - job.started_ms;
    if (ctx.store.read_state(job.id, &st, &present, &err) && present && st.ended_by) {
      std::printf("%s %s (%s, %s)\n", kill ? "killed" : "stopped", job.id.c_str(), signal_name(st.ended_by).c_str(),
                  format_duration_ms(took).c_str());
    } else {
      std::printf("%s %s (%s)\n", kill ? "killed" : "stopped", job.id.c_str(), format_duration_ms(took).c_str());
    }
  }
  for (Job* job : lost) failed = !end_lost_task(ctx, *job, kill) || failed;
  std::fflush(stdout);
  return !failed;
}

int run_end(Context& ctx, const Options& opts, bool kill) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool ok = opts.no_deps ? end_tasks(ctx, ids, kill) : end_in_dependency_order(ctx, ids, true, kill);
  return combine_exit(!ok, unmatched);
}

}  // namespace

bool end_in_dependency_order(Context& ctx, const std::vector<std::string>& ids, bool with_active_dependents, bool kill) {
  // The active tasks that depend on these go first, in waves: a task ends
  // only once nothing still running depends on it.
  TaskSpecs all = stored_specs(ctx.store);
  std::vector<std::string> remaining = ids;
  if (with_active_dependents)
    for (const auto& id : with_dependents(all, ids))
      if (std::find(ids.begin(), ids.end(), id) == ids.end() &&
          inspect_task(ctx.store, id, false).condition == TaskCondition::Active)
        remaining.push_back(id);
  bool failed = false;
  for (const auto& wave : dependents_first_waves(all, remaining)) failed = !end_tasks(ctx, wave, kill) || failed;
  return !failed;
}

Command add_stop_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("stop", "Stop active tasks (stop signal, then SIGKILL at the stop timeout)");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Stop only the given tasks, not the tasks that depend on them");
  return {sub, [&ctx, opts] { return run_end(ctx, *opts, false); }};
}

Command add_kill_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("kill", "Kill active tasks (SIGKILL to every process of the task)");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--no-deps", opts->no_deps, "Kill only the given tasks, not the tasks that depend on them");
  return {sub, [&ctx, opts] { return run_end(ctx, *opts, true); }};
}

}  // namespace spmi
