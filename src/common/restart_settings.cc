// Restart mode names.
#include "common/restart_settings.h"

#include "common/names.h"

namespace spmi {

namespace {
constexpr NameTable<RestartMode, 3> kRestartModes{{{
    {RestartMode::Never, "never"}, {RestartMode::OnFailure, "on-failure"}, {RestartMode::Always, "always"},
}}};
}  // namespace

const char* restart_mode_name(RestartMode m) { return kRestartModes.name(m); }
bool restart_mode_from_name(const std::string& name, RestartMode* out) { return kRestartModes.parse(name, out); }

}  // namespace spmi
