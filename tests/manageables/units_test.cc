// Descriptor values with units (manageables/units.h): time zones,
// date-times with and without offsets, byte sizes.
#include <catch2/catch.hpp>

#include "common/cron.h"
#include "manageables/units.h"

using namespace spmi;

namespace {
// Unix seconds of a UTC civil time.
int64_t utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}
}  // namespace

TEST_CASE("time zones and date-times in descriptors", "[units]") {
  std::string err;
  CHECK(valid_time_zone("Europe/Berlin", &err));
  CHECK(valid_time_zone("UTC", &err));
  CHECK_FALSE(valid_time_zone("Europe/Berln", &err));
  CHECK(err.find("unknown time zone 'Europe/Berln'") == 0);
  CHECK_FALSE(valid_time_zone("../etc/passwd", &err));
  CHECK_FALSE(valid_time_zone("", &err));
  int64_t ms = 0;
  CHECK(parse_date_time("2026-12-01T08:00:00Z", "", &ms, &err));
  CHECK(ms == utc(2026, 12, 1, 8) * 1000);
  CHECK(parse_date_time("2026-12-01T08:00+01:00", "", &ms, &err));
  CHECK(ms == utc(2026, 12, 1, 7) * 1000);
  CHECK(parse_date_time("2026-12-01", "Europe/Berlin", &ms, &err));
  CHECK(ms == utc(2026, 11, 30, 23) * 1000);
  CHECK(parse_date_time("2026-07-01 12:30", "America/New_York", &ms, &err));
  CHECK(ms == utc(2026, 7, 1, 16, 30) * 1000);
  CHECK_FALSE(parse_date_time("2026-13-01", "", &ms, &err));
  CHECK_FALSE(parse_date_time("tomorrow", "", &ms, &err));
  CHECK_FALSE(parse_date_time("2026-12-01T08:00+1", "", &ms, &err));
  int64_t bytes = 0;
  CHECK(parse_byte_size("512MiB", &bytes, &err));
  CHECK(bytes == 512LL << 20);
  CHECK(parse_byte_size("1.5G", &bytes, &err));
  CHECK(bytes == 3LL << 29);
  CHECK(parse_byte_size("100MB", &bytes, &err));
  CHECK(bytes == 100000000);
  CHECK_FALSE(parse_byte_size("12 parsecs", &bytes, &err));
  CHECK_FALSE(parse_byte_size("-1M", &bytes, &err));
  CHECK(format_byte_size(512LL << 20) == "512MiB");
  CHECK(format_byte_size(3LL << 29) == "1.5GiB");
  CHECK(format_byte_size(1000) == "1000B");
  CHECK(format_byte_size(1536) == "1.5KiB");
  CHECK(format_byte_size(2048) == "2KiB");
  CHECK(format_byte_size(5LL << 40) == "5TiB");
  CHECK(format_byte_size(5000LL << 40) == "5000TiB");
}
