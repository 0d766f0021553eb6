// events.jsonl lines (see event_log.h).
#include "wrappers/event_log.h"

#include <cstdio>

#include "common/clock.h"
#include "common/signals.h"

namespace spmi {

namespace {

void append_json_string(std::string* out, const std::string& text) {
  *out += '"';
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      *out += buf;
    } else {
      *out += c;
    }
  }
  *out += '"';
}

}  // namespace

std::string format_event_line(const EventRecord& r) {
  std::string line = "{\"time\":";
  append_json_string(&line, format_rfc3339_utc(r.time_ms));
  line += ",\"task\":";
  append_json_string(&line, r.task);
  line += ",\"event\":";
  append_json_string(&line, r.event);
  line += ",\"from\":";
  append_json_string(&line, phase_name(r.from));
  line += ",\"to\":";
  append_json_string(&line, phase_name(r.to));
  line += ",\"reason\":";
  if (r.reason.empty()) line += "null";
  else append_json_string(&line, r.reason);
  char buf[160], pid[24] = "null", code[24] = "null", sig[24] = "null", delay[24] = "null";
  if (r.pid > 0) std::snprintf(pid, sizeof pid, "%d", static_cast<int>(r.pid));
  if (r.exited && !r.exit_signal) std::snprintf(code, sizeof code, "%d", r.exit_code);
  if (r.exited && r.exit_signal) std::snprintf(sig, sizeof sig, "\"%s\"", signal_name(r.exit_signal).c_str());
  if (r.delay_ms >= 0) std::snprintf(delay, sizeof delay, "%lld", static_cast<long long>(r.delay_ms));
  std::snprintf(buf, sizeof buf, ",\"pid\":%s,\"exit_code\":%s,\"signal\":%s,\"restarts\":%d,\"delay_ms\":%s}\n", pid,
                code, sig, r.restarts, delay);
  line += buf;
  return line;
}

}  // namespace spmi
