// The wrapper process's object: its fds, its state machine, and the I/O
// around it. default_wrapper.cc has the core (lock, spawn, reap, stop, the
// poll loop); watchdog_features.cc the watchdog's additions (readiness,
// health checks, the schedule, the memory limit), which stay idle unless the
// spec asks for them. Internal to src/wrappers.
#pragma once

#include <poll.h>
#include <csignal>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/child_setup.h"
#include "common/cron.h"
#include "common/fd.h"
#include "common/identity.h"
#include "common/task_spec.h"
#include "common/task_state.h"
#include "common/task_tree.h"
#include "wrappers/default_wrapper.h"
#include "wrappers/compress_job.h"
#include "wrappers/health_probe.h"
#include "wrappers/log_writer.h"
#include "wrappers/health_tracker.h"
#include "wrappers/terminal_relay.h"
#include "wrappers/wrapper_machine.h"

namespace spmi {

class Wrapper {
 public:
  explicit Wrapper(const WrapperOptions& opts)
      : opts_(opts), machine_(SIGTERM), health_(HealthSettings{}) {}
  int run();

 private:
  std::string path(const char* name) const { return opts_.task_dir + "/" + name; }
  void report(const std::string& line);
  // The end of the wrapper's hold on the task, once its end is recorded:
  // the FIFOs go, then the lock, so that a start or clean right after the
  // end (or after a failed start is reported) never finds the task active.
  void release_task();
  void log(const std::string& line);
  bool save_state();
  std::string state_error_;  // why the last state write failed ("" when it worked)
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
  void note_event(const char* event, const std::string& reason);
  [[noreturn]] void exec_child(int err_fd);
  void loop();
  void handle(WrapperEvent e);
  int signal_tree(int sig, bool only_new);
  void reap();
  void record_tree();
  void read_control();
  void read_signals();

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
  std::vector<std::string> child_env_;
  std::vector<char*> child_envp_;
  std::vector<std::string> plain_words_;  // a shell command run without the shell (plain_command.h)
  // State writes so far, and at the last release_idle_memory().
  unsigned long state_saves_ = 0, released_at_save_ = 0;
  RunIdentity identity_;  // who the task runs as (from <task dir>/identity)
  // The task's settings, identity, directory and environment as one plan
  // for common/child_setup.h (the task and its health checks use it alike).
  ChildPlan child_plan();

  // watchdog_features.cc
  bool prepare_features(std::string* err);
  void after_transition(Phase from);
  bool open_ready_pipe(std::string* err);
  // In the forked child: the readiness pipe becomes fd spec_.ready_fd (the
  // exec-failure pipe *err_fd moves away if it sits there) and TZ is the
  // wrapper's original one again.
  void child_ready_fd(int* err_fd);
  // Environment entries the feature set adds ("K=V") or removes (names).
  void task_env_fixups(std::vector<std::pair<std::string, std::string>>* extra, std::vector<std::string>* remove);
  void read_ready();
  void apply_health_result(bool ok, const std::string& detail);
  void arm_next_fire(int64_t after_s);
  // The earliest feature deadline (monotonic ms, -1: none) for poll's timeout.
  int64_t feature_deadline() const;
  void add_feature_pollfds(std::vector<struct pollfd>* fds, size_t* first);
  void handle_features(const std::vector<struct pollfd>& fds, size_t first);
  void run_health_check();
  void finish_health_check(bool timed_out);
  void check_memory();

  WrapperOptions opts_;
  WrapperMachine machine_;
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
  int64_t deadline_ms_ = -1;  // monotonic; -1 when no stop is pending
  int64_t backoff_ms_ = -1;   // monotonic time of the next restart; -1: none
  int64_t uptime_at_ms_ = -1;  // monotonic: the run has stayed up min_uptime; -1: none pending
  Fd events_fd_;
  bool done_ = false;
  std::vector<std::pair<pid_t, unsigned long long>> signalled_;  // small: a vector, not a tree
  std::vector<ProcId> tree_;  // the processes last recorded in <task dir>/tree

  // Watchdog features (all idle unless the spec configures them).
  Fd ready_read_, ready_write_;  // the readiness pipe of the current run
  HealthTracker health_;
  HealthProbe probe_;
  std::string probe_program_;  // spmi-probe, for tcp and http checks
  bool scheduled_ = false;
  CronSchedule cron_;
  Fd fire_timer_;              // timerfd on CLOCK_REALTIME, armed at the next fire
  int64_t fire_at_s_ = -1;     // Unix seconds of the next fire; -1: none
  bool had_tz_ = false;        // the wrapper's own TZ, restored for the task
  std::string old_tz_;
  int64_t run_deadline_ms_ = -1;  // max_runtime (monotonic); -1: none
  int64_t memory_check_ms_ = -1;  // next max_memory check (monotonic); -1: none
};

}  // namespace spmi
