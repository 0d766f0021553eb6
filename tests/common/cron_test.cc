// Cron parsing and next fires: fixed times, POSIX weekdays, the day-of-month
// / day-of-week rule, Feb 29, seconds, and DST in Europe/Berlin and
// America/New_York. Pure computation: no clock, no sleeps.
#include <catch2/catch.hpp>

#include "common/cron.h"
#include "manageables/units.h"  // ScopedTimeZone

using namespace spmi;

namespace {

int64_t utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}

CronSchedule cron(const char* text) {
  CronSchedule c;
  std::string err;
  INFO(text);
  REQUIRE(parse_cron(text, &c, &err));
  CHECK(err.empty());
  return c;
}

std::string cron_error(const char* text) {
  CronSchedule c;
  std::string err;
  CHECK_FALSE(parse_cron(text, &c, &err));
  return err;
}

}  // namespace

TEST_CASE("cron: malformed expressions are refused with the field named", "[cron]") {
  CHECK(cron_error("* * * *") == "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got 4");
  CHECK(cron_error("60 * * * *") == "minute field: 60 is out of range 0-59");
  CHECK(cron_error("* 24 * * *") == "hour field: 24 is out of range 0-23");
  CHECK(cron_error("* * 0 * *") == "day-of-month field: 0 is out of range 1-31");
  CHECK(cron_error("* * * 13 *") == "month field: 13 is out of range 1-12");
  CHECK(cron_error("* * * * 8") == "day-of-week field: 8 is out of range 0-7");
  CHECK(cron_error("* * * foo *") == "month field: 'foo' is not a number or name");
  CHECK(cron_error("5-1 * * * *") == "minute field: range '5-1' goes backwards");
  CHECK(cron_error("*/0 * * * *") == "minute field: step '0' must be a whole number from 1");
  CHECK(cron_error("1,,2 * * * *").find("empty list item") != std::string::npos);
  CHECK(cron_error("@reboot").find("unknown macro '@reboot'") == 0);
  CHECK(cron_error("0 0 30 2 *") == "the day-of-month never occurs in the chosen months, so the schedule never fires");
}

TEST_CASE("cron: fields, lists, ranges, steps and names", "[cron]") {
  ScopedTimeZone zone("UTC");
  // */15 with seconds: the next quarter minute.
  CHECK(cron_next(cron("*/15 * * * * *"), utc(2026, 11, 21, 12, 0, 7)) == utc(2026, 11, 21, 12, 0, 15));
  CHECK(cron_next(cron("*/15 * * * * *"), utc(2026, 11, 21, 12, 0, 45)) == utc(2026, 11, 21, 12, 1, 0));
  // 5 fields run at second 0; strictly after the given time.
  CHECK(cron_next(cron("* * * * *"), utc(2026, 11, 21, 12, 0, 0)) == utc(2026, 11, 21, 12, 1, 0));
  CHECK(cron_next(cron("5,10-12 3 * * *"), utc(2026, 11, 21, 3, 10)) == utc(2026, 11, 21, 3, 11));
  CHECK(cron_next(cron("5,10-12 3 * * *"), utc(2026, 11, 21, 3, 12)) == utc(2026, 11, 22, 3, 5));
  CHECK(cron_next(cron("0 0 1 jan,JUL *"), utc(2026, 2, 1)) == utc(2026, 7, 1));
  CHECK(cron_next(cron("30/10 * * * *"), utc(2026, 1, 1, 0, 41)) == utc(2026, 1, 1, 0, 50));
  // Macros.
  CHECK(cron_next(cron("@hourly"), utc(2026, 11, 21, 12, 30)) == utc(2026, 11, 21, 13, 0));
  CHECK(cron_next(cron("@daily"), utc(2026, 11, 21, 12, 30)) == utc(2026, 11, 22));
  CHECK(cron_next(cron("@weekly"), utc(2026, 11, 21, 12, 30)) == utc(2026, 11, 22));  // Sunday
  CHECK(cron_next(cron("@monthly"), utc(2026, 11, 21)) == utc(2026, 12, 1));
  CHECK(cron_next(cron("@yearly"), utc(2026, 11, 21)) == utc(2027, 1, 1));
}

TEST_CASE("cron: POSIX weekdays, 0 and 7 are Sunday, 1-5 is Monday to Friday", "[cron]") {
  ScopedTimeZone zone("UTC");
  // 2026-11-20 is a Friday, 2026-11-22 a Sunday.
  const int64_t friday_noon = utc(2026, 11, 20, 12);
  CHECK(cron_next(cron("0 9 * * 1-5"), friday_noon) == utc(2026, 11, 23, 9));  // Monday
  CHECK(cron_next(cron("0 9 * * mon-fri"), friday_noon) == utc(2026, 11, 23, 9));
  CHECK(cron_next(cron("0 0 * * 0"), friday_noon) == utc(2026, 11, 22));
  CHECK(cron_next(cron("0 0 * * 7"), friday_noon) == utc(2026, 11, 22));
  CHECK(cron_next(cron("0 0 * * sun"), friday_noon) == utc(2026, 11, 22));
  CHECK(cron_next(cron("0 0 * * 6"), friday_noon) == utc(2026, 11, 21));  // Saturday
  CHECK(cron_next(cron("0 0 * * 5-7"), friday_noon) == utc(2026, 11, 21));
  // Both day fields restricted: either matches (the 13th, or any Friday).
  CHECK(cron_next(cron("0 0 13 * 5"), utc(2026, 12, 1)) == utc(2026, 12, 4));
  CHECK(cron_next(cron("0 0 13 * 5"), utc(2026, 12, 12)) == utc(2026, 12, 13));
  // One of them '*': only the other counts.
  CHECK(cron_next(cron("0 0 13 * *"), utc(2026, 12, 1)) == utc(2026, 12, 13));
  CHECK(cron_next(cron("0 0 * * 5"), utc(2026, 12, 5)) == utc(2026, 12, 11));
}

TEST_CASE("cron: Feb 29 only in leap years, and month ends", "[cron]") {
  ScopedTimeZone zone("UTC");
  CHECK(cron_next(cron("0 0 29 2 *"), utc(2025, 1, 1)) == utc(2028, 2, 29));
  CHECK(cron_next(cron("0 0 29 2 *"), utc(2028, 2, 29)) == utc(2032, 2, 29));
  CHECK(cron_next(cron("0 0 31 * *"), utc(2026, 4, 1)) == utc(2026, 5, 31));  // April has 30 days
  // 2100 is not a leap year.
  CHECK(cron_next(cron("0 0 29 2 *"), utc(2096, 3, 1)) == utc(2104, 2, 29));
}

TEST_CASE("cron: DST in Europe/Berlin: the skipped hour fires once after the gap, the repeated hour once", "[cron]") {
  ScopedTimeZone zone("Europe/Berlin");
  // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC). 02:30 does not exist.
  CHECK(cron_next(cron("30 2 * * *"), utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1, 0));
  CHECK(cron_next(cron("30 2 * * *"), utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 30, 0, 30));  // 02:30 CEST
  // Every 15 minutes across the gap: 01:45 CET, then once at 03:00 CEST.
  CHECK(cron_next(cron("*/15 * * * *"), utc(2026, 3, 29, 0, 45)) == utc(2026, 3, 29, 1, 0));
  CHECK(cron_next(cron("*/15 * * * *"), utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 1, 15));
  // 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:xx happens twice.
  CHECK(cron_next(cron("30 2 * * *"), utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 0, 30));  // first 02:30
  CHECK(cron_next(cron("30 2 * * *"), utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30));  // not again
  CHECK(cron_next(cron("*/15 * * * *"), utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 25, 2, 0));  // 03:00 CET
  // A 6-field schedule inside the repeated hour waits for its end.
  CHECK(cron_next(cron("0 * * * * *"), utc(2026, 10, 25, 1, 10, 5)) == utc(2026, 10, 25, 2, 0));
  // Times outside the transitions are plain local times.
  CHECK(cron_next(cron("0 9 * * *"), utc(2026, 7, 1)) == utc(2026, 7, 1, 7));   // CEST = UTC+2
  CHECK(cron_next(cron("0 9 * * *"), utc(2026, 12, 1)) == utc(2026, 12, 1, 8));  // CET = UTC+1
}

TEST_CASE("cron: DST in America/New_York", "[cron]") {
  ScopedTimeZone zone("America/New_York");
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  CHECK(cron_next(cron("0 2 * * *"), utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 7));
  CHECK(cron_next(cron("0 2 * * *"), utc(2026, 3, 8, 7)) == utc(2026, 3, 9, 6));  // 02:00 EDT
  // 2026-11-01: 02:00 EDT goes back to 01:00 EST (06:00 UTC); 01:30 happens twice.
  CHECK(cron_next(cron("30 1 * * *"), utc(2026, 10, 31, 12)) == utc(2026, 11, 1, 5, 30));
  CHECK(cron_next(cron("30 1 * * *"), utc(2026, 11, 1, 5, 30)) == utc(2026, 11, 2, 6, 30));
  CHECK(cron_next(cron("0 * * * *"), utc(2026, 11, 1, 5, 0)) == utc(2026, 11, 1, 7, 0));  // 02:00 EST
}
