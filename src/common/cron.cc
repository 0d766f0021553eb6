// Cron parsing and next-fire search (see cron.h). The search walks local
// civil time field by field, then maps the civil time to an instant through
// the C library's zone rules (localtime_r), which is where DST is decided.
#include "common/cron.h"

#include <cctype>
#include <ctime>
#include <vector>

namespace spmi {

namespace {

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct FieldDef {
  const char* name;
  int lo, hi;
  const char* const* names;  // nullptr: numbers only
  int names_count;
  int names_base;  // value of names[0]
};

const FieldDef kSecond{"second", 0, 59, nullptr, 0, 0};
const FieldDef kMinute{"minute", 0, 59, nullptr, 0, 0};
const FieldDef kHour{"hour", 0, 23, nullptr, 0, 0};
const FieldDef kDay{"day-of-month", 1, 31, nullptr, 0, 0};
const FieldDef kMonth{"month", 1, 12, kMonthNames, 12, 1};
const FieldDef kWeekday{"day-of-week", 0, 7, kDayNames, 7, 0};

bool parse_value(std::string_view s, const FieldDef& f, int* out, std::string* err) {
  if (s.empty()) {
    *err = std::string("empty value in the ") + f.name + " field";
    return false;
  }
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    long v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000) {
        *err = std::string(f.name) + " field: '" + std::string(s) + "' is not a number";
        return false;
      }
      v = v * 10 + (c - '0');
    }
    if (v < f.lo || v > f.hi) {
      *err = std::string(f.name) + " field: " + std::string(s) + " is out of range " + std::to_string(f.lo) + "-" +
             std::to_string(f.hi);
      return false;
    }
    *out = static_cast<int>(v);
    return true;
  }
  if (f.names && s.size() == 3) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i < f.names_count; ++i) {
      if (lower == f.names[i]) {
        *out = f.names_base + i;
        return true;
      }
    }
  }
  *err = std::string(f.name) + " field: '" + std::string(s) + "' is not a " +
         (f.names ? "number or name" : "number");
  return false;
}

// Parses one field into a bit mask over f.lo..f.hi.
bool parse_field(std::string_view text, const FieldDef& f, uint64_t* mask, bool* star, std::string* err) {
  *mask = 0;
  *star = text == "*" || text == "?";
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) {
      *err = std::string(f.name) + " field: empty list item in '" + std::string(text) + "'";
      return false;
    }
    int step = 1;
    size_t slash = item.find('/');
    std::string_view range = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view s = item.substr(slash + 1);
      int v = 0;
      bool digits = !s.empty() && s.size() <= 4;
      for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) for (char c : s) v = v * 10 + (c - '0');
      if (!digits || v < 1) {
        *err = std::string(f.name) + " field: step '" + std::string(s) + "' must be a whole number from 1";
        return false;
      }
      step = v;
    }
    int lo = f.lo, hi = f.hi;
    if (range == "*" || range == "?") {
      if (f.hi == 7) hi = 6;  // day-of-week: 7 is Sunday again
    } else {
      size_t dash = range.find('-');
      if (!parse_value(range.substr(0, dash), f, &lo, err)) return false;
      if (dash != std::string_view::npos) {
        if (!parse_value(range.substr(dash + 1), f, &hi, err)) return false;
        if (hi < lo) {
          *err = std::string(f.name) + " field: range '" + std::string(range) + "' goes backwards";
          return false;
        }
      } else {
        hi = slash != std::string_view::npos ? (f.hi == 7 ? 6 : f.hi) : lo;  // "n/s" runs to the end
      }
    }
    for (int v = lo; v <= hi; v += step) *mask |= uint64_t{1} << (f.hi == 7 && v == 7 ? 0 : v);
    if (comma == text.size()) break;
  }
  return true;
}

struct Civil {
  int64_t y;
  unsigned mo, d, h, mi, s;
};

// Howard Hinnant's days_from_civil / civil_from_days.
Civil civil_from_seconds(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{m <= 2 ? y + 1 : y, m, d, static_cast<unsigned>(secs / 3600), static_cast<unsigned>(secs / 60 % 60),
               static_cast<unsigned>(secs % 60)};
}

int64_t seconds_from_civil(const Civil& c) {
  return days_from_civil(c.y, c.mo, c.d) * 86400 + c.h * 3600 + c.mi * 60 + c.s;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool day_matches(const CronSchedule& c, const Civil& t) {
  if (t.d > days_in_month(t.y, t.mo)) return false;
  int64_t days = days_from_civil(t.y, t.mo, t.d);
  unsigned wd = static_cast<unsigned>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  bool dom = (c.days >> t.d) & 1;
  bool dow = (c.weekdays >> wd) & 1;
  if (c.days_star || c.weekdays_star) return dom && dow;
  return dom || dow;
}

// The local civil time (as seconds, counted like UTC) at instant t.
int64_t utc_offset(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&tt, &tm);
  return tm.tm_gmtoff;
}

// The smallest civil time >= lc (civil seconds) that matches, or -1.
int64_t next_civil_match(const CronSchedule& c, int64_t lc, int64_t year_limit) {
  for (;;) {
    Civil t = civil_from_seconds(lc);
    if (t.y > year_limit) return -1;
    if (!((c.months >> t.mo) & 1)) {
      Civil n{t.mo == 12 ? t.y + 1 : t.y, t.mo == 12 ? 1u : t.mo + 1, 1, 0, 0, 0};
      lc = seconds_from_civil(n);
    } else if (!day_matches(c, t)) {
      lc = days_from_civil(t.y, t.mo, t.d) * 86400 + 86400;
    } else if (!((c.hours >> t.h) & 1)) {
      lc = lc - t.mi * 60 - t.s + 3600;
    } else if (!((c.minutes >> t.mi) & 1)) {
      lc = lc - t.s + 60;
    } else if (!((c.seconds >> t.s) & 1)) {
      lc += 1;
    } else {
      return lc;
    }
  }
}

// The instant at which civil time lc happens first; for a civil time that
// does not exist (a DST gap), the first instant after the gap.
int64_t first_instant_of(int64_t lc) {
  int64_t offsets[3] = {utc_offset(lc - 86400), utc_offset(lc), utc_offset(lc + 86400)};
  int64_t best = -1;
  int64_t lo_off = offsets[0], hi_off = offsets[0];
  for (int64_t o : offsets) {
    if (o < lo_off) lo_off = o;
    if (o > hi_off) hi_off = o;
    int64_t t = lc - o;
    if (utc_offset(t) == o && (best < 0 || t < best)) best = t;
  }
  if (best >= 0 || lo_off == hi_off) return best >= 0 ? best : lc - lo_off;
  // A gap: the first instant whose civil time is at or past lc.
  int64_t lo = lc - hi_off, hi = lc - lo_off;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (mid + utc_offset(mid) >= lc) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t civil_to_instant(int64_t civil_s) { return first_instant_of(civil_s); }

bool parse_cron(std::string_view text, CronSchedule* out, std::string* err) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() == 1 && fields[0][0] == '@') {
    struct Macro {
      const char* name;
      const char* expr;
    };
    static constexpr Macro kMacros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"},
                                        {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
                                        {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                                        {"@hourly", "0 * * * *"}};
    for (const Macro& m : kMacros)
      if (fields[0] == m.name) return parse_cron(m.expr, out, err);
    *err = "unknown macro '" + std::string(fields[0]) +
           "' (known: @yearly @annually @monthly @weekly @daily @midnight @hourly)";
    return false;
  }
  if (fields.size() != 5 && fields.size() != 6) {
    *err = "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got " +
           std::to_string(fields.size());
    return false;
  }
  CronSchedule c;
  size_t f = 0;
  bool star = false;
  uint64_t mask = 0;
  if (fields.size() == 6) {
    if (!parse_field(fields[f++], kSecond, &c.seconds, &star, err)) return false;
  } else {
    c.seconds = 1;  // second 0
  }
  if (!parse_field(fields[f++], kMinute, &c.minutes, &star, err)) return false;
  if (!parse_field(fields[f++], kHour, &mask, &star, err)) return false;
  c.hours = static_cast<uint32_t>(mask);
  if (!parse_field(fields[f++], kDay, &mask, &c.days_star, err)) return false;
  c.days = static_cast<uint32_t>(mask);
  if (!parse_field(fields[f++], kMonth, &mask, &star, err)) return false;
  c.months = static_cast<uint16_t>(mask);
  if (!parse_field(fields[f++], kWeekday, &mask, &c.weekdays_star, err)) return false;
  c.weekdays = static_cast<uint8_t>(mask);
  // A day-of-month that no chosen month has (e.g. "30 2") never fires.
  bool possible = false;
  for (unsigned m = 1; m <= 12 && !possible; ++m)
    for (unsigned d = 1; d <= days_in_month(2000, m) && !possible; ++d)
      possible = ((c.months >> m) & 1) && (((c.days >> d) & 1) || !c.weekdays_star);
  if (!possible) {
    *err = "the day-of-month never occurs in the chosen months, so the schedule never fires";
    return false;
  }
  *out = c;
  return true;
}

int64_t cron_next(const CronSchedule& c, int64_t after_s) {
  int64_t t = after_s + 1;
  int64_t limit = civil_from_seconds(t).y + 30;
  int64_t lc = t + utc_offset(t);
  for (int guard = 0; guard < 100000; ++guard) {
    lc = next_civil_match(c, lc, limit);
    if (lc < 0) return -1;
    int64_t instant = first_instant_of(lc);
    // A repeated civil time already passed fires no second time.
    if (instant > after_s) return instant;
    lc += 1;
  }
  return -1;
}

}  // namespace spmi
