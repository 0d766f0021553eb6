// libFuzzer target: durations ("1m30s") and byte sizes ("10MiB"), as every
// descriptor key and CLI option that takes one reads them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/duration.h"
#include "manageables/units.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return -1;
  std::string text(reinterpret_cast<const char*>(data), size), err;
  int64_t ms = 0, bytes = 0;
  if (spmi::parse_duration(text, &ms, &err) && ms < 0) std::abort();
  err.clear();
  if (spmi::parse_byte_size(text, &bytes, &err) && bytes < 0) std::abort();
  return 0;
}
