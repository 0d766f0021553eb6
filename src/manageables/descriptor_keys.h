// Every key a descriptor may hold, by section, in one table
// (descriptor_keys.cc): what the loader allows where (the "unknown key"
// check), and what the docs must describe (a test checks each key appears in
// docs/sphinx). The typed checks of each key are in the build_* functions
// beside it (task_manageable.cc, project_manageable.cc); a backend's own
// [task.backend] keys are its option_keys() (backends/backend.h).
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace spmi {

struct DescriptorKey {
  const char* section;  // "task", "task.wrapper", "task.logs", "task.wrapper.health", ...
  const char* key;
  // Allowed only for this variant of the section ("watchdog": a wrapper
  // type; "tcp": a health check type); nullptr: for every variant.
  const char* only;
};

// The whole table, in the order the loader lists keys in its messages.
std::span<const DescriptorKey> descriptor_keys();

// The keys allowed in `section` for `variant` ("" when the section has none).
std::vector<std::string_view> allowed_keys(std::string_view section, std::string_view variant = "");

}  // namespace spmi
