// The descriptor key table (descriptor_keys.h).
#include "manageables/descriptor_keys.h"

namespace spmi {

namespace {

constexpr const char* kWatchdog = "watchdog";

// Constant data: nothing is built when spmi starts.
constexpr DescriptorKey kKeys[] = {
    // [task]
    {"task", "id", nullptr, KeyType::Id, nullptr},
    {"task", "comment", nullptr, KeyType::String, nullptr},
    {"task", "tags", nullptr, KeyType::Names, nullptr},
    {"task", "backend", nullptr, KeyType::Table, nullptr},
    {"task", "wrapper", nullptr, KeyType::Table, nullptr},
    {"task", "logs", nullptr, KeyType::Table, nullptr},
    {"task", "depends_on", nullptr, KeyType::Names, nullptr},
    {"task", "start_when", nullptr, KeyType::Enum, "started|ready|healthy"},
    {"task", "start_timeout", nullptr, KeyType::Duration, nullptr},
    {"task", "autostart", nullptr, KeyType::Bool, nullptr},
    {"task", "instances", nullptr, KeyType::Int, nullptr},
    // [task.wrapper]: both wrapper types, then the watchdog's own.
    {"task.wrapper", "type", nullptr, KeyType::Enum, "default|watchdog"},
    {"task.wrapper", "command", nullptr, KeyType::Command, nullptr},
    {"task.wrapper", "mixed_stdout", nullptr, KeyType::Bool, nullptr},
    {"task.wrapper", "stop_signal", nullptr, KeyType::Signal, nullptr},
    {"task.wrapper", "stop_timeout", nullptr, KeyType::Duration, nullptr},
    {"task.wrapper", "stop_command", nullptr, KeyType::Command, nullptr},
    {"task.wrapper", "reload_signal", nullptr, KeyType::Signal, nullptr},
    {"task.wrapper", "reload_command", nullptr, KeyType::Command, nullptr},
    {"task.wrapper", "cwd", nullptr, KeyType::String, nullptr},
    {"task.wrapper", "env", nullptr, KeyType::Env, nullptr},
    {"task.wrapper", "env_file", nullptr, KeyType::String, nullptr},
    {"task.wrapper", "inherit_env", nullptr, KeyType::Bool, nullptr},
    {"task.wrapper", "user", nullptr, KeyType::String, nullptr},
    {"task.wrapper", "group", nullptr, KeyType::String, nullptr},
    {"task.wrapper", "umask", nullptr, KeyType::String, nullptr},
    {"task.wrapper", "nice", nullptr, KeyType::Int, nullptr},
    {"task.wrapper", "limits", nullptr, KeyType::Table, nullptr},
    {"task.wrapper", "min_uptime", nullptr, KeyType::Duration, nullptr},
    {"task.wrapper", "ready_fd", kWatchdog, KeyType::Int, nullptr},
    {"task.wrapper", "restart", kWatchdog, KeyType::Enum, "never|on-failure|always"},
    {"task.wrapper", "success_exit_codes", kWatchdog, KeyType::Ints, nullptr},
    {"task.wrapper", "restart_delay", kWatchdog, KeyType::Duration, nullptr},
    {"task.wrapper", "restart_max_delay", kWatchdog, KeyType::Duration, nullptr},
    {"task.wrapper", "restart_reset_after", kWatchdog, KeyType::Duration, nullptr},
    {"task.wrapper", "max_restarts", kWatchdog, KeyType::Restarts, nullptr},
    {"task.wrapper", "restart_window", kWatchdog, KeyType::Duration, nullptr},
    {"task.wrapper", "health", kWatchdog, KeyType::Table, nullptr},
    {"task.wrapper", "schedule", kWatchdog, KeyType::String, nullptr},
    {"task.wrapper", "schedule_action", kWatchdog, KeyType::Enum, "run|start|restart|stop"},
    {"task.wrapper", "timezone", kWatchdog, KeyType::String, nullptr},
    {"task.wrapper", "max_runtime", kWatchdog, KeyType::Duration, nullptr},
    {"task.wrapper", "not_before", kWatchdog, KeyType::String, nullptr},
    {"task.wrapper", "not_after", kWatchdog, KeyType::String, nullptr},
    {"task.wrapper", "max_memory", kWatchdog, KeyType::Size, nullptr},
    {"task.wrapper", "on_event", kWatchdog, KeyType::Table, nullptr},
    {"task.wrapper", "watch", kWatchdog, KeyType::Table, nullptr},
    {"task.wrapper", "cgroup", nullptr, KeyType::Bool, nullptr},
    {"task.wrapper", "cpu_max", nullptr, KeyType::CpuMax, nullptr},
    {"task.wrapper", "memory_max", nullptr, KeyType::Size, nullptr},
    {"task.wrapper", "memory_swap_max", nullptr, KeyType::Size, nullptr},
    {"task.wrapper", "pids_max", nullptr, KeyType::Int, nullptr},
    // [task.wrapper.limits]
    {"task.wrapper.limits", "nofile", nullptr, KeyType::Limit, nullptr},
    {"task.wrapper.limits", "nproc", nullptr, KeyType::Limit, nullptr},
    {"task.wrapper.limits", "core", nullptr, KeyType::Limit, nullptr},
    {"task.wrapper.limits", "memory", nullptr, KeyType::Limit, nullptr},
    {"task.wrapper.limits", "cpu", nullptr, KeyType::Limit, nullptr},
    // [task.wrapper.health], by check type
    {"task.wrapper.health", "type", nullptr, KeyType::Enum, "command|tcp|http"},
    {"task.wrapper.health", "interval", nullptr, KeyType::Duration, nullptr},
    {"task.wrapper.health", "timeout", nullptr, KeyType::Duration, nullptr},
    {"task.wrapper.health", "start_period", nullptr, KeyType::Duration, nullptr},
    {"task.wrapper.health", "success_after", nullptr, KeyType::Int, nullptr},
    {"task.wrapper.health", "failure_after", nullptr, KeyType::Int, nullptr},
    {"task.wrapper.health", "on_unhealthy", nullptr, KeyType::Enum, "none|restart"},
    {"task.wrapper.health", "command", "command", KeyType::Command, nullptr},
    {"task.wrapper.health", "host", "tcp", KeyType::String, nullptr},
    {"task.wrapper.health", "port", "tcp", KeyType::Int, nullptr},
    {"task.wrapper.health", "url", "http", KeyType::String, nullptr},
    // [task.wrapper.on_event]
    {"task.wrapper.on_event", "command", nullptr, KeyType::Command, nullptr},
    {"task.wrapper.on_event", "events", nullptr, KeyType::Events, nullptr},
    {"task.wrapper.on_event", "timeout", nullptr, KeyType::Duration, nullptr},
    // [task.wrapper.watch]
    {"task.wrapper.watch", "paths", nullptr, KeyType::Strings, nullptr},
    {"task.wrapper.watch", "ignore", nullptr, KeyType::Strings, nullptr},
    {"task.wrapper.watch", "debounce", nullptr, KeyType::Duration, nullptr},
    // [task.logs]
    {"task.logs", "max_size", nullptr, KeyType::Size, nullptr},
    {"task.logs", "rotate", nullptr, KeyType::Enum, "size|hourly|daily|never"},
    {"task.logs", "keep", nullptr, KeyType::Int, nullptr},
    {"task.logs", "compress", nullptr, KeyType::Bool, nullptr},
    {"task.logs", "timestamps", nullptr, KeyType::Bool, nullptr},
    {"task.logs", "stdout", nullptr, KeyType::String, nullptr},
    {"task.logs", "stderr", nullptr, KeyType::String, nullptr},
    // [project] and its defaults for every task
    {"project", "name", nullptr, KeyType::Id, nullptr},
    {"project", "comment", nullptr, KeyType::String, nullptr},
    {"project", "defaults", nullptr, KeyType::Table, nullptr},
    {"project", "tasks", nullptr, KeyType::Tasks, nullptr},
    {"project.defaults", "comment", nullptr, KeyType::String, nullptr},
    {"project.defaults", "tags", nullptr, KeyType::Names, nullptr},
    {"project.defaults", "backend", nullptr, KeyType::Table, nullptr},
    {"project.defaults", "wrapper", nullptr, KeyType::Table, nullptr},
    {"project.defaults", "logs", nullptr, KeyType::Table, nullptr},
    {"project.defaults", "start_when", nullptr, KeyType::Enum, "started|ready|healthy"},
    {"project.defaults", "start_timeout", nullptr, KeyType::Duration, nullptr},
    {"project.defaults", "autostart", nullptr, KeyType::Bool, nullptr},
};

}  // namespace

std::span<const DescriptorKey> descriptor_keys() { return kKeys; }

std::vector<std::string_view> allowed_keys(std::string_view section, std::string_view variant) {
  std::vector<std::string_view> out;
  for (const auto& k : kKeys)
    if (section == k.section && (!k.only || variant == k.only)) out.push_back(k.key);
  return out;
}

const char* key_variant(std::string_view section, std::string_view key) {
  for (const auto& k : kKeys)
    if (section == k.section && key == k.key) return k.only;
  return nullptr;
}

const char* section_of_key(std::string_view key, std::string_view not_in) {
  for (const auto& k : kKeys)
    if (key == k.key && not_in != k.section && std::string_view(k.section).rfind("project", 0) != 0) return k.section;
  return nullptr;
}

}  // namespace spmi
