// libFuzzer target: json descriptors (see descriptor.h).
#include "descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return spmi::fuzz::descriptor("json", data, size);
}
