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

// What a key's value is, for the JSON Schema editors check descriptors with
// (json_schema.h). The loader's typed checks (the build_* functions) are the
// authority; a test keeps the two in step over every example.
enum class KeyType : unsigned char {
  String,
  Id,        // a task id or project name: [A-Za-z0-9_.-], 1..64, no leading dot
  Bool,
  Int,
  Duration,  // "10s", "1m30s", "500ms"
  Size,      // a whole number of bytes or "512MiB"
  Signal,    // "SIGTERM"
  Command,   // a shell string or an argv array
  Names,     // an array of ids (tags, depends_on)
  Strings,   // an array of strings (watch paths and ignore globs)
  Ints,      // an array of whole numbers (success_exit_codes)
  Env,       // a table of NAME = string or integer
  Enum,      // one of `values` ("never|on-failure|always")
  CpuMax,    // "50%" or a number of cores
  Restarts,  // a whole number or "unlimited"
  Limit,     // a whole number, "unlimited", a size (memory, core) or a duration (cpu)
  Events,    // an array of event names (watchdog_settings.h)
  Table,     // a section of its own: its keys are the rows of "<section>.<key>"
  Tasks,     // project.tasks: a table of tasks by id, or an array of tasks
};

struct DescriptorKey {
  const char* section;  // "task", "task.wrapper", "task.logs", "task.wrapper.health", ...
  const char* key;
  // Allowed only for this variant of the section ("watchdog": a wrapper
  // type; "tcp": a health check type); nullptr: for every variant.
  const char* only;
  KeyType type;
  const char* values;  // KeyType::Enum: the names, '|'-separated
};

// The whole table, in the order the loader lists keys in its messages.
std::span<const DescriptorKey> descriptor_keys();

// The keys allowed in `section` for `variant` ("" when the section has none).
std::vector<std::string_view> allowed_keys(std::string_view section, std::string_view variant = "");

// The variant `key` needs in `section` ("watchdog"); nullptr when the key
// is not in the section or allowed for every variant.
const char* key_variant(std::string_view section, std::string_view key);

// The section (other than `not_in`) that holds `key`, for "belongs in
// [task.wrapper]"; nullptr when none does.
const char* section_of_key(std::string_view key, std::string_view not_in);

}  // namespace spmi
