// Encoding and decoding of the normalized task spec.
#include "common/task_spec.h"

#include "common/kv_record.h"

namespace spmi {

std::string TaskSpec::display_command() const {
  if (uses_shell()) return shell_command;
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) {
        if (c == '\'') out += "'\\''";
        else out += c;
      }
      out += '\'';
    }
  }
  return out;
}

std::string TaskSpec::stdout_log(const std::string& task_dir) const {
  return logs.stdout_path.empty() ? task_dir + "/" + task_files::kStdout : logs.stdout_path;
}

std::string TaskSpec::stderr_log(const std::string& task_dir) const {
  return logs.stderr_path.empty() ? task_dir + "/" + task_files::kStderr : logs.stderr_path;
}

namespace {

using kv::At;
using kv::Field;
using kv::Rule;
using S = TaskSpec;

bool runs_shell(const S& s) { return s.uses_shell(); }
bool has_health(const S& s) { return s.health.type != HealthType::None; }
bool has_health_shell(const S& s) { return has_health(s) && !s.health.shell_command.empty(); }
bool has_schedule(const S& s) { return !s.schedule.cron.empty(); }
bool has_dependencies(const S& s) { return !s.depends_on.empty(); }
bool has_hook(const S& s) { return s.on_event.enabled(); }
bool has_watch(const S& s) { return s.watch.enabled(); }

// Keys whose values are not one field as it is.
constexpr Field<S> kEnv = {
    "env",
    [](const S& s, const S&, const char* k, KvFile& kv) {
      for (const auto& [name, value] : s.env) kv.add(k, name + "=" + value);
    },
    [](const KvFile& kv, const char* k, S& s, std::string* err) {
      for (const auto& e : kv.get_all(k)) {
        size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0) {
          *err = "malformed 'env' entry";
          return false;
        }
        s.env.emplace_back(e.substr(0, eq), e.substr(eq + 1));
      }
      return true;
    }};
// The backend's options: every "<backend>_..." key, in file order (the
// backend row comes first, so the backend is known when they are read).
constexpr Field<S> kBackendOptions = {
    "<backend>_*",
    [](const S& s, const S&, const char*, KvFile& kv) {
      for (const auto& [key, value] : s.backend_options) kv.add(key, value);
    },
    [](const KvFile& kv, const char*, S& s, std::string*) {
      const std::string prefix = s.backend + "_";
      for (const auto& [key, value] : kv.entries())
        if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0)
          s.backend_options.emplace_back(key, value);
      return true;
    }};

// A shell command or an argv: one of the two must be there.
constexpr Field<S> kArgv = {
    "arg", kv::texts<At<&S::argv>>("arg").write, [](const KvFile& kv, const char* k, S& s, std::string* err) {
      s.argv = kv.get_all(k);
      if (s.argv.empty() && !kv.get("shell")) {
        *err = "neither 'shell' nor 'arg' is present";
        return false;
      }
      return true;
    }};
constexpr Field<S> kSuccessExitCodes = {
    "success_exit_code",
    [](const S& s, const S&, const char* k, KvFile& kv) {
      for (int code : s.restart.success_exit_codes) kv.add_int(k, code);
    },
    [](const KvFile& kv, const char* k, S& s, std::string* err) {
      auto codes = kv.get_all(k);
      if (codes.empty()) return true;
      s.restart.success_exit_codes.clear();
      for (const auto& c : codes) {
        long long v = 0;
        if (!parse_ll(c, &v)) {
          *err = "'success_exit_code' is not a number";
          return false;
        }
        s.restart.success_exit_codes.push_back(static_cast<int>(v));
      }
      return true;
    }};
constexpr Field<S> kOnUnhealthy = {
    "health_on_unhealthy",
    [](const S& s, const S&, const char* k, KvFile& kv) {
      if (has_health(s)) kv.add(k, s.health.restart_on_unhealthy ? "restart" : "none");
    },
    [](const KvFile& kv, const char* k, S& s, std::string*) {
      s.health.restart_on_unhealthy = kv.get(k).value_or("none") == "restart";
      return true;
    }};
constexpr Field<S> kNice = {
    "nice",
    [](const S& s, const S&, const char* k, KvFile& kv) {
      if (s.process.has_nice) kv.add_int(k, s.process.nice);
    },
    [](const KvFile& kv, const char* k, S& s, std::string*) {
      s.process.has_nice = kv.get(k).has_value();
      s.process.nice = static_cast<int>(kv.get_int(k, 0));
      return true;
    }};

template <auto... Ms>
using Restart = At<&S::restart, Ms...>;
template <auto... Ms>
using Health = At<&S::health, Ms...>;
template <auto... Ms>
using Schedule = At<&S::schedule, Ms...>;
template <auto... Ms>
using Logs = At<&S::logs, Ms...>;
template <auto... Ms>
using Process = At<&S::process, Ms...>;
template <auto... Ms>
using Cgroup = At<&S::cgroup, Ms...>;
template <auto... Ms>
using Hook = At<&S::on_event, Ms...>;
template <auto... Ms>
using Control = At<&S::control, Ms...>;
template <auto... Ms>
using Watch = At<&S::watch, Ms...>;
constexpr Rule kRequired = Rule::Required, kUnlessDefault = Rule::UnlessDefault, kAlways = Rule::Always;

// The spec file, key by key, in file order (state/schema.md, "spec").
constexpr Field<S> kSpecFields[] = {
    kv::text<At<&S::id>, kRequired>("id"),
    kv::text<At<&S::manageable>, kRequired>("manageable"),
    kv::text<At<&S::comment>, kRequired>("comment"),
    kv::text<At<&S::project>, kUnlessDefault>("project"),
    kv::texts<At<&S::tags>>("tag"),
    kv::text<At<&S::instance_of>, kUnlessDefault>("instance_of"),
    kv::number<At<&S::instance>, kUnlessDefault>("instance"),
    kv::text<At<&S::backend>, kRequired>("backend"),
    kBackendOptions,
    kv::text<At<&S::wrapper>, kRequired>("wrapper"),
    kv::text<At<&S::shell_command>, kAlways, runs_shell>("shell"),
    kArgv,
    kv::flag<At<&S::mixed_stdout>, kRequired>("mixed_stdout"),
    kv::number<At<&S::stop_signal>, kRequired>("stop_signal"),
    kv::number<At<&S::stop_timeout_ms>, kRequired>("stop_timeout_ms"),
    kv::text<Control<&ControlCommands::stop, &HelperCommand::shell_command>, kUnlessDefault>("stop_shell"),
    kv::texts<Control<&ControlCommands::stop, &HelperCommand::argv>>("stop_arg"),
    kv::number<Control<&ControlCommands::reload_signal>, kUnlessDefault>("reload_signal"),
    kv::text<Control<&ControlCommands::reload, &HelperCommand::shell_command>, kUnlessDefault>("reload_shell"),
    kv::texts<Control<&ControlCommands::reload, &HelperCommand::argv>>("reload_arg"),
    kv::text<At<&S::cwd>, kRequired>("cwd"),
    kEnv,
    kv::name<Restart<&RestartSettings::mode>, restart_mode_name, restart_mode_from_name>("restart"),
    kSuccessExitCodes,
    kv::number<Restart<&RestartSettings::delay_ms>>("restart_delay_ms"),
    kv::number<Restart<&RestartSettings::max_delay_ms>>("restart_max_delay_ms"),
    kv::number<Restart<&RestartSettings::reset_after_ms>>("restart_reset_after_ms"),
    kv::number<Restart<&RestartSettings::max_restarts>>("max_restarts"),
    kv::number<Restart<&RestartSettings::window_ms>>("restart_window_ms"),
    kv::number<Restart<&RestartSettings::min_uptime_ms>, kUnlessDefault>("min_uptime_ms"),
    kv::number<At<&S::ready_fd>, kUnlessDefault>("ready_fd"),
    kv::name<Health<&HealthSettings::type>, health_type_name, health_type_from_name, kUnlessDefault>("health"),
    kv::text<Health<&HealthSettings::shell_command>, kAlways, has_health_shell>("health_shell"),
    kv::texts<Health<&HealthSettings::argv>, has_health>("health_arg"),
    kv::text<Health<&HealthSettings::host>, kAlways, has_health>("health_host"),
    kv::number<Health<&HealthSettings::port>, kAlways, has_health>("health_port"),
    kv::text<Health<&HealthSettings::http_path>, kAlways, has_health>("health_http_path"),
    kv::number<Health<&HealthSettings::interval_ms>, kAlways, has_health>("health_interval_ms"),
    kv::number<Health<&HealthSettings::timeout_ms>, kAlways, has_health>("health_timeout_ms"),
    kv::number<Health<&HealthSettings::start_period_ms>, kAlways, has_health>("health_start_period_ms"),
    kv::number<Health<&HealthSettings::success_after>, kAlways, has_health>("health_success_after"),
    kv::number<Health<&HealthSettings::failure_after>, kAlways, has_health>("health_failure_after"),
    kOnUnhealthy,
    kv::text<Schedule<&ScheduleSettings::cron>, kAlways, has_schedule>("schedule"),
    kv::name<Schedule<&ScheduleSettings::action>, schedule_action_name, schedule_action_from_name, kUnlessDefault>(
        "schedule_action"),
    kv::text<Schedule<&ScheduleSettings::timezone>, kAlways, has_schedule>("timezone"),
    kv::number<Schedule<&ScheduleSettings::not_before_ms>, kAlways, has_schedule>("not_before_ms"),
    kv::number<Schedule<&ScheduleSettings::not_after_ms>, kAlways, has_schedule>("not_after_ms"),
    kv::number<Schedule<&ScheduleSettings::max_runtime_ms>, kUnlessDefault>("max_runtime_ms"),
    kv::text<Hook<&EventHookSettings::shell_command>, kUnlessDefault>("on_event_shell"),
    kv::texts<Hook<&EventHookSettings::argv>>("on_event_arg"),
    kv::texts<Hook<&EventHookSettings::events>>("on_event"),
    kv::number<Hook<&EventHookSettings::timeout_ms>, kAlways, has_hook>("on_event_timeout_ms"),
    kv::texts<Watch<&WatchSettings::paths>>("watch_path"),
    kv::texts<Watch<&WatchSettings::ignore>, has_watch>("watch_ignore"),
    kv::number<Watch<&WatchSettings::debounce_ms>, kAlways, has_watch>("watch_debounce_ms"),
    kv::number<At<&S::max_memory_bytes>, kUnlessDefault>("max_memory_bytes"),
    kv::flag<Cgroup<&CgroupSettings::enabled>, kUnlessDefault>("cgroup"),
    kv::number<Cgroup<&CgroupSettings::memory_max>, kUnlessDefault>("memory_max_bytes"),
    kv::number<Cgroup<&CgroupSettings::memory_swap_max>, kUnlessDefault>("memory_swap_max_bytes"),
    kv::number<Cgroup<&CgroupSettings::cpu_max_millicores>, kUnlessDefault>("cpu_max_millicores"),
    kv::number<Cgroup<&CgroupSettings::pids_max>, kUnlessDefault>("pids_max"),
    kv::number<Logs<&LogSettings::max_size>>("log_max_size"),
    kv::name<Logs<&LogSettings::rotate>, log_rotate_name, log_rotate_from_name>("log_rotate"),
    kv::number<Logs<&LogSettings::keep>>("log_keep"),
    kv::flag<Logs<&LogSettings::compress>>("log_compress"),
    kv::flag<Logs<&LogSettings::timestamps>>("log_timestamps"),
    kv::text<Logs<&LogSettings::stdout_path>, kUnlessDefault>("log_stdout"),
    kv::text<Logs<&LogSettings::stderr_path>, kUnlessDefault>("log_stderr"),
    kv::text<Process<&ProcessSettings::env_file>, kUnlessDefault>("env_file"),
    kv::flag<Process<&ProcessSettings::inherit_env>, kUnlessDefault>("inherit_env"),
    kv::text<Process<&ProcessSettings::user>, kUnlessDefault>("user"),
    kv::text<Process<&ProcessSettings::group>, kUnlessDefault>("group"),
    kv::number<Process<&ProcessSettings::umask>, kUnlessDefault>("umask"),
    kNice,
    kv::number<Process<&ProcessSettings::limit_nofile>, kUnlessDefault>("limit_nofile"),
    kv::number<Process<&ProcessSettings::limit_nproc>, kUnlessDefault>("limit_nproc"),
    kv::number<Process<&ProcessSettings::limit_core>, kUnlessDefault>("limit_core"),
    kv::number<Process<&ProcessSettings::limit_memory>, kUnlessDefault>("limit_memory"),
    kv::number<Process<&ProcessSettings::limit_cpu>, kUnlessDefault>("limit_cpu"),
    kv::texts<At<&S::depends_on>>("depends_on"),
    kv::flag<At<&S::autostart>, kUnlessDefault>("autostart"),
    kv::text<At<&S::start_when>, kAlways, has_dependencies>("start_when"),
    kv::number<At<&S::start_timeout_ms>, kAlways, has_dependencies>("start_timeout_ms"),
    kv::text<At<&S::source>, kRequired>("source"),
    kv::number<At<&S::loaded_at_ms>, kRequired>("loaded_at_ms"),
};

}  // namespace

std::vector<const char*> spec_keys() { return kv::keys(kSpecFields); }

std::string serialize_spec(const TaskSpec& s) { return kv::serialize(kSpecFields, "spmi-spec", kSpecVersion, s); }

bool parse_spec(const std::string& text, TaskSpec* s, std::string* err) {
  return kv::parse(kSpecFields, "spmi-spec", kSpecVersion, text, s, err);
}

}  // namespace spmi
