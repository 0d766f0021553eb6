// libFuzzer target: Procfiles (see descriptor.h).
#include "descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return spmi::fuzz::descriptor("procfile", data, size);
}
