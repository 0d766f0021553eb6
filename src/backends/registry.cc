// The backend-type table.
#include "backends/registry.h"

#include "common/names.h"

namespace spmi {

namespace {
constexpr BackendType kBackendTypes[] = {
    {"native", make_native_backend},
    {"screen", make_screen_backend},
    {"tmux", make_tmux_backend},
    {"slurm", make_slurm_backend},
};
}  // namespace

const BackendType* find_backend_type(std::string_view name) {
  for (const auto& t : kBackendTypes)
    if (name == t.name) return &t;
  return nullptr;
}

std::string backend_type_names() { return join_names(kBackendTypes); }

}  // namespace spmi
