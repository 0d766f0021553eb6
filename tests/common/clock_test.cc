// Tests of the UTC formats (common/clock.h, common/log_settings.h): computed
// from std::chrono's calendar, they must agree with the C library's gmtime_r.
#include <catch2/catch.hpp>

#include <ctime>

#include "common/clock.h"
#include "common/log_settings.h"

using namespace spmi;

namespace {

std::string with_gmtime(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

TEST_CASE("UTC times are formatted as gmtime_r would, without it", "[clock]") {
  CHECK(format_rfc3339_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_utc(1721071745123) == "2024-07-15T19:29:05.123Z");
  CHECK(format_rfc3339_utc(951782400000) == "2000-02-29T00:00:00.000Z");     // a leap day of a century
  CHECK(format_rfc3339_utc(4107542399999) == "2100-02-28T23:59:59.999Z");    // 2100 is no leap year
  CHECK(format_rfc3339_utc(4107542400000) == "2100-03-01T00:00:00.000Z");
  // A day's worth of odd steps across many years.
  for (int64_t ms = 0; ms < 4200000000000; ms += int64_t{86399987} * 37 + 1234) {
    INFO(ms);
    REQUIRE(format_rfc3339_utc(ms) == with_gmtime(ms));
  }
  CHECK(rotated_log_name("/x/stdout.log", 1721071745123, 1042) == "/x/stdout.log.20240715T192905Z-042");
}
