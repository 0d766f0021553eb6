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

struct WrapperTimers {
  Timer stop_deadline;  // stop_timeout after a stop request: SIGKILL when it passes
  Timer restart;        // the backoff before the next start
  Timer min_uptime;     // the run has stayed up min_uptime: it counts as started

  // The earliest armed time of the set and of `others` (-1: none).
  int64_t earliest(std::initializer_list<int64_t> others) const {
    int64_t at = -1;
    for (int64_t t : others)
      if (t >= 0 && (at < 0 || t < at)) at = t;
    for (const Timer* t : {&stop_deadline, &restart, &min_uptime})
      if (t->armed() && (at < 0 || t->at < at)) at = t->at;
    return at;
  }
};

}  // namespace spmi
