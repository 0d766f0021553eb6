// The core loop's timers as one set (the feature set adds its own deadline,
// features.h): each is a monotonic time in ms or unarmed, and poll sleeps
// until the earliest, so nothing armed means no wake-up at all.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace spmi {

struct Timer {
  int64_t at = -1;  // monotonic ms; -1: unarmed
  void arm(int64_t at_ms) { at = at_ms; }
  void disarm() { at = -1; }
  bool armed() const { return at >= 0; }
  bool due(int64_t now_ms) const { return at >= 0 && now_ms >= at; }
};

// The re-sweeps of a tree being killed (the table's Tick in
// wrapper_machine.h): each sends SIGKILL to what was forked or left the
// group since the last. The first comes soon after the kill, then each
// twice as far after the last, up to kMaxMs: a killed tree ends within a
// few sweeps (a process in uninterruptible sleep dies when it wakes), and a
// thousand wrappers killing at once must not spend the machine's CPU
// re-reading their trees while their tasks wait for it to die (a stop of
// 2000 tasks took 28 s to 231 s with sweeps every 200 ms; see
// docs/sphinx/performance.rst).
struct SweepSchedule {
  static constexpr int64_t kMaxMs = 3200;
  Timer timer;
  int64_t interval_ms = 0;
  // SIGKILL went to the whole tree now: the first sweep in `first_ms`.
  void begin(int64_t now_ms, int64_t first_ms) {
    interval_ms = first_ms;
    timer.arm(now_ms + first_ms);
  }
  // A sweep was made now: the next one twice as far off (at most kMaxMs).
  void swept(int64_t now_ms) {
    interval_ms = interval_ms * 2 < kMaxMs ? interval_ms * 2 : kMaxMs;
    timer.arm(now_ms + interval_ms);
  }
  void end() {
    timer.disarm();
    interval_ms = 0;
  }
};

struct WrapperTimers {
  Timer stop_deadline;  // stop_timeout after a stop request: SIGKILL when it passes
  Timer restart;        // the backoff before the next start
  Timer min_uptime;     // the run has stayed up min_uptime: it counts as started
  SweepSchedule sweep;  // the next re-sweep while killing
  // A log was rotated: the wrapper stays awake (no hand-off to the idle
  // core) until kBusyLogAwakeMs pass without another rotation. A task that
  // fills max_size again and again would otherwise cost two execs per
  // rotation (the core waking the wrapper to rotate, the wrapper handing
  // back): 1 GiB of output through 10 MiB logs took 40 % longer.
  Timer busy_log;
  static constexpr int64_t kBusyLogAwakeMs = 2000;

  // The earliest armed time of the set and of `others` (-1: none).
  int64_t earliest(std::initializer_list<int64_t> others) const {
    int64_t at = -1;
    for (int64_t t : others)
      if (t >= 0 && (at < 0 || t < at)) at = t;
    for (const Timer* t : {&stop_deadline, &restart, &min_uptime, &sweep.timer, &busy_log})
      if (t->armed() && (at < 0 || t->at < at)) at = t->at;
    return at;
  }
};

}  // namespace spmi
