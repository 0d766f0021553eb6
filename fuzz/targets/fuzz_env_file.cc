// libFuzzer target: env_file contents and the value indirections
// (@base64:, @hex:, @@; @file: is left out: it reads the file system).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "common/task_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size), err;
  std::vector<std::pair<std::string, std::string>> vars;
  if (spmi::parse_env_file("fuzz.env", text, &vars, &err)) {
    for (const auto& [k, v] : vars) {
      if (k.empty() || k.find('=') != std::string::npos) std::abort();
      if (v.rfind("@file:", 0) == 0) continue;
      std::string out, why;
      if (spmi::resolve_env_value(v, &out, &why) && out.find('\0') != std::string::npos) std::abort();
    }
  } else if (err.find("fuzz.env:") != 0) {
    std::abort();
  }
  return 0;
}
