// Encoding and decoding of the normalized task spec.
#include "common/task_spec.h"

#include "common/kv_file.h"

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

std::string serialize_spec(const TaskSpec& s) {
  KvFile kv("spmi-spec", kSpecVersion);
  kv.add("id", s.id);
  kv.add("manageable", s.manageable);
  kv.add("comment", s.comment);
  if (!s.project.empty()) kv.add("project", s.project);
  for (const auto& t : s.tags) kv.add("tag", t);
  kv.add("backend", s.backend);
  const SlurmSettings& sl = s.slurm;
  if (!sl.partition.empty()) kv.add("slurm_partition", sl.partition);
  if (sl.time_ms > 0) kv.add_int("slurm_time_ms", sl.time_ms);
  if (sl.cpus > 0) kv.add_int("slurm_cpus", sl.cpus);
  if (sl.mem_bytes > 0) kv.add_int("slurm_mem_bytes", sl.mem_bytes);
  if (sl.nodes > 0) kv.add_int("slurm_nodes", sl.nodes);
  if (!sl.account.empty()) kv.add("slurm_account", sl.account);
  if (!sl.qos.empty()) kv.add("slurm_qos", sl.qos);
  if (!sl.constraint.empty()) kv.add("slurm_constraint", sl.constraint);
  for (const auto& a : sl.extra_args) kv.add("slurm_arg", a);
  kv.add("wrapper", s.wrapper);
  if (s.uses_shell()) kv.add("shell", s.shell_command);
  for (const auto& a : s.argv) kv.add("arg", a);
  kv.add("mixed_stdout", s.mixed_stdout ? "1" : "0");
  kv.add_int("stop_signal", s.stop_signal);
  kv.add_int("stop_timeout_ms", s.stop_timeout_ms);
  kv.add("cwd", s.cwd);
  for (const auto& [k, v] : s.env) kv.add("env", k + "=" + v);
  const RestartSettings& r = s.restart;
  kv.add("restart", restart_mode_name(r.mode));
  for (int code : r.success_exit_codes) kv.add_int("success_exit_code", code);
  kv.add_int("restart_delay_ms", r.delay_ms);
  kv.add_int("restart_max_delay_ms", r.max_delay_ms);
  kv.add_int("restart_reset_after_ms", r.reset_after_ms);
  kv.add_int("max_restarts", r.max_restarts);
  kv.add_int("restart_window_ms", r.window_ms);
  if (r.min_uptime_ms > 0) kv.add_int("min_uptime_ms", r.min_uptime_ms);
  if (s.ready_fd > 0) kv.add_int("ready_fd", s.ready_fd);
  const HealthSettings& h = s.health;
  if (h.type != HealthType::None) {
    kv.add("health", health_type_name(h.type));
    if (!h.shell_command.empty()) kv.add("health_shell", h.shell_command);
    for (const auto& a : h.argv) kv.add("health_arg", a);
    kv.add("health_host", h.host);
    kv.add_int("health_port", h.port);
    kv.add("health_http_path", h.http_path);
    kv.add_int("health_interval_ms", h.interval_ms);
    kv.add_int("health_timeout_ms", h.timeout_ms);
    kv.add_int("health_start_period_ms", h.start_period_ms);
    kv.add_int("health_success_after", h.success_after);
    kv.add_int("health_failure_after", h.failure_after);
    kv.add("health_on_unhealthy", h.restart_on_unhealthy ? "restart" : "none");
  }
  const ScheduleSettings& c = s.schedule;
  if (!c.cron.empty()) {
    kv.add("schedule", c.cron);
    kv.add("timezone", c.timezone);
    kv.add_int("not_before_ms", c.not_before_ms);
    kv.add_int("not_after_ms", c.not_after_ms);
  }
  if (c.max_runtime_ms > 0) kv.add_int("max_runtime_ms", c.max_runtime_ms);
  if (s.max_memory_bytes > 0) kv.add_int("max_memory_bytes", s.max_memory_bytes);
  kv.add_int("log_max_size", s.logs.max_size);
  kv.add("log_rotate", log_rotate_name(s.logs.rotate));
  kv.add_int("log_keep", s.logs.keep);
  kv.add("log_compress", s.logs.compress ? "1" : "0");
  kv.add("log_timestamps", s.logs.timestamps ? "1" : "0");
  if (!s.logs.stdout_path.empty()) kv.add("log_stdout", s.logs.stdout_path);
  if (!s.logs.stderr_path.empty()) kv.add("log_stderr", s.logs.stderr_path);
  const ProcessSettings& p = s.process;
  if (!p.env_file.empty()) kv.add("env_file", p.env_file);
  if (!p.inherit_env) kv.add("inherit_env", "0");
  if (!p.user.empty()) kv.add("user", p.user);
  if (!p.group.empty()) kv.add("group", p.group);
  if (p.umask >= 0) kv.add_int("umask", p.umask);
  if (p.has_nice) kv.add_int("nice", p.nice);
  for (auto [key, value] : {std::pair<const char*, int64_t>{"limit_nofile", p.limit_nofile},
                            {"limit_nproc", p.limit_nproc}, {"limit_core", p.limit_core},
                            {"limit_memory", p.limit_memory}, {"limit_cpu", p.limit_cpu}})
    if (value != kLimitUnset) kv.add_int(key, value);
  for (const auto& d : s.depends_on) kv.add("depends_on", d);
  if (!s.depends_on.empty()) {
    kv.add("start_when", s.start_when);
    kv.add_int("start_timeout_ms", s.start_timeout_ms);
  }
  kv.add("source", s.source);
  kv.add_int("loaded_at_ms", s.loaded_at_ms);
  return kv.serialize();
}

bool parse_spec(const std::string& text, TaskSpec* s, std::string* err) {
  KvFile kv;
  if (!kv.parse(text, "spmi-spec", kSpecVersion, err)) return false;
  auto need = [&](const char* key, std::string* out) {
    auto v = kv.get(key);
    if (!v) {
      *err = std::string("missing '") + key + "'";
      return false;
    }
    *out = *v;
    return true;
  };
  auto need_int = [&](const char* key, long long* out) {
    std::string v;
    if (!need(key, &v)) return false;
    if (!parse_ll(v, out)) {
      *err = std::string("'") + key + "' is not a number";
      return false;
    }
    return true;
  };
  std::string mixed;
  long long sig = 0, timeout = 0, loaded = 0;
  if (!need("id", &s->id) || !need("manageable", &s->manageable) || !need("comment", &s->comment) ||
      !need("backend", &s->backend) || !need("wrapper", &s->wrapper) || !need("mixed_stdout", &mixed) ||
      !need_int("stop_signal", &sig) || !need_int("stop_timeout_ms", &timeout) || !need("cwd", &s->cwd) ||
      !need("source", &s->source) || !need_int("loaded_at_ms", &loaded))
    return false;
  s->project = kv.get("project").value_or("");
  s->tags = kv.get_all("tag");
  s->shell_command = kv.get("shell").value_or("");
  s->argv = kv.get_all("arg");
  if (s->argv.empty() && !kv.get("shell")) {
    *err = "neither 'shell' nor 'arg' is present";
    return false;
  }
  s->mixed_stdout = mixed == "1";
  s->stop_signal = static_cast<int>(sig);
  s->stop_timeout_ms = timeout;
  s->loaded_at_ms = loaded;
  // Restart keys (optional: absent in specs written before they existed).
  RestartSettings& r = s->restart;
  if (!restart_mode_from_name(kv.get("restart").value_or("never"), &r.mode)) {
    *err = "unknown 'restart' policy";
    return false;
  }
  auto codes = kv.get_all("success_exit_code");
  if (!codes.empty()) {
    r.success_exit_codes.clear();
    for (const auto& c : codes) {
      long long v = 0;
      if (!parse_ll(c, &v)) {
        *err = "'success_exit_code' is not a number";
        return false;
      }
      r.success_exit_codes.push_back(static_cast<int>(v));
    }
  }
  r.delay_ms = kv.get_int("restart_delay_ms", r.delay_ms);
  r.max_delay_ms = kv.get_int("restart_max_delay_ms", r.max_delay_ms);
  r.reset_after_ms = kv.get_int("restart_reset_after_ms", r.reset_after_ms);
  r.window_ms = kv.get_int("restart_window_ms", r.window_ms);
  r.min_uptime_ms = kv.get_int("min_uptime_ms", 0);
  r.max_restarts = static_cast<int>(kv.get_int("max_restarts", r.max_restarts));
  // Readiness, health, schedule and memory keys (optional, like the above).
  s->ready_fd = static_cast<int>(kv.get_int("ready_fd", 0));
  HealthSettings& h = s->health;
  if (!health_type_from_name(kv.get("health").value_or(""), &h.type)) {
    *err = "unknown 'health' check type";
    return false;
  }
  h.shell_command = kv.get("health_shell").value_or("");
  h.argv = kv.get_all("health_arg");
  h.host = kv.get("health_host").value_or("");
  h.port = static_cast<int>(kv.get_int("health_port", 0));
  h.http_path = kv.get("health_http_path").value_or("/");
  h.interval_ms = kv.get_int("health_interval_ms", h.interval_ms);
  h.timeout_ms = kv.get_int("health_timeout_ms", h.timeout_ms);
  h.start_period_ms = kv.get_int("health_start_period_ms", h.start_period_ms);
  h.success_after = static_cast<int>(kv.get_int("health_success_after", h.success_after));
  h.failure_after = static_cast<int>(kv.get_int("health_failure_after", h.failure_after));
  h.restart_on_unhealthy = kv.get("health_on_unhealthy").value_or("none") == "restart";
  ScheduleSettings& c = s->schedule;
  c.cron = kv.get("schedule").value_or("");
  c.timezone = kv.get("timezone").value_or("");
  c.not_before_ms = kv.get_int("not_before_ms", 0);
  c.not_after_ms = kv.get_int("not_after_ms", 0);
  c.max_runtime_ms = kv.get_int("max_runtime_ms", 0);
  s->max_memory_bytes = kv.get_int("max_memory_bytes", 0);
  SlurmSettings& sl = s->slurm;
  sl.partition = kv.get("slurm_partition").value_or("");
  sl.time_ms = kv.get_int("slurm_time_ms", 0);
  sl.cpus = static_cast<int>(kv.get_int("slurm_cpus", 0));
  sl.mem_bytes = kv.get_int("slurm_mem_bytes", 0);
  sl.nodes = static_cast<int>(kv.get_int("slurm_nodes", 0));
  sl.account = kv.get("slurm_account").value_or("");
  sl.qos = kv.get("slurm_qos").value_or("");
  sl.constraint = kv.get("slurm_constraint").value_or("");
  sl.extra_args = kv.get_all("slurm_arg");
  LogSettings& l = s->logs;
  l.max_size = kv.get_int("log_max_size", l.max_size);
  if (!log_rotate_from_name(kv.get("log_rotate").value_or("size"), &l.rotate)) {
    *err = "unknown 'log_rotate'";
    return false;
  }
  l.keep = static_cast<int>(kv.get_int("log_keep", l.keep));
  l.compress = kv.get("log_compress").value_or("0") == "1";
  l.timestamps = kv.get("log_timestamps").value_or("0") == "1";
  l.stdout_path = kv.get("log_stdout").value_or("");
  l.stderr_path = kv.get("log_stderr").value_or("");
  ProcessSettings& p = s->process;
  p.env_file = kv.get("env_file").value_or("");
  p.inherit_env = kv.get("inherit_env").value_or("1") != "0";
  p.user = kv.get("user").value_or("");
  p.group = kv.get("group").value_or("");
  p.umask = static_cast<int>(kv.get_int("umask", -1));
  p.has_nice = kv.get("nice").has_value();
  p.nice = static_cast<int>(kv.get_int("nice", 0));
  p.limit_nofile = kv.get_int("limit_nofile", kLimitUnset);
  p.limit_nproc = kv.get_int("limit_nproc", kLimitUnset);
  p.limit_core = kv.get_int("limit_core", kLimitUnset);
  p.limit_memory = kv.get_int("limit_memory", kLimitUnset);
  p.limit_cpu = kv.get_int("limit_cpu", kLimitUnset);
  s->depends_on = kv.get_all("depends_on");
  s->start_when = kv.get("start_when").value_or("started");
  s->start_timeout_ms = kv.get_int("start_timeout_ms", 60000);
  s->env.clear();
  for (const auto& e : kv.get_all("env")) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      *err = "malformed 'env' entry";
      return false;
    }
    s->env.emplace_back(e.substr(0, eq), e.substr(eq + 1));
  }
  return true;
}

}  // namespace spmi
