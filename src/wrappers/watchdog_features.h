// spmi-watchdog's feature set (features.h): readiness (ready_fd), health
// checks, the cron schedule (a CLOCK_REALTIME timerfd, so the loop sleeps
// until the fire), max_runtime, the memory limit and watch (inotify,
// file_watcher.h). Each is idle unless
// the spec sets it.
#pragma once

#include <deque>

#include "common/cron.h"
#include "common/fd.h"
#include "wrappers/features.h"
#include "wrappers/file_watcher.h"
#include "wrappers/health_probe.h"
#include "wrappers/health_tracker.h"

namespace spmi {

class WatchdogFeatures : public WrapperFeatures {
 public:
  WatchdogFeatures() : health_(HealthSettings{}) {}
  bool runs_type(const std::string& type) const override { return type == "watchdog" || type == "default"; }
  bool prepare(std::string* err) override;
  bool scheduled() const override { return scheduled_; }
  bool before_spawn(std::string* err) override;
  void in_child(int* err_fd) override;
  void after_spawn() override { ready_write_.reset(); }  // only the child writes readiness
  void task_env_fixups(std::vector<std::pair<std::string, std::string>>* extra,
                       std::vector<std::string>* remove) override;
  void after_transition(Phase from) override;
  int64_t deadline() const override;
  void add_pollfds(std::vector<struct pollfd>* fds) override;
  void handle(const std::vector<struct pollfd>& fds, size_t first) override;
  pid_t helper_pid() const override { return probe_.running() ? probe_.pid() : -1; }
  bool schedule_ended() const override { return scheduled_ && fire_at_s_ < 0; }
  void event_recorded(const EventRecord& r) override;
  void after_end() override;

 private:
  // Where each descriptor sits among the feature set's poll entries.
  enum Slot : size_t { kReady, kProbeExit, kProbeOutput, kFireTimer, kHookExit, kHookOutput, kWatch, kSlots };

  void read_ready();
  void apply_health_result(bool ok, const std::string& detail);
  void arm_next_fire(int64_t after_s);
  void run_health_check();
  void finish_health_check(bool timed_out);
  void check_memory();
  void fire();
  // The on_event hook (watchdog_hook.cc).
  void start_hook();
  void finish_hook(bool timed_out);

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
  // The on_event hook: one run at a time, the events that came meanwhile
  // waiting (at most kMaxHookQueue; the oldest dropped beyond).
  HealthProbe hook_;
  std::deque<EventRecord> hook_queue_;
  std::string hook_event_;  // the event the running hook is for
  // watch: changes arm the debounce; when it passes, the task restarts.
  void read_watch();
  void restart_for_change();
  FileWatcher watch_;
  int64_t watch_due_ms_ = -1;   // monotonic; -1: no change pending
  std::string watch_changed_;   // the first change since the last restart
};

}  // namespace spmi
