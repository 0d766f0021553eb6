// What a wrapper executable adds to the core loop (wrapper.h): the feature
// set is chosen in each executable's main, spmi-wrapper running
// DefaultFeatures (default_features.cc: nothing beyond the core) and
// spmi-watchdog WatchdogFeatures (watchdog_features.h: readiness, health
// checks, the schedule, max_runtime, max_memory). Every hook is idle unless
// the spec asks for it: an idle wrapper of either kind wakes zero times.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/task_state.h"
#include "wrappers/event_log.h"

namespace spmi {

class Wrapper;

class WrapperFeatures {
 public:
  virtual ~WrapperFeatures() = default;
  // Called once by the Wrapper that runs with this feature set.
  void bind(Wrapper* w) { w_ = w; }

  // Whether this executable runs wrapper type `type` (the spec's `wrapper`).
  virtual bool runs_type(const std::string& type) const = 0;
  // After the core's set-up, before the first run.
  virtual bool prepare(std::string* err) = 0;
  // The task waits for a schedule instead of starting at once.
  virtual bool scheduled() const { return false; }
  // Before each fork: the readiness pipe of the run (ready_fd).
  virtual bool before_spawn(std::string* err) = 0;
  // In the forked child, before exec (may move *err_fd out of the way).
  virtual void in_child(int* err_fd) = 0;
  // After the fork, in the wrapper.
  virtual void after_spawn() {}
  // Environment entries the feature set adds ("K", "V") or removes (names).
  virtual void task_env_fixups(std::vector<std::pair<std::string, std::string>>* extra,
                               std::vector<std::string>* remove) = 0;
  // After every transition of the machine (from `from` to its phase now).
  virtual void after_transition(Phase from) = 0;
  // The next moment (monotonic ms) the feature set needs the loop to wake
  // up at; -1: none.
  virtual int64_t deadline() const { return -1; }
  // Its descriptors for poll (appended), and what poll said of them
  // (starting at `first`); handle also runs what came due.
  virtual void add_pollfds(std::vector<struct pollfd>* fds) { (void)fds; }
  virtual void handle(const std::vector<struct pollfd>& fds, size_t first) {
    (void)fds;
    (void)first;
  }
  // A process of the feature set's own (a health check), not the task's: -1 none.
  virtual pid_t helper_pid() const { return -1; }
  // A scheduled task with no further fire is done.
  virtual bool schedule_ended() const { return false; }
  // Every event the wrapper recorded (events.jsonl), as it was recorded.
  virtual void event_recorded(const EventRecord& r) { (void)r; }
  // The wrapper may hand the task to its idle core while nothing is
  // pending (wrappers/wrapper_idle.cc): the feature set keeps no state
  // and no descriptor of its own across that exec.
  virtual bool can_idle() const { return false; }
  // The task ended and the wrapper let go of it; the last thing before it
  // exits (the on_event hook finishes its runs here).
  virtual void after_end() {}

 protected:
  Wrapper* w_ = nullptr;
};

// spmi-wrapper's feature set: readiness is "running" (or min_uptime).
class DefaultFeatures : public WrapperFeatures {
 public:
  bool runs_type(const std::string& type) const override { return type == "default"; }
  bool prepare(std::string*) override { return true; }
  bool before_spawn(std::string*) override { return true; }
  void in_child(int*) override {}
  void task_env_fixups(std::vector<std::pair<std::string, std::string>>*, std::vector<std::string>*) override {}
  void after_transition(Phase from) override;
  bool can_idle() const override { return true; }
};

}  // namespace spmi
