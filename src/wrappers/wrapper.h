// The wrapper process's object: its fds, its state machine, and the I/O
// around it. wrapper.cc has the core (lock, spawn, reap, stop, the poll
// loop), wrapper_logs.cc the task's output; the executable's feature set
// (features.h, chosen in its main) adds readiness, health checks, the
// schedule and limits. Internal to src/wrappers.
#pragma once

#include <poll.h>
#include <sys/types.h>
#include <csignal>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/cgroup.h"
#include "common/child_setup.h"
#include "common/fd.h"
#include "common/identity.h"
#include "common/task_spec.h"
#include "common/task_state.h"
#include "common/task_tree.h"
#include "wrappers/compress_job.h"
#include "wrappers/features.h"
#include "wrappers/health_probe.h"
#include "wrappers/helper_env.h"
#include "wrappers/log_writer.h"
#include "wrappers/terminal_relay.h"
#include "wrappers/timers.h"
#include "wrappers/tree_signaller.h"
#include "wrappers/wrapper_machine.h"
#include "wrappers/wrapper_options.h"

namespace spmi {

// A random number in [0, 1) for the restart jitter.
double random_fraction();

class Wrapper {
 public:
  Wrapper(const WrapperOptions& opts, WrapperFeatures& features) : opts_(opts), machine_(SIGTERM), features_(features) {
    features_.bind(this);
  }
  int run();

  // For the feature set (features.h).
  const TaskSpec& spec() const { return spec_; }
  TaskState& state() { return state_; }
  WrapperMachine& machine() { return machine_; }
  const WrapperMachine& machine() const { return machine_; }
  bool done() const { return done_; }
  void log(const std::string& line);
  // Writes the state file; false (with state_error_) when it could not.
  bool save_state();
  // Records an event that is not a transition ("file-changed").
  void note_event(const char* event, const std::string& reason);
  // A change of the state that is also an event ("ready", "healthy"): the
  // event is appended, then the state written (see HeldWrites).
  void commit_event(const char* event, const std::string& reason);
  // Feeds an event to the machine and carries out its actions (and those
  // of the events that follow from them).
  void handle(WrapperEvent e);
  // The task's settings, identity, directory and environment as one plan
  // for common/child_setup.h (the task and its health checks use it alike).
  ChildPlan child_plan();
  // A command run besides the task (an on_event hook, the stop_command, the
  // reload_command): a clone child with the task's user, directory and
  // limits and `env`, outside the task's cgroup, so a full one never stops
  // it (wrapper_control.cc). `env` starts as helper_env(): the task's
  // environment as its last run got it.
  bool start_helper(HealthProbe* probe, const HelperCommand& command, int64_t timeout_ms, HelperEnv& env,
                    std::string* err);
  HelperEnv helper_env();

 private:
  std::string path(const char* name) const { return opts_.task_dir + "/" + name; }
  void report(const std::string& line);
  // The end of the wrapper's hold on the task, once its end is recorded:
  // the FIFOs go, then the lock, so that a start or clean right after the
  // end (or after a failed start is reported) never finds the task active.
  void release_task();
  std::string state_error_;  // why the last state write failed ("" when it worked)
  std::string written_state_;  // what this process last wrote to the state file
  // While a HeldWrites lives, save_state and record_event only take note;
  // when the last one ends, the events are appended, the state is written
  // once, then the feature set hears of the events (state/schema.md,
  // "Order").
  class HeldWrites {
   public:
    explicit HeldWrites(Wrapper* w);
    ~HeldWrites();
    HeldWrites(const HeldWrites&) = delete;
    HeldWrites& operator=(const HeldWrites&) = delete;

   private:
    Wrapper* w_;
  };
  int hold_writes_ = 0;
  bool state_pending_ = false;
  std::vector<EventRecord> held_events_;
  int fail_start(const std::string& why);
  // A run that could not be started (output, process set-up, exec): logged,
  // recorded, fed to the machine as StartFailed.
  void fail_run(const std::string& why);
  // The run stayed up min_uptime: it counts as started (and, without
  // ready_fd or a health check, as ready).
  void reached_min_uptime();
  bool prepare(std::string* err);
  bool make_fifo(const char* name, int open_flags, Fd* out, std::string* err);
  pid_t spawn(std::string* err);
  void start_run();
  void record_event(const WrapperActions& a, Phase from);
  // Appends one event to the events file and tells the feature set.
  void emit_event(const EventRecord& r);
  void append_event(const EventRecord& r);
  // The machine for spec_ (its stop signal, policy, schedule, stop_command).
  void make_machine();
  [[noreturn]] void exec_child(int err_fd);
  void loop();
  // The part of run() after the start (or after a resume): the loop, then
  // letting go of the task.
  int live();
  void carry_out(WrapperEvent e);
  void sweep_after(WrapperEvent e, Phase from, const WrapperActions& a);
  int signal_tree(int sig);
  void reap();
  void record_tree();
  void read_control();
  void read_signals();

  // wrapper_control.cc: the stop_command and the reload (control_commands.h).
  // Each runs as a clone child like a health check: never the task's.
  bool start_stop_command();
  void finish_stop_command(bool cut);
  void reload();
  void finish_reload_command(bool timed_out);
  void reloaded(const std::string& outcome, const std::string& error);
  // The stop or reload command: start_helper with MAINPID while the main process runs.
  bool start_control_command(HealthProbe* probe, const HelperCommand& command, int64_t timeout_ms, std::string* err);
  void add_helper_pollfds(std::vector<struct pollfd>* fds);
  void handle_helpers(const std::vector<struct pollfd>& fds, size_t first);
  std::vector<pid_t> helper_pids() const;
  HealthProbe stop_cmd_, reload_cmd_;

  // wrapper_idle.cc: handing the idle task to the idle core and coming
  // back (idle_core/idle_protocol.h, resume_record.h).
  bool can_hibernate() const;
  // Execs the idle core; returns only when it could not (and the wrapper
  // then stays awake for good).
  void hibernate();
  bool resume(std::string* err);
  bool idle_core_off_ = false;

  // wrapper_logs.cc
  bool open_output_pipes(std::string* err);
  void add_log_pollfds(std::vector<struct pollfd>* fds);
  void handle_logs(const std::vector<struct pollfd>& fds, size_t first);
  void drain_output();
  void collect_compress_work();  // the writers' rotated files, into compress_queue_
  void after_log_writes();
  void finish_logs();

  // The task's process (built in the parent before each fork).
  bool prepare_process(std::string* err);
  // The run's environment (child_env_ and its envp), and the shell
  // command's words when it runs without the shell.
  void set_child_env(std::vector<std::string> env);
  // The cgroup.procs files each run joins (from state_.cgroups).
  void set_cgroup_join();
  std::vector<std::string> child_env_;
  std::vector<char*> child_envp_;
  std::vector<std::string> plain_words_;  // a shell command run without the shell (plain_command.h)
  // State writes so far, and at the last release_idle_memory().
  unsigned long state_saves_ = 0, released_at_save_ = 0;
  RunIdentity identity_;  // who the task runs as (from <task dir>/identity)

  // The task's own cgroup (common/cgroup.h): made at the start, joined by
  // each run's process, emptied by a kill, removed at the end.
  // Its directories are kept once, in state_.cgroups.
  bool make_cgroup(std::string* err);
  void check_oom_kills();
  TaskCgroup task_cgroup() const { return TaskCgroup{state_.cgroup_mode, state_.cgroups}; }
  std::vector<std::string> cgroup_join_;
  std::vector<const char*> cgroup_join_ptrs_;
  long long oom_kills_ = 0;  // the cgroup's OOM kills already reported

  WrapperOptions opts_;
  WrapperMachine machine_;
  WrapperFeatures& features_;
  // Who asked for the stop in progress: a user through spmi (the control
  // FIFO, SIGUSR1) or a signal from elsewhere (a shutdown's SIGTERM).
  EndCause stop_cause_ = EndCause::User;
  void note_stop_cause(EndCause cause);
  // In a screen/tmux window the task gets its own pty, relayed to the window.
  bool terminal_ = false;
  TerminalRelay relay_;
  Fd log_fd_;
  TaskSpec spec_;
  TaskState state_;
  Fd lock_fd_, signal_fd_, control_fd_, stdin_fd_;
  // Output (wrapper_logs.cc): the log writers, the native run's pipes (read
  // ends polled, write ends held only until the fork), rotated-log gzip.
  LogWriter out_log_, err_log_;
  Fd out_read_, err_read_, out_write_, err_write_;
  CompressJob compress_;
  std::vector<CompressItem> compress_queue_;
  int64_t log_state_saved_ms_ = 0;
  // Rotations of both logs so far (their sequences), and when last looked at.
  int log_rotations() const { return out_log_.sequence() + err_log_.sequence(); }
  int rotations_seen_ = 0;
  WrapperTimers timers_;
  Fd events_fd_;
  bool done_ = false;
  std::vector<ProcId> tree_;  // the processes last recorded in <task dir>/tree
};

}  // namespace spmi
