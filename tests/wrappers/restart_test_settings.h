// Restart settings shared by the restart policy and state machine tests.
#pragma once

#include "common/restart_settings.h"

namespace spmi::test {

// `mode` with short, round numbers: delay 1 s doubling to 8 s, reset after
// 30 s, at most 3 restarts within 60 s.
inline RestartSettings settings(RestartMode mode) {
  RestartSettings s;
  s.mode = mode;
  s.delay_ms = 1000;
  s.max_delay_ms = 8000;
  s.reset_after_ms = 30000;
  s.max_restarts = 3;
  s.window_ms = 60000;
  return s;
}

}  // namespace spmi::test
