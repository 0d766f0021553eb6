// Byte sizes, time zone names and date-times in descriptors.
#include "manageables/units.h"

#include <sys/stat.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/atomic_file.h"
#include "common/cron.h"
#include "common/fd.h"

namespace spmi {

bool parse_byte_size(std::string_view text, int64_t* bytes, std::string* err) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string number(text.substr(0, i));
  std::string unit(text.substr(i));
  if (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
  char* end = nullptr;
  double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (number.empty() || *end != '\0' || number.front() == '.' || number.back() == '.') {
    *err = "'" + std::string(text) + "' is not a size like \"512MiB\", \"2G\" or \"100MB\"";
    return false;
  }
  struct Unit {
    const char* name;
    double factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},         {"B", 1},          {"K", 1024.0},        {"KiB", 1024.0},          {"KB", 1e3},
      {"M", 1048576.0}, {"MiB", 1048576.0}, {"MB", 1e6},         {"G", 1073741824.0},      {"GiB", 1073741824.0},
      {"GB", 1e9},      {"T", 1099511627776.0}, {"TiB", 1099511627776.0}, {"TB", 1e12}};
  for (const Unit& u : kUnits) {
    if (unit == u.name) {
      double b = std::floor(value * u.factor);
      if (b < 1 || b > 9.0e18) {
        *err = "'" + std::string(text) + "' is out of range (1 byte to 8EiB)";
        return false;
      }
      *bytes = static_cast<int64_t>(b);
      return true;
    }
  }
  *err = "unknown size unit '" + unit + "' in '" + std::string(text) + "' (known: B K KiB KB M MiB MB G GiB GB T TiB TB)";
  return false;
}

bool valid_time_zone(const std::string& name, std::string* err) {
  bool safe = !name.empty() && name[0] != '/' && name.find("..") == std::string::npos;
  for (char c : name) safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+');
  if (!safe) {
    *err = "'" + name + "' is not a time zone name like \"Europe/Berlin\"";
    return false;
  }
  const char* dir = std::getenv("TZDIR");
  std::string base = dir && *dir ? dir : "/usr/share/zoneinfo";
  std::string path = base + "/" + name;
  std::string text, ignored;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !read_file(path, &text, &ignored) ||
      text.compare(0, 4, "TZif") != 0) {
    *err = "unknown time zone '" + name + "' (not in " + base + "; is the tzdata package installed?)";
    return false;
  }
  return true;
}

ScopedTimeZone::ScopedTimeZone(const std::string& time_zone) {
  if (time_zone.empty()) return;
  const char* old = std::getenv("TZ");
  had_ = old != nullptr;
  if (old) old_ = old;
  ::setenv("TZ", time_zone.c_str(), 1);
  ::tzset();
  changed_ = true;
}

ScopedTimeZone::~ScopedTimeZone() {
  if (!changed_) return;
  if (had_) ::setenv("TZ", old_.c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
}

bool parse_date_time(std::string_view text, const std::string& time_zone, int64_t* ms, std::string* err) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  std::string t(text);
  auto bad = [&] {
    *err = "'" + t + "' is not a date-time like \"2026-12-01\", \"2026-12-01T08:00\" or \"2026-12-01T08:00:00+01:00\"";
    return false;
  };
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) return bad();
  size_t pos = 10;
  if (pos < t.size() && (t[pos] == 'T' || t[pos] == ' ')) {
    int n = 0;
    if (std::sscanf(t.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5) return bad();
    pos += 6;
    if (pos < t.size() && t[pos] == ':') {
      if (std::sscanf(t.c_str() + pos + 1, "%2d%n", &s, &n) != 1 || n != 2) return bad();
      pos += 3;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return bad();
  int64_t civil = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s;
  std::string rest = t.substr(pos);
  if (rest.empty()) {
    ScopedTimeZone zone(time_zone);
    *ms = civil_to_instant(civil) * 1000;
    return true;
  }
  if (rest == "Z" || rest == "z") {
    *ms = civil * 1000;
    return true;
  }
  int oh = 0, om = 0, n = 0;
  if ((rest[0] == '+' || rest[0] == '-') && std::sscanf(rest.c_str() + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
      rest.size() == 6 && oh <= 23 && om <= 59) {
    int64_t offset = (oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1);
    *ms = (civil - offset) * 1000;
    return true;
  }
  return bad();
}

}  // namespace spmi
