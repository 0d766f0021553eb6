// Restart mode names.
#include "common/restart_settings.h"

namespace spmi {

const char* restart_mode_name(RestartMode m) {
  switch (m) {
    case RestartMode::Never: return "never";
    case RestartMode::OnFailure: return "on-failure";
    case RestartMode::Always: return "always";
  }
  return "?";
}

bool restart_mode_from_name(const std::string& name, RestartMode* out) {
  for (RestartMode m : {RestartMode::Never, RestartMode::OnFailure, RestartMode::Always})
    if (name == restart_mode_name(m)) {
      *out = m;
      return true;
    }
  return false;
}

}  // namespace spmi
