// Wall-clock and monotonic time in milliseconds, and the time formats spmi prints.
#pragma once

#include <cstdint>
#include <string>

namespace spmi {

// Milliseconds since the Unix epoch (wall clock).
int64_t now_ms();
// Milliseconds of CLOCK_MONOTONIC (for deadlines).
int64_t monotonic_ms();
// "2024-07-14 19:29:05" in local time (SPMI's status format).
std::string format_local_time(int64_t epoch_ms);
// "2024-07-14T17:29:05.123Z" (RFC 3339, UTC) for JSON.
std::string format_rfc3339_utc(int64_t epoch_ms);
// The UTC calendar fields of a time, computed (std::chrono's calendar): not
// gmtime_r, whose first call in a process reads /etc/localtime, once per
// resume of every wrapper that logs a line.
struct UtcTime {
  int year;
  unsigned month, day, hour, minute, second, millisecond;
};
UtcTime utc_time(int64_t epoch_ms);
// SPMI's "H:MM:SS" elapsed form.
std::string format_hms(int64_t seconds);

}  // namespace spmi
