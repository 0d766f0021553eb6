// The wrapper types: the name a descriptor gives in `task.wrapper.type`, the
// executable that runs it and the variable that overrides where it is. One
// row per type, read by the loader, the backends (which executable to
// start), `status` and the wrappers themselves. The descriptor keys each
// type allows are rows of the descriptor key table
// (src/manageables/descriptor_keys.cc); CMake builds one executable per row.
#pragma once

#include <string_view>

namespace spmi {

struct WrapperTypeInfo {
  const char* name;        // "default", "watchdog"
  const char* executable;  // installed beside spmi (or in ../libexec/spmi)
  const char* override_variable;  // an environment variable naming another executable
  bool supervises;  // restarts, health checks, readiness, schedules, limits
};

inline constexpr WrapperTypeInfo kWrapperTypeInfo[] = {
    {"default", "spmi-wrapper", "SPMI_WRAPPER", false},
    {"watchdog", "spmi-watchdog", "SPMI_WATCHDOG", true},
};

// The row named `name`; nullptr for a name that is none.
inline const WrapperTypeInfo* find_wrapper_type(std::string_view name) {
  for (const auto& t : kWrapperTypeInfo)
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace spmi
