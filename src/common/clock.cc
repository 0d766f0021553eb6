// Clocks and time formatting.
#include "common/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace spmi {

static int64_t clock_ms(clockid_t id) {
  struct timespec ts;
  ::clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_ms() { return clock_ms(CLOCK_REALTIME); }
int64_t monotonic_ms() { return clock_ms(CLOCK_MONOTONIC); }

std::string format_local_time(int64_t epoch_ms) {
  time_t t = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm;
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

UtcTime utc_time(int64_t epoch_ms) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds{epoch_ms}};
  sys_days day = floor<days>(t);
  year_month_day date{day};
  hh_mm_ss<milliseconds> clock{t - day};
  return {static_cast<int>(date.year()),
          static_cast<unsigned>(date.month()),
          static_cast<unsigned>(date.day()),
          static_cast<unsigned>(clock.hours().count()),
          static_cast<unsigned>(clock.minutes().count()),
          static_cast<unsigned>(clock.seconds().count()),
          static_cast<unsigned>(clock.subseconds().count())};
}

std::string format_rfc3339_utc(int64_t epoch_ms) {
  UtcTime u = utc_time(epoch_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", u.year, u.month, u.day, u.hour, u.minute,
                u.second, u.millisecond);
  return buf;
}

std::string format_hms(int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s % 3600 / 60), static_cast<long long>(s % 60));
  return buf;
}

}  // namespace spmi
