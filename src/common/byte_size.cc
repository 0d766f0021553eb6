// format_byte_size (byte_size.h).
#include "common/byte_size.h"

#include <cstdio>

namespace spmi {

std::string format_byte_size(int64_t bytes) {
  static constexpr const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  // A whole number? (v < 2^53 here; a cast, not std::floor: the CLI links no libm.)
  if (u == 0 || v == static_cast<double>(static_cast<int64_t>(v)))
    std::snprintf(buf, sizeof buf, "%.0f%s", v, kNames[u]);
  else
    std::snprintf(buf, sizeof buf, "%.1f%s", v, kNames[u]);
  return buf;
}

}  // namespace spmi
