// Duration parsing and formatting.
#include "common/duration.h"

#include <cstdio>
#include <limits>

namespace spmi {

bool parse_duration(std::string_view text, int64_t* ms, std::string* err) {
  if (text.empty()) {
    *err = "empty duration (use e.g. \"10s\", \"500ms\", \"2m\")";
    return false;
  }
  int64_t total = 0;
  size_t i = 0;
  int parts = 0;
  auto blank = [&] { return i < text.size() && (text[i] == ' ' || text[i] == '\t'); };
  while (i < text.size()) {
    while (blank()) ++i;  // "1m 30s", "5 s"
    if (i == text.size() && parts > 0) break;
    ++parts;  // blanks alone fail below as "bad duration"
    size_t start = i;
    int64_t whole = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (whole > std::numeric_limits<int64_t>::max() / 10 - 10) {
        *err = "duration '" + std::string(text) + "' is too large";
        return false;
      }
      whole = whole * 10 + (text[i++] - '0');
    }
    // Optional fraction, e.g. "1.5s": up to 3 digits matter for ms units.
    int64_t frac_num = 0, frac_den = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      size_t fstart = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (frac_den < 1000000) {
          frac_num = frac_num * 10 + (text[i] - '0');
          frac_den *= 10;
        }
        ++i;
      }
      if (i == fstart) i = start;  // "1." has no fraction digits: not a number
    }
    if (i == start) {
      *err = "bad duration '" + std::string(text) + "' (use e.g. \"10s\", \"500ms\", \"2m\", \"1m30s\")";
      return false;
    }
    while (blank()) ++i;
    size_t ustart = i;
    while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z'))) ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    int64_t factor = 0;
    if (unit == "ms") factor = 1;
    else if (unit == "s") factor = 1000;
    else if (unit == "m") factor = 60 * 1000;
    else if (unit == "h") factor = 3600 * 1000;
    else if (unit == "d") factor = 86400 * 1000;
    if (factor == 0) {
      *err = unit.empty() ? "duration '" + std::string(text) + "' has no unit (use ms, s, m, h or d, e.g. \"10s\")"
                          : "duration '" + std::string(text) + "': unknown unit '" + std::string(unit) +
                                "' (use ms, s, m, h, d, e.g. \"" + std::to_string(whole) + "s\")";
      return false;
    }
    if (whole > std::numeric_limits<int64_t>::max() / factor / 2) {
      *err = "duration '" + std::string(text) + "' is too large";
      return false;
    }
    total += whole * factor + frac_num * factor / frac_den;
    if (total > std::numeric_limits<int64_t>::max() / 4) {
      *err = "duration '" + std::string(text) + "' is too large";
      return false;
    }
  }
  *ms = total;
  return true;
}

std::string format_duration_ms(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  char buf[32];
  const struct {
    int64_t factor;
    const char* unit;
  } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : units) {
    if (ms >= u.factor) {
      std::snprintf(buf, sizeof buf, "%lld%s", static_cast<long long>(ms / u.factor), u.unit);
      out += buf;
      ms %= u.factor;
    }
  }
  return out;
}

std::string format_elapsed(int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60));
  else std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400), static_cast<long long>(s % 86400 / 3600));
  return buf;
}

}  // namespace spmi
