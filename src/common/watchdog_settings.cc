// Names of health check types and health statuses.
#include "common/watchdog_settings.h"

namespace spmi {

const char* health_type_name(HealthType t) {
  switch (t) {
    case HealthType::None: return "";
    case HealthType::Command: return "command";
    case HealthType::Tcp: return "tcp";
    case HealthType::Http: return "http";
  }
  return "?";
}

bool health_type_from_name(const std::string& name, HealthType* out) {
  for (HealthType t : {HealthType::None, HealthType::Command, HealthType::Tcp, HealthType::Http})
    if (name == health_type_name(t)) {
      *out = t;
      return true;
    }
  return false;
}

const char* health_status_name(HealthStatus s) {
  switch (s) {
    case HealthStatus::None: return "";
    case HealthStatus::Starting: return "starting";
    case HealthStatus::Healthy: return "healthy";
    case HealthStatus::Unhealthy: return "unhealthy";
  }
  return "?";
}

bool health_status_from_name(const std::string& name, HealthStatus* out) {
  for (HealthStatus s : {HealthStatus::None, HealthStatus::Starting, HealthStatus::Healthy, HealthStatus::Unhealthy})
    if (name == health_status_name(s)) {
      *out = s;
      return true;
    }
  return false;
}

}  // namespace spmi
