// One line of <task dir>/events.jsonl (state/schema.md, "events.jsonl"):
// its one definition. The wrapper appends one per transition; `spmi events`
// reads them back with a JSON parser (tests/wrappers/event_log_test.cc
// checks a formatted line against that reader). Hand-written JSON: the
// static wrapper carries no JSON library.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/task_state.h"

namespace spmi {

struct EventRecord {
  int64_t time_ms = 0;  // Unix ms, written as RFC 3339 UTC
  std::string task;
  std::string event;  // "started", "stopped", ... (docs/sphinx/watchdog/events.rst)
  Phase from = Phase::Starting;
  Phase to = Phase::Starting;
  std::string reason;     // "" = null
  pid_t pid = 0;          // 0 = null
  bool exited = false;    // the main process's end is known:
  int exit_code = -1;     //   its exit code (null when it was killed)
  int exit_signal = 0;    //   or the signal that killed it
  int restarts = 0;
  int64_t delay_ms = -1;  // -1 = null: the restart delay, when one was scheduled
};

// The record as one JSON object and a newline.
std::string format_event_line(const EventRecord& r);

}  // namespace spmi
