// The watchdog's feature set (watchdog_features.h). Each feature is idle
// unless the spec sets it: an idle watchdog without health check or limit
// still wakes zero times.
#include <fcntl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/proc.h"
#include "common/process_tree.h"
#include "wrappers/watchdog_features.h"
#include "wrappers/wrapper.h"

namespace spmi {

namespace {

// How often max_memory is checked while the task runs. /proc has no event
// for memory growth; a sweep of the tree costs well under a millisecond.
constexpr int64_t kMemoryCheckMs = 2000;

std::string mib(long long bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fMiB", static_cast<double>(bytes) / 1048576.0);
  return buf;
}

}  // namespace

bool WatchdogFeatures::prepare(std::string* err) {
  const TaskSpec& spec = w_->spec();
  TaskState& state = w_->state();
  health_ = HealthTracker(spec.health);
  scheduled_ = spec.schedule.waits_between_runs();
  if (health_.enabled()) state.health = HealthStatus::Starting;
  if (spec.health.type == HealthType::Tcp || spec.health.type == HealthType::Http) {
    // tcp and http checks resolve names: spmi-probe, installed beside us,
    // does that with the system's (dynamic) NSS.
    std::string self = own_executable();
    probe_program_ = (self.empty() ? std::string(".") : dir_name(self)) + "/spmi-probe";
    if (::access(probe_program_.c_str(), X_OK) != 0) {
      *err = "the " + std::string(spec.health.type == HealthType::Tcp ? "tcp" : "http") + " health check needs " +
             probe_program_ + ", which is missing (" + errno_text(errno) + "); reinstall spmi";
      return false;
    }
  }
  if (spec.watch.enabled()) {
    std::string note;
    if (!watch_.start(spec.watch.paths, spec.watch.ignore, err, &note)) return false;
    w_->log("watching " + std::to_string(spec.watch.paths.size()) + " path(s) with " +
            std::to_string(watch_.watches()) + " inotify watch(es)" + (note.empty() ? "" : "; " + note));
  }
  if (spec.schedule.cron.empty()) return true;
  if (!parse_cron(spec.schedule.cron, &cron_, err)) {
    *err = "schedule '" + spec.schedule.cron + "': " + *err;
    return false;
  }
  // Local time for the schedule is the task's time zone; the task itself
  // gets the wrapper's original TZ back (child_ready_fd).
  const char* tz = std::getenv("TZ");
  had_tz_ = tz != nullptr;
  if (tz) old_tz_ = tz;
  if (!spec.schedule.timezone.empty()) ::setenv("TZ", spec.schedule.timezone.c_str(), 1);
  ::tzset();
  fire_timer_.reset(::timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!fire_timer_.valid()) {
    *err = "timerfd_create: " + errno_text(errno);
    return false;
  }
  // Only a task that waits for its first fire arms at that transition;
  // the others run now and act at each fire.
  if (spec.schedule.action != ScheduleAction::Run) arm_next_fire(now_ms() / 1000);
  return true;
}

bool WatchdogFeatures::before_spawn(std::string* err) {
  const TaskSpec& spec = w_->spec();
  ready_read_.reset();
  ready_write_.reset();
  if (spec.ready_fd <= 0) return true;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    *err = "cannot create the readiness pipe: " + errno_text(errno);
    return false;
  }
  ::fcntl(p[0], F_SETFL, O_NONBLOCK);  // the task's end stays blocking
  ready_read_.reset(p[0]);
  ready_write_.reset(p[1]);
  return true;
}

void WatchdogFeatures::task_env_fixups(std::vector<std::pair<std::string, std::string>>* extra,
                                       std::vector<std::string>* remove) {
  const TaskSpec& spec = w_->spec();
  // The wrapper's TZ is the schedule's; the task keeps its own.
  if (!spec.schedule.cron.empty() && !spec.schedule.timezone.empty()) {
    if (had_tz_)
      extra->emplace_back("TZ", old_tz_);
    else
      remove->push_back("TZ");
  }
}

void WatchdogFeatures::in_child(int* err_fd) {
  const TaskSpec& spec = w_->spec();
  if (!ready_write_.valid()) return;
  int target = spec.ready_fd;
  if (*err_fd == target) *err_fd = ::fcntl(*err_fd, F_DUPFD_CLOEXEC, 10);
  if (ready_write_.get() == target)
    ::fcntl(target, F_SETFD, 0);
  else
    ::dup2(ready_write_.get(), target);  // the copy is not close-on-exec
}

void WatchdogFeatures::read_ready() {
  const TaskSpec& spec = w_->spec();
  TaskState& state = w_->state();
  char buf[256];
  ssize_t n;
  while ((n = ::read(ready_read_.get(), buf, sizeof buf)) > 0) {
    if (std::memchr(buf, '\n', static_cast<size_t>(n))) {
      ready_read_.reset();
      if (!state.ready) {
        state.ready = true;
        state.ready_at_ms = now_ms();
        w_->log("the task is ready (it wrote a newline to fd " + std::to_string(spec.ready_fd) + ")");
        w_->commit_event("ready", "the task wrote a newline to fd " + std::to_string(spec.ready_fd));
      }
      return;
    }
  }
  if (n == 0) {
    w_->log("the task closed its readiness fd " + std::to_string(spec.ready_fd) + " without writing a newline");
    ready_read_.reset();
  }
}

void WatchdogFeatures::after_transition(Phase from) {
  const TaskSpec& spec = w_->spec();
  TaskState& state = w_->state();
  const WrapperMachine& machine = w_->machine();
  bool was = from == Phase::Running || from == Phase::Draining;
  bool is = machine.run_active();
  int64_t mono = monotonic_ms();
  if (!was && is) {
    // A run began: readiness and health start over.
    state.ready = false;
    state.ready_at_ms = 0;
    if (health_.enabled()) {
      health_.run_started(mono);
      state.health = HealthStatus::Starting;
      state.health_failures = 0;
      state.health_detail.clear();
    } else if (spec.ready_fd <= 0 && spec.restart.min_uptime_ms <= 0) {
      state.ready = true;  // nothing else to wait for: running is ready (min_uptime: later)
      state.ready_at_ms = now_ms();
    }
    run_deadline_ms_ = spec.schedule.max_runtime_ms > 0 ? mono + spec.schedule.max_runtime_ms : -1;
    memory_check_ms_ = spec.max_memory_bytes > 0 ? mono + kMemoryCheckMs : -1;
  } else if (was && !is) {
    probe_.cancel();
    health_.run_ended();
    ready_read_.reset();
    run_deadline_ms_ = memory_check_ms_ = -1;
  }
  if (from == Phase::Starting && machine.phase() == Phase::Scheduled && spec.schedule.action == ScheduleAction::Run)
    arm_next_fire(now_ms() / 1000);
}

void WatchdogFeatures::arm_next_fire(int64_t after_s) {
  const ScheduleSettings& c = w_->spec().schedule;
  TaskState& state = w_->state();
  int64_t after = after_s;
  if (c.not_before_ms > 0) after = std::max(after, (c.not_before_ms + 999) / 1000 - 1);
  int64_t next = cron_next(cron_, after);
  if (next >= 0 && c.not_after_ms > 0 && next * 1000 > c.not_after_ms) next = -1;
  fire_at_s_ = next;
  state.next_fire_at_ms = next >= 0 ? next * 1000 : 0;
  struct itimerspec its {};
  its.it_value.tv_sec = next >= 0 ? static_cast<time_t>(next) : 0;
  if (::timerfd_settime(fire_timer_.get(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, nullptr) != 0)
    w_->log("cannot arm the schedule timer: " + errno_text(errno));
  if (next >= 0) w_->log("next fire at " + format_rfc3339_utc(next * 1000));
}

int64_t WatchdogFeatures::deadline() const {
  const WrapperMachine& machine = w_->machine();
  int64_t at = -1;
  auto take = [&at](int64_t t) {
    if (t >= 0 && (at < 0 || t < at)) at = t;
  };
  if (probe_.running())
    take(probe_.deadline_ms());
  else if (machine.run_active())
    take(health_.next_check_ms());
  if (hook_.running()) take(hook_.deadline_ms());
  take(run_deadline_ms_);
  take(memory_check_ms_);
  take(watch_due_ms_);
  return at;
}

void WatchdogFeatures::add_pollfds(std::vector<struct pollfd>* fds) {
  size_t first = fds->size();
  fds->resize(first + kSlots, {-1, POLLIN, 0});
  struct pollfd* slot = fds->data() + first;
  if (ready_read_.valid()) slot[kReady].fd = ready_read_.get();
  if (probe_.running()) {
    slot[kProbeExit].fd = probe_.pidfd();
    slot[kProbeOutput].fd = probe_.output_fd();
  }
  if (fire_timer_.valid()) slot[kFireTimer].fd = fire_timer_.get();
  if (watch_.active()) slot[kWatch].fd = watch_.fd();
  if (hook_.running()) {
    slot[kHookExit].fd = hook_.pidfd();
    slot[kHookOutput].fd = hook_.output_fd();
  }
}

void WatchdogFeatures::handle(const std::vector<struct pollfd>& fds, size_t first) {
  const short ready = POLLIN | POLLHUP | POLLERR;
  auto fired = [&](Slot s, short events) {
    const struct pollfd& p = fds[first + s];
    return p.fd >= 0 && (p.revents & events);
  };
  if (fired(kReady, ready) && ready_read_.valid()) read_ready();
  if (fired(kWatch, ready)) read_watch();
  if (watch_due_ms_ >= 0 && monotonic_ms() >= watch_due_ms_) restart_for_change();
  if (w_->done()) return;
  if (fired(kHookOutput, ready) && hook_.running()) hook_.read_output();
  if (fired(kHookExit, ready) && hook_.running())
    finish_hook(false);
  else if (hook_.running() && monotonic_ms() >= hook_.deadline_ms())
    finish_hook(true);
  if (fired(kProbeOutput, ready) && probe_.running()) probe_.read_output();
  if (fired(kProbeExit, ready) && probe_.running())
    finish_health_check(false);
  else if (probe_.running() && monotonic_ms() >= probe_.deadline_ms())
    finish_health_check(true);
  if (w_->done()) return;
  if (w_->machine().run_active() && !probe_.running() && health_.next_check_ms() >= 0 &&
      monotonic_ms() >= health_.next_check_ms())
    run_health_check();
  if (run_deadline_ms_ >= 0 && monotonic_ms() >= run_deadline_ms_) {
    run_deadline_ms_ = -1;
    w_->log("the run took longer than max_runtime (" + format_duration_ms(w_->spec().schedule.max_runtime_ms) +
            "): stopping it");
    w_->handle(WrapperEvent::RunTimeout);
    if (w_->done()) return;
  }
  if (memory_check_ms_ >= 0 && monotonic_ms() >= memory_check_ms_) check_memory();
  if (!w_->done() && fired(kFireTimer, POLLIN)) fire();
}

// The schedule's timer expired (or the clock was set).
void WatchdogFeatures::fire() {
  uint64_t expirations = 0;
  ssize_t n = ::read(fire_timer_.get(), &expirations, sizeof expirations);
  int64_t now_s = now_ms() / 1000;
  if (n < 0 && errno == ECANCELED) {
    w_->log("the system clock was set: recomputing the next fire");
    arm_next_fire(now_s - 1);
    return;
  }
  if (n != static_cast<ssize_t>(sizeof expirations) || fire_at_s_ < 0) return;
  // Missed fires (the machine slept) are not caught up: one run, then the
  // next fire after now. The next fire is known before this one runs.
  w_->state().last_fire_at_ms = now_ms();
  arm_next_fire(std::max(fire_at_s_, now_s));
  const WrapperMachine& m = w_->machine();
  switch (w_->spec().schedule.action) {
    case ScheduleAction::Run: w_->handle(WrapperEvent::Fire); break;
    case ScheduleAction::Start:
      // Running is what a start wants: nothing to do, nothing skipped.
      if (m.phase() == Phase::Scheduled)
        w_->handle(WrapperEvent::Fire);
      else
        w_->log("schedule_action = start: the task is " + std::string(phase_name(m.phase())) + "; nothing to start");
      break;
    case ScheduleAction::Restart:
      if (m.run_active() || m.phase() == Phase::Backoff) {
        w_->note_event("fire", "schedule_action = restart");
        w_->handle(WrapperEvent::RestartRequested);
      } else {
        w_->log("schedule_action = restart: the task is " + std::string(phase_name(m.phase())) + "; not restarted");
      }
      break;
    case ScheduleAction::Stop:
      w_->note_event("fire", "schedule_action = stop");
      w_->handle(WrapperEvent::StopRequested);
      break;
  }
}

void WatchdogFeatures::run_health_check() {
  const TaskSpec& spec = w_->spec();
  health_.check_started();
  std::string err;
  if (!probe_.start(spec, w_->child_plan(), probe_program_, monotonic_ms(), &err)) {
    w_->log("cannot run the health check: " + err);
    apply_health_result(false, err);
  }
}

void WatchdogFeatures::finish_health_check(bool timed_out) {
  const TaskSpec& spec = w_->spec();
  std::string detail;
  bool ok = false;
  if (timed_out) {
    probe_.cancel();
    detail = "timed out after " + format_duration_ms(spec.health.timeout_ms) + " (killed)";
  } else {
    ok = probe_.finish(&detail);
  }
  apply_health_result(ok, detail);
}

void WatchdogFeatures::apply_health_result(bool ok, const std::string& detail) {
  const TaskSpec& spec = w_->spec();
  TaskState& state = w_->state();
  WrapperMachine& machine = w_->machine();
  HealthChange change = health_.check_finished(ok, monotonic_ms());
  state.health = health_.status();
  state.health_failures = health_.failures();
  state.health_detail = detail;
  if (change == HealthChange::None) return;  // the state file changes on transitions only
  if (change == HealthChange::BecameHealthy) {
    w_->log("healthy: " + detail);
    if (spec.ready_fd <= 0 && !state.ready) {
      state.ready = true;  // ready = the first healthy check
      state.ready_at_ms = now_ms();
    }
    w_->commit_event("healthy", detail);
    return;
  }
  w_->log("unhealthy after " + std::to_string(state.health_failures) + " failed check(s): " + detail);
  w_->commit_event("unhealthy", detail);
  if (spec.health.restart_on_unhealthy && machine.run_active()) {
    machine.set_force_reason("unhealthy: " + detail);
    w_->handle(WrapperEvent::ForceRestart);
  }
}

void WatchdogFeatures::check_memory() {
  const TaskSpec& spec = w_->spec();
  WrapperMachine& machine = w_->machine();
  memory_check_ms_ = monotonic_ms() + kMemoryCheckMs;
  if (!machine.run_active()) return;
  long long total = 0;
  for (const ProcStat& p : live_descendants(::getpid()))
    if (!probe_.running() || p.pgid != probe_.pid()) total += proc_rss_bytes(p.pid);
  if (total <= spec.max_memory_bytes) return;
  std::string why = "memory " + mib(total) + " over max_memory " + mib(spec.max_memory_bytes);
  w_->log(why + ": restarting the task");
  machine.set_force_reason(why);
  w_->handle(WrapperEvent::ForceRestart);
}

// A change that no ignore glob covers: the restart waits for debounce of
// quiet (each further change moves it), then takes every change so far.
void WatchdogFeatures::read_watch() {
  std::string changed = watch_.read_changes();
  if (changed.empty()) return;
  if (watch_changed_.empty()) watch_changed_ = changed;
  watch_due_ms_ = monotonic_ms() + w_->spec().watch.debounce_ms;
}

void WatchdogFeatures::restart_for_change() {
  watch_due_ms_ = -1;
  std::string what = watch_changed_;
  watch_changed_.clear();
  const WrapperMachine& m = w_->machine();
  // A run, or one waiting to restart: restarted (a crashed task comes back
  // with the fix). Stopping, or waiting for a fire: left alone.
  if (!m.run_active() && m.phase() != Phase::Backoff) return;
  w_->log(what + " changed: restarting the task");
  w_->note_event("file-changed", what + " changed");
  w_->handle(WrapperEvent::RestartRequested);
}

}  // namespace spmi
