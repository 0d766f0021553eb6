// The backend registry: the table of backend types (registry.cc), looked up
// by a task's `backend.type`. The interface is backends/backend.h.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "backends/backend.h"

namespace spmi {

struct BackendType {
  const char* name;
  const Backend& (*get)();  // the backend (backends hold no state)
};

// Every backend type, in the order messages list them.
std::span<const BackendType> backend_types();
// The backend named `name`, or null.
const Backend* find_backend(std::string_view name);
// "native, screen, tmux, slurm".
std::string backend_type_names();

// Finds a task's backend; lifecycle operations take one so tests can give a
// fake backend.
using BackendResolver = std::function<const Backend*(std::string_view)>;

// Backend implementations (one file each).
const Backend& native_backend();
const Backend& screen_backend();
const Backend& tmux_backend();
const Backend& slurm_backend();

// The executable for wrapper type `type`: spmi-wrapper for "default",
// spmi-watchdog for "watchdog". $SPMI_WRAPPER / $SPMI_WATCHDOG, else next to
// the running spmi, else the installed libexec location. Empty with `err`
// when none exists.
std::string find_wrapper_executable(const std::string& type, std::string* err);

}  // namespace spmi
