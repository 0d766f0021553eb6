// Cron expressions and their next fire time, in the process's local time zone
// (the watchdog of a scheduled task sets TZ to the task's `timezone`).
//
//   5 fields   minute hour day-of-month month day-of-week
//   6 fields   second minute hour day-of-month month day-of-week
//   items      * ? n n-m */s n-m/s n/s, comma-separated lists
//   names      jan..dec, sun..sat (any case)
//   weekdays   POSIX: 0 and 7 are Sunday, 1-5 is Monday to Friday
//   macros     @yearly @annually @monthly @weekly @daily @midnight @hourly
//   day rule   when both day-of-month and day-of-week are restricted (neither
//              is `*` or `?`), a day matches if either matches (Vixie cron)
//
// Daylight saving time: a local time that does not exist (the hour skipped in
// spring) fires once, at the first instant after the gap; a local time that
// happens twice (the hour repeated in autumn) fires once, at its first
// occurrence. No Debian package provides a C++ cron parser, so this is ours.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spmi {

struct CronSchedule {
  uint64_t seconds = 0;  // bit n = second n
  uint64_t minutes = 0;
  uint32_t hours = 0;
  uint32_t days = 0;     // bits 1..31
  uint16_t months = 0;   // bits 1..12
  uint8_t weekdays = 0;  // bits 0..6, 0 = Sunday
  bool days_star = true;
  bool weekdays_star = true;
};

// Parses `text`; false with `err` naming the field and the problem.
bool parse_cron(std::string_view text, CronSchedule* out, std::string* err);

// The first fire strictly after `after_s` (Unix seconds) in the local time
// zone, or -1 when there is none within the next 30 years.
int64_t cron_next(const CronSchedule& c, int64_t after_s);

// The instant (Unix seconds) at which local civil time `civil_s` (seconds
// since 1970-01-01 00:00 counted as if in UTC) first happens; for a civil
// time in a DST gap, the first instant after the gap.
int64_t civil_to_instant(int64_t civil_s);

// Days since 1970-01-01 of a proleptic Gregorian date (exact for any year).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace spmi
