// Names of health check types and health statuses.
#include "common/watchdog_settings.h"

#include "common/names.h"

namespace spmi {

namespace {
constexpr NameTable<HealthType, 4> kHealthTypes{{{
    {HealthType::None, ""}, {HealthType::Command, "command"}, {HealthType::Tcp, "tcp"}, {HealthType::Http, "http"},
}}};
constexpr NameTable<HealthStatus, 4> kHealthStatuses{{{
    {HealthStatus::None, ""},
    {HealthStatus::Starting, "starting"},
    {HealthStatus::Healthy, "healthy"},
    {HealthStatus::Unhealthy, "unhealthy"},
}}};
}  // namespace

const char* health_type_name(HealthType t) { return kHealthTypes.name(t); }
bool health_type_from_name(const std::string& name, HealthType* out) { return kHealthTypes.parse(name, out); }
const char* health_status_name(HealthStatus s) { return kHealthStatuses.name(s); }
bool health_status_from_name(const std::string& name, HealthStatus* out) { return kHealthStatuses.parse(name, out); }

const char* const kEventNames[] = {
    "started", "failed-to-start", "exited", "stopping", "killing", "stop-timeout", "stopped", "killed",
    "restart-requested", "restart-scheduled", "restarting", "restarted", "gave-up", "restart-forced", "healthy",
    "unhealthy", "ready", "scheduled", "fire", "skipped", "run-timeout", "run-ended", "schedule-ended", "oom-kill",
    "reloaded", "reload-failed", "stop-command-failed", "stop-command-timeout", "file-changed",
};
const int kEventNameCount = static_cast<int>(sizeof kEventNames / sizeof kEventNames[0]);
const char* const kDefaultHookEvents[] = {"failed-to-start", "exited", "gave-up", "restart-forced", "unhealthy", "oom-kill"};
const int kDefaultHookEventCount = static_cast<int>(sizeof kDefaultHookEvents / sizeof kDefaultHookEvents[0]);

const char* const kDefaultWatchIgnore[] = {".git", ".hg", ".svn", "node_modules", "__pycache__", "*.pyc",
                                           "*.swp", "*.swx", "*~", ".#*", "#*#"};
const int kDefaultWatchIgnoreCount = static_cast<int>(sizeof kDefaultWatchIgnore / sizeof kDefaultWatchIgnore[0]);

const char* schedule_action_name(ScheduleAction a) {
  switch (a) {
    case ScheduleAction::Run: return "run";
    case ScheduleAction::Start: return "start";
    case ScheduleAction::Restart: return "restart";
    case ScheduleAction::Stop: return "stop";
  }
  return "run";
}

bool schedule_action_from_name(const std::string& name, ScheduleAction* out) {
  for (ScheduleAction a : {ScheduleAction::Run, ScheduleAction::Start, ScheduleAction::Restart, ScheduleAction::Stop})
    if (name == schedule_action_name(a)) {
      *out = a;
      return true;
    }
  return false;
}

bool is_event_name(const std::string& name) {
  for (const char* e : kEventNames)
    if (name == e) return true;
  return false;
}

}  // namespace spmi
