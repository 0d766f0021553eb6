// The backend-type table: a new backend is one file plus one row here.
#include "backends/registry.h"

#include "common/names.h"

namespace spmi {

namespace {
constexpr BackendType kBackendTypes[] = {
    {"native", native_backend},
    {"screen", screen_backend},
    {"tmux", tmux_backend},
    {"slurm", slurm_backend},
};
}  // namespace

std::span<const BackendType> backend_types() { return kBackendTypes; }

const Backend* find_backend(std::string_view name) {
  for (const auto& t : kBackendTypes)
    if (name == t.name) return &t.get();
  return nullptr;
}

std::string backend_type_names() { return join_names(kBackendTypes); }

}  // namespace spmi
