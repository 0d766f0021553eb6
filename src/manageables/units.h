// Descriptor values with units beyond durations: byte sizes, time zones and
// date-times (for max_memory, timezone, not_before and not_after).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/byte_size.h"

namespace spmi {

// "512MiB", "1.5G", "100MB", "4096": K/M/G/T and KiB/MiB/GiB/TiB are powers
// of 1024, KB/MB/GB/TB powers of 1000, no unit or B means bytes.
bool parse_byte_size(std::string_view text, int64_t* bytes, std::string* err);

// True when `name` is an IANA time zone present in the system's database
// ($TZDIR or /usr/share/zoneinfo); otherwise `err` says why.
bool valid_time_zone(const std::string& name, std::string* err);

// "2026-12-01", "2026-12-01T08:00[:00]" (or a space for T), optionally
// followed by "Z" or "+01:00": with an offset the instant is exact, without
// one the local time is read in `time_zone` ("" = the system's).
bool parse_date_time(std::string_view text, const std::string& time_zone, int64_t* ms, std::string* err);

// Runs with TZ set to `time_zone` ("" leaves it), restoring it afterwards.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const std::string& time_zone);
  ~ScopedTimeZone();
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

 private:
  bool changed_ = false;
  bool had_ = false;
  std::string old_;
};

}  // namespace spmi
