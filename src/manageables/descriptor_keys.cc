// The descriptor key table (descriptor_keys.h).
#include "manageables/descriptor_keys.h"

namespace spmi {

namespace {

constexpr const char* kWatchdog = "watchdog";

// Constant data: nothing is built when spmi starts.
constexpr DescriptorKey kKeys[] = {
    // [task]
    {"task", "id", nullptr},
    {"task", "comment", nullptr},
    {"task", "tags", nullptr},
    {"task", "backend", nullptr},
    {"task", "wrapper", nullptr},
    {"task", "logs", nullptr},
    {"task", "depends_on", nullptr},
    {"task", "start_when", nullptr},
    {"task", "start_timeout", nullptr},
    {"task", "autostart", nullptr},
    // [task.wrapper]: both wrapper types, then the watchdog's own.
    {"task.wrapper", "type", nullptr},
    {"task.wrapper", "command", nullptr},
    {"task.wrapper", "mixed_stdout", nullptr},
    {"task.wrapper", "stop_signal", nullptr},
    {"task.wrapper", "stop_timeout", nullptr},
    {"task.wrapper", "cwd", nullptr},
    {"task.wrapper", "env", nullptr},
    {"task.wrapper", "env_file", nullptr},
    {"task.wrapper", "inherit_env", nullptr},
    {"task.wrapper", "user", nullptr},
    {"task.wrapper", "group", nullptr},
    {"task.wrapper", "umask", nullptr},
    {"task.wrapper", "nice", nullptr},
    {"task.wrapper", "limits", nullptr},
    {"task.wrapper", "min_uptime", nullptr},
    {"task.wrapper", "ready_fd", kWatchdog},
    {"task.wrapper", "restart", kWatchdog},
    {"task.wrapper", "success_exit_codes", kWatchdog},
    {"task.wrapper", "restart_delay", kWatchdog},
    {"task.wrapper", "restart_max_delay", kWatchdog},
    {"task.wrapper", "restart_reset_after", kWatchdog},
    {"task.wrapper", "max_restarts", kWatchdog},
    {"task.wrapper", "restart_window", kWatchdog},
    {"task.wrapper", "health", kWatchdog},
    {"task.wrapper", "schedule", kWatchdog},
    {"task.wrapper", "timezone", kWatchdog},
    {"task.wrapper", "max_runtime", kWatchdog},
    {"task.wrapper", "not_before", kWatchdog},
    {"task.wrapper", "not_after", kWatchdog},
    {"task.wrapper", "max_memory", kWatchdog},
    {"task.wrapper", "on_event", kWatchdog},
    {"task.wrapper", "cgroup", nullptr},
    {"task.wrapper", "cpu_max", nullptr},
    {"task.wrapper", "memory_max", nullptr},
    {"task.wrapper", "memory_swap_max", nullptr},
    {"task.wrapper", "pids_max", nullptr},
    // [task.wrapper.limits]
    {"task.wrapper.limits", "nofile", nullptr},
    {"task.wrapper.limits", "nproc", nullptr},
    {"task.wrapper.limits", "core", nullptr},
    {"task.wrapper.limits", "memory", nullptr},
    {"task.wrapper.limits", "cpu", nullptr},
    // [task.wrapper.health], by check type
    {"task.wrapper.health", "type", nullptr},
    {"task.wrapper.health", "interval", nullptr},
    {"task.wrapper.health", "timeout", nullptr},
    {"task.wrapper.health", "start_period", nullptr},
    {"task.wrapper.health", "success_after", nullptr},
    {"task.wrapper.health", "failure_after", nullptr},
    {"task.wrapper.health", "on_unhealthy", nullptr},
    {"task.wrapper.health", "command", "command"},
    {"task.wrapper.health", "host", "tcp"},
    {"task.wrapper.health", "port", "tcp"},
    {"task.wrapper.health", "url", "http"},
    // [task.logs]
    {"task.wrapper.on_event", "command", nullptr},
    {"task.wrapper.on_event", "events", nullptr},
    {"task.wrapper.on_event", "timeout", nullptr},

    {"task.logs", "max_size", nullptr},
    {"task.logs", "rotate", nullptr},
    {"task.logs", "keep", nullptr},
    {"task.logs", "compress", nullptr},
    {"task.logs", "timestamps", nullptr},
    {"task.logs", "stdout", nullptr},
    {"task.logs", "stderr", nullptr},
    // [project] and its defaults for every task
    {"project", "name", nullptr},
    {"project", "comment", nullptr},
    {"project", "defaults", nullptr},
    {"project", "tasks", nullptr},
    {"project.defaults", "comment", nullptr},
    {"project.defaults", "tags", nullptr},
    {"project.defaults", "backend", nullptr},
    {"project.defaults", "wrapper", nullptr},
    {"project.defaults", "logs", nullptr},
    {"project.defaults", "start_when", nullptr},
    {"project.defaults", "start_timeout", nullptr},
    {"project.defaults", "autostart", nullptr},
};

}  // namespace

std::span<const DescriptorKey> descriptor_keys() { return kKeys; }

std::vector<std::string_view> allowed_keys(std::string_view section, std::string_view variant) {
  std::vector<std::string_view> out;
  for (const auto& k : kKeys)
    if (section == k.section && (!k.only || variant == k.only)) out.push_back(k.key);
  return out;
}

}  // namespace spmi
