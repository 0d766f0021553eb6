// libFuzzer target: cron expressions (`schedule`), parsed and, when valid,
// asked for their next fires (which must move forward).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/cron.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return -1;
  std::string text(reinterpret_cast<const char*>(data), size), err;
  spmi::CronSchedule c;
  if (!spmi::parse_cron(text, &c, &err)) {
    if (err.empty()) std::abort();
    return 0;
  }
  int64_t at = 1795300000;  // 2026-11-22
  for (int i = 0; i < 3; ++i) {
    int64_t next = spmi::cron_next(c, at);
    if (next < 0) break;
    if (next <= at) std::abort();
    at = next;
  }
  return 0;
}
