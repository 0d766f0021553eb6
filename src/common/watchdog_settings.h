// A watchdog's health check, schedule and memory settings: part of the task
// spec (written by `spmi load`, read by the wrapper). HealthTracker
// (src/wrappers/health_tracker.h) and cron.h explain what the fields do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spmi {

enum class HealthType { None, Command, Tcp, Http };

// "", "command", "tcp", "http".
const char* health_type_name(HealthType t);
bool health_type_from_name(const std::string& name, HealthType* out);

struct HealthSettings {
  HealthType type = HealthType::None;
  // command: a shell command or an argv (as for the task's command)
  std::string shell_command;
  std::vector<std::string> argv;
  // tcp and http: where to connect; http also the request path ("/x?y")
  std::string host;
  int port = 0;
  std::string http_path = "/";
  int64_t interval_ms = 10000;
  int64_t timeout_ms = 5000;
  int64_t start_period_ms = 0;
  int success_after = 1;
  int failure_after = 3;
  bool restart_on_unhealthy = false;  // on_unhealthy = "restart" (else "none")
};

// [task.wrapper.on_event]: a command the watchdog runs when one of
// `events` happens (docs/sphinx/watchdog/events.rst), with the event in
// its environment (SPMI_EVENT, SPMI_REASON, ...).
struct EventHookSettings {
  std::string shell_command;  // a shell command, or
  std::vector<std::string> argv;
  std::vector<std::string> events;  // the event names it runs on
  int64_t timeout_ms = 10000;
  bool enabled() const { return !shell_command.empty() || !argv.empty(); }
};

// The event names a wrapper records, for on_event's `events`.
bool is_event_name(const std::string& name);
extern const char* const kEventNames[];
extern const int kEventNameCount;
// The events a hook runs on when `events` is not given: the run ended or
// went wrong.
extern const char* const kDefaultHookEvents[];
extern const int kDefaultHookEventCount;

// What a fire of the schedule does (schedule_action): run the command
// (the task waits for each fire), start it when it is not running (it
// also starts at once and waits between runs), restart a running task, or
// stop it (the wrapper then ends, as after spmi stop).
enum class ScheduleAction : uint8_t { Run, Start, Restart, Stop };
// "run", "start", "restart", "stop".
const char* schedule_action_name(ScheduleAction a);
bool schedule_action_from_name(const std::string& name, ScheduleAction* out);

struct ScheduleSettings {
  std::string cron;        // "" = not scheduled
  ScheduleAction action = ScheduleAction::Run;
  std::string timezone;    // IANA name; "" = the system's local time
  int64_t max_runtime_ms = 0;  // 0 = unlimited
  int64_t not_before_ms = 0;   // Unix ms; 0 = unbounded
  int64_t not_after_ms = 0;
  // The task waits in Scheduled between runs (run and start); restart and
  // stop act on a task that runs as any other.
  bool waits_between_runs() const {
    return !cron.empty() && (action == ScheduleAction::Run || action == ScheduleAction::Start);
  }
};

// [task.wrapper.watch]: restart the task when a file under `paths` changes
// (wrappers/file_watcher.h says how paths and ignore globs are matched).
struct WatchSettings {
  std::vector<std::string> paths;   // absolute; empty: nothing is watched
  std::vector<std::string> ignore;  // fnmatch globs
  int64_t debounce_ms = 300;        // quiet time after the last change before the restart
  bool enabled() const { return !paths.empty(); }
};

// The ignore globs of a watch without `ignore`.
extern const char* const kDefaultWatchIgnore[];
extern const int kDefaultWatchIgnoreCount;

// The health status shown by status/list: "" (no check), "starting",
// "healthy", "unhealthy".
enum class HealthStatus { None, Starting, Healthy, Unhealthy };
const char* health_status_name(HealthStatus s);
bool health_status_from_name(const std::string& name, HealthStatus* out);

}  // namespace spmi
