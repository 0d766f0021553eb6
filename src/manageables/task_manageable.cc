// The `task` manageable: SPMI's schema plus spmi's additions, validated into
// a normalized TaskSpec.
//
//   [task]            id, comment, tags, depends_on, start_when, start_timeout,
//                     autostart
//   [task.backend]    type (+ the backend type's own keys: slurm's partition,
//                     time, cpus, mem, nodes, account, qos, constraint, extra_args)
//   [task.wrapper]    type, command, mixed_stdout, stop_signal, stop_timeout,
//                     min_uptime, cwd, env, cgroup, cpu_max, memory_max,
//                     memory_swap_max, pids_max (the keys the wrapper type allows);
//                     watchdog: ready_fd, restart keys, health (a table), schedule,
//                     timezone, max_runtime, not_before, not_after, max_memory,
//                     on_event (a table: command, events, timeout)
#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "backends/registry.h"
#include "common/atomic_file.h"
#include "common/cgroup.h"
#include "common/clock.h"
#include "common/cron.h"
#include "common/duration.h"
#include "common/task_env.h"
#include "common/kv_file.h"
#include "common/names.h"
#include "common/wrapper_types.h"
#include "manageables/descriptor_keys.h"
#include "manageables/registry.h"
#include "manageables/units.h"

namespace spmi {

namespace {

// The watchdog's restart keys (defaults in TaskSpec, except restart itself:
// "on-failure" for a watchdog).
void build_restart(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  RestartSettings& r = spec->restart;
  r.mode = RestartMode::OnFailure;
  std::string mode;
  if (check.get_string(wrapper, where, "restart", false, &mode) && !restart_mode_from_name(mode, &r.mode))
    check.error(wrapper.find("restart")->pos,
                "task.wrapper.restart: unknown restart policy '" + mode + "' (known: never, on-failure, always)");
  if (const Node* codes = wrapper.find("success_exit_codes")) {
    if (codes->kind != Node::Kind::Array) {
      check.error(codes->pos, "task.wrapper.success_exit_codes: expected an array of exit codes, got " +
                                  describe_kind(*codes));
    } else {
      r.success_exit_codes.clear();
      for (const Node& c : codes->items) {
        if (c.kind != Node::Kind::Integer || c.integer < 0 || c.integer > 255)
          check.error(c.pos, "task.wrapper.success_exit_codes: expected exit codes from 0 to 255");
        else
          r.success_exit_codes.push_back(static_cast<int>(c.integer));
      }
    }
  }
  check.get_duration(wrapper, where, "restart_delay", &r.delay_ms);
  check.get_duration(wrapper, where, "restart_max_delay", &r.max_delay_ms);
  check.get_duration(wrapper, where, "restart_reset_after", &r.reset_after_ms);
  if (check.get_duration(wrapper, where, "restart_window", &r.window_ms) && r.window_ms <= 0)
    check.error(wrapper.find("restart_window")->pos, "task.wrapper.restart_window: must be longer than 0s");
  if (wrapper.find("restart_max_delay") && r.max_delay_ms < r.delay_ms)
    check.error(wrapper.find("restart_max_delay")->pos,
                "task.wrapper.restart_max_delay: must not be shorter than restart_delay");
  if (const Node* n = wrapper.find("max_restarts")) {
    if (n->kind == Node::Kind::String && n->str == "unlimited")
      r.max_restarts = kUnlimitedRestarts;
    else if (n->kind != Node::Kind::Integer || n->integer < 0 || n->integer > 1000000)
      check.error(n->pos, "task.wrapper.max_restarts: expected a whole number from 0 to 1000000 or \"unlimited\", got " +
                              (n->kind == Node::Kind::Integer ? std::to_string(n->integer) : describe_kind(*n)));
    else
      r.max_restarts = static_cast<int>(n->integer);
  }
}

// "host:port" / "[v6]:port" of an http URL's authority.
bool split_host_port(const std::string& authority, std::string* host, int* port) {
  std::string p;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    *host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      p = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    *host = authority.substr(0, colon);
    if (colon != std::string::npos) p = authority.substr(colon + 1);
  }
  if (host->empty()) return false;
  if (p.empty()) return *port > 0;
  long long v = 0;
  if (!parse_ll(p, &v) || v < 1 || v > 65535) return false;
  *port = static_cast<int>(v);
  return true;
}

std::string absolute_dir_of(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  std::string abs = real ? real : path;
  std::free(real);
  return dir_name(abs);
}

// Resolves `cwd` from a descriptor: "~" and "~/x" use $HOME, a relative path
// is relative to the descriptor's directory.
std::string resolve_cwd(const std::string& cwd, const std::string& base) {
  if (cwd == "~" || cwd.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + cwd.substr(1);
  }
  if (!cwd.empty() && cwd[0] == '/') return cwd;
  return base + "/" + cwd;
}

// A command: a shell string or an argv array (task.wrapper.command and
// task.wrapper.health.command).
void build_command(const Node& table, const std::string& where, Checker& check, std::string* shell,
                   std::vector<std::string>* argv, const char* key = "command") {
  const Node* cmd = table.find(key);
  const std::string at_key = where + "." + key;
  if (!cmd) {
    check.error(table.pos, "missing required key '" + at_key + "'");
    return;
  }
  if (cmd->kind == Node::Kind::String) {
    if (cmd->str.find_first_not_of(" \t\n") == std::string::npos)
      check.error(cmd->pos, at_key + ": must not be empty");
    else if (cmd->str.find('\0') != std::string::npos)
      check.error(cmd->pos, at_key + ": must not contain a NUL character");
    *shell = cmd->str;
    return;
  }
  if (cmd->kind != Node::Kind::Array) {
    check.error(cmd->pos, at_key + ": expected a shell command string or an argv array of strings, got " +
                              describe_kind(*cmd));
    return;
  }
  if (cmd->items.empty()) {
    check.error(cmd->pos, at_key + ": the argv array must not be empty");
    return;
  }
  for (size_t i = 0; i < cmd->items.size(); ++i) {
    const Node& a = cmd->items[i];
    std::string at = at_key + "[" + std::to_string(i) + "]";
    if (a.kind != Node::Kind::String) {
      check.error(a.pos, at + ": expected a string, got " + describe_kind(a));
    } else if (a.str.find('\0') != std::string::npos) {
      check.error(a.pos, at + ": must not contain a NUL character");
    } else if (i == 0 && a.str.empty()) {
      check.error(a.pos, at + ": the program name must not be empty");
    } else {
      argv->push_back(a.str);
    }
  }
}

// stop_command, reload_signal, reload_command (common/control_commands.h),
// for both wrapper types.
void build_control_commands(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  ControlCommands& c = spec->control;
  if (wrapper.find("stop_command"))
    build_command(wrapper, where, check, &c.stop.shell_command, &c.stop.argv, "stop_command");
  if (wrapper.find("reload_command"))
    build_command(wrapper, where, check, &c.reload.shell_command, &c.reload.argv, "reload_command");
  if (check.get_signal(wrapper, where, "reload_signal", &c.reload_signal) && c.reload.set())
    check.error(wrapper.find("reload_signal")->pos,
                "task.wrapper.reload_signal: give either reload_signal or reload_command, not both");
}

// [task.wrapper.health]: type, command | host + port | url, and the timing keys.
void build_health(const Node& health, Checker& check, TaskSpec* spec) {
  const std::string where = "task.wrapper.health";
  if (!check.expect_table(health, where)) return;
  HealthSettings& h = spec->health;
  std::string type;
  if (!check.get_string(health, where, "type", true, &type)) return;
  if (!health_type_from_name(type, &h.type) || h.type == HealthType::None) {
    check.error(health.find("type")->pos, where + ".type: unknown health check type '" + type +
                                              "' (known: command, tcp, http)");
    return;
  }
  check.check_section_keys(health, where, type);
  if (h.type == HealthType::Command) build_command(health, where, check, &h.shell_command, &h.argv);
  if (h.type == HealthType::Tcp) {
    h.host = "127.0.0.1";
    check.get_string(health, where, "host", false, &h.host);
    if (h.host.empty()) check.error(health.find("host")->pos, where + ".host: must not be empty");
    long long port = 0;
    if (check.get_int(health, where.c_str(), "port", 1, 65535, &port)) h.port = static_cast<int>(port);
    else if (!health.find("port")) check.error(health.pos, "missing required key '" + where + ".port'");
  }
  if (h.type == HealthType::Http) {
    std::string url;
    if (check.get_string(health, where, "url", true, &url)) {
      h.port = 80;
      std::string rest = url.rfind("http://", 0) == 0 ? url.substr(7) : "";
      size_t slash = rest.find('/');
      std::string authority = rest.substr(0, slash);
      h.http_path = slash == std::string::npos ? "/" : rest.substr(slash);
      bool clean = url.find_first_of(" \t\r\n") == std::string::npos;
      if (url.rfind("https://", 0) == 0)
        check.error(health.find("url")->pos, where + ".url: https is not supported; check a plain http endpoint "
                                                     "or use a command check (e.g. curl)");
      else if (rest.empty() || !clean || !split_host_port(authority, &h.host, &h.port))
        check.error(health.find("url")->pos, where + ".url: '" + url + "' is not a URL like \"http://127.0.0.1:8080/health\"");
    }
  }
  check.get_duration(health, where, "interval", &h.interval_ms);
  check.get_duration(health, where, "timeout", &h.timeout_ms);
  check.get_duration(health, where, "start_period", &h.start_period_ms);
  if (health.find("interval") && h.interval_ms < 100)
    check.error(health.find("interval")->pos, where + ".interval: must be at least 100ms");
  if (health.find("timeout") && h.timeout_ms < 10)
    check.error(health.find("timeout")->pos, where + ".timeout: must be at least 10ms");
  long long n = 0;
  if (check.get_int(health, where.c_str(), "success_after", 1, 1000, &n)) h.success_after = static_cast<int>(n);
  if (check.get_int(health, where.c_str(), "failure_after", 1, 1000, &n)) h.failure_after = static_cast<int>(n);
  std::string on;
  if (check.get_string(health, where, "on_unhealthy", false, &on)) {
    if (on == "restart") h.restart_on_unhealthy = true;
    else if (on != "none")
      check.error(health.find("on_unhealthy")->pos, where + ".on_unhealthy: unknown action '" + on +
                                                        "' (known: none, restart)");
  }
}

// schedule, timezone, max_runtime, not_before, not_after.
void build_schedule(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  ScheduleSettings& c = spec->schedule;
  std::string err;
  if (check.get_string(wrapper, where, "timezone", false, &c.timezone) && !valid_time_zone(c.timezone, &err)) {
    check.error(wrapper.find("timezone")->pos, "task.wrapper.timezone: " + err);
    c.timezone.clear();
  }
  if (check.get_string(wrapper, where, "schedule", false, &c.cron)) {
    CronSchedule parsed;
    if (!parse_cron(c.cron, &parsed, &err))
      check.error(wrapper.find("schedule")->pos, "task.wrapper.schedule: '" + c.cron + "': " + err);
  }
  std::string action;
  if (check.get_string(wrapper, where, "schedule_action", false, &action)) {
    if (!schedule_action_from_name(action, &c.action))
      check.error(wrapper.find("schedule_action")->pos, "task.wrapper.schedule_action: unknown action '" + action +
                                                            "' (known: run, start, restart, stop)");
    else if (c.cron.empty())
      check.error(wrapper.find("schedule_action")->pos, "task.wrapper.schedule_action: only applies with a 'schedule'");
  }
  if (check.get_duration(wrapper, where, "max_runtime", &c.max_runtime_ms) && c.max_runtime_ms <= 0)
    check.error(wrapper.find("max_runtime")->pos, "task.wrapper.max_runtime: must be longer than 0s");
  for (auto [key, field] : {std::pair<const char*, int64_t*>{"not_before", &c.not_before_ms}, {"not_after", &c.not_after_ms}}) {
    std::string text;
    if (!check.get_string(wrapper, where, key, false, &text)) continue;
    if (c.cron.empty()) check.error(wrapper.find(key)->pos, join_path(where, key) + ": only applies with a 'schedule'");
    else if (!parse_date_time(text, c.timezone, field, &err))
      check.error(wrapper.find(key)->pos, join_path(where, key) + ": " + err);
  }
  if (c.not_before_ms && c.not_after_ms && c.not_after_ms <= c.not_before_ms)
    check.error(wrapper.find("not_after")->pos, "task.wrapper.not_after: must be later than not_before");
  if (c.waits_between_runs() && wrapper.find("min_uptime"))
    check.error(wrapper.find("min_uptime")->pos,
                "task.wrapper.min_uptime: does not apply with a 'schedule' (a scheduled run is meant to end; "
                "use max_runtime to bound it)");
  if (c.cron.empty() && wrapper.find("timezone"))
    check.error(wrapper.find("timezone")->pos, "task.wrapper.timezone: only applies with a 'schedule'");
}

void build_env(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const Node* env = wrapper.find("env");
  if (!env || !check.expect_table(*env, "task.wrapper.env")) return;
  for (const Entry& e : env->entries) {
    std::string at = "task.wrapper.env." + e.key;
    if (e.key.empty() || e.key.find_first_of("=") != std::string::npos || e.key.find('\0') != std::string::npos) {
      check.error(e.key_pos, "task.wrapper.env: '" + e.key + "' is not a valid variable name (no '=' and not empty)");
      continue;
    }
    const Node& v = e.value;
    if (v.kind == Node::Kind::String) {
      std::string resolved, why;
      if (v.str.find('\0') != std::string::npos) {
        check.error(v.pos, at + ": must not contain a NUL character");
      } else if (!v.str.empty() && v.str[0] == '@' && v.str.rfind("@@", 0) != 0 && v.str.rfind("@file:", 0) != 0 &&
                 v.str.rfind("@base64:", 0) != 0 && v.str.rfind("@hex:", 0) != 0) {
        check.error(v.pos, at + ": unknown indirection (known: @file:PATH, @base64:..., @hex:...; @@ for a literal @)");
      } else if (v.str.rfind("@file:", 0) != 0 && !resolve_env_value(v.str, &resolved, &why)) {
        check.error(v.pos, at + ": " + why);  // names the problem, never the value
      } else {
        spec->env.emplace_back(e.key, v.str);
      }
    } else if (v.kind == Node::Kind::Integer) {
      spec->env.emplace_back(e.key, std::to_string(v.integer));
    } else {
      check.error(v.pos, at + ": expected a string or an integer, got " + describe_kind(v));
    }
  }
  // One canonical order whatever the format (toml++ sorts keys, YAML and
  // JSON keep file order), so the same descriptor gives the same spec.
  std::sort(spec->env.begin(), spec->env.end());
}

// A limit: a whole number, "unlimited", or (for memory and core) a size,
// (for cpu) a duration.
void get_limit(const Node& limits, Checker& check, const char* key, int64_t* out) {
  const Node* n = limits.find(key);
  if (!n) return;
  std::string at = join_path("task.wrapper.limits", key);
  std::string err;
  bool sized = std::string_view(key) == "memory" || std::string_view(key) == "core";
  if (n->kind == Node::Kind::Integer && n->integer >= 0) {
    *out = n->integer;
  } else if (n->kind == Node::Kind::String && n->str == "unlimited") {
    *out = kLimitInfinity;
  } else if (n->kind == Node::Kind::String && sized && parse_byte_size(n->str, out, &err)) {
  } else if (n->kind == Node::Kind::String && std::string_view(key) == "cpu" && parse_duration(n->str, out, &err)) {
    *out = (*out + 999) / 1000;  // whole seconds
  } else {
    check.error(n->pos, at + ": expected a whole number" + std::string(sized ? ", a size like \"1GiB\"" : "") +
                            (std::string_view(key) == "cpu" ? ", a duration like \"10m\"" : "") +
                            " or \"unlimited\", got " + describe_kind(*n));
  }
}

// env_file, inherit_env, user, group, umask, nice, limits.
void build_process(const Document& doc, const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  ProcessSettings& p = spec->process;
  std::string file;
  if (check.get_string(wrapper, where, "env_file", false, &file)) {
    if (file.empty()) check.error(wrapper.find("env_file")->pos, "task.wrapper.env_file: must not be empty");
    else p.env_file = resolve_cwd(file, absolute_dir_of(doc.path));
  }
  check.get_bool(wrapper, where, "inherit_env", false, &p.inherit_env);
  if (check.get_string(wrapper, where, "user", false, &p.user) && !::getpwnam(p.user.c_str()))
    check.error(wrapper.find("user")->pos, "task.wrapper.user: no user '" + p.user + "' on this system");
  if (check.get_string(wrapper, where, "group", false, &p.group) && !::getgrnam(p.group.c_str()))
    check.error(wrapper.find("group")->pos, "task.wrapper.group: no group '" + p.group + "' on this system");
  if (const Node* n = wrapper.find("umask")) {
    bool ok = n->kind == Node::Kind::String && !n->str.empty() && n->str.size() <= 4 &&
              n->str.find_first_not_of("01234567") == std::string::npos;
    if (ok) p.umask = static_cast<int>(std::strtol(n->str.c_str(), nullptr, 8));
    else check.error(n->pos, "task.wrapper.umask: expected octal digits in a string, like \"022\"");
  }
  long long nice = 0;
  if (check.get_int(wrapper, where, "nice", -20, 19, &nice)) {
    p.has_nice = true;
    p.nice = static_cast<int>(nice);
  }
  if (const Node* limits = wrapper.find("limits")) {
    if (check.expect_table(*limits, "task.wrapper.limits")) {
      check.check_keys(*limits, "task.wrapper.limits", allowed_keys("task.wrapper.limits"));
      get_limit(*limits, check, "nofile", &p.limit_nofile);
      get_limit(*limits, check, "nproc", &p.limit_nproc);
      get_limit(*limits, check, "core", &p.limit_core);
      get_limit(*limits, check, "memory", &p.limit_memory);
      get_limit(*limits, check, "cpu", &p.limit_cpu);
    }
  }
}

// [task.wrapper.on_event]: command, events, timeout (watchdog).
void build_on_event(const Node& hook, Checker& check, TaskSpec* spec) {
  const std::string where = "task.wrapper.on_event";
  if (!check.expect_table(hook, where)) return;
  check.check_keys(hook, where, allowed_keys(where));
  EventHookSettings& h = spec->on_event;
  if (!hook.find("command")) check.error(hook.pos, "missing required key '" + where + ".command'");
  else build_command(hook, where, check, &h.shell_command, &h.argv);
  if (const Node* events = hook.find("events")) {
    if (events->kind != Node::Kind::Array || events->items.empty()) {
      check.error(events->pos, where + ".events: expected a non-empty array of event names, got " + describe_kind(*events));
    } else {
      for (const Node& e : events->items) {
        if (e.kind != Node::Kind::String) {
          check.error(e.pos, where + ".events: expected event names (strings), got " + describe_kind(e));
        } else if (!is_event_name(e.str)) {
          std::string known;
          for (int i = 0; i < kEventNameCount; ++i) known += (i ? ", " : "") + std::string(kEventNames[i]);
          check.error(e.pos, where + ".events: unknown event '" + e.str + "' (known: " + known + ")");
        } else if (std::find(h.events.begin(), h.events.end(), e.str) == h.events.end()) {
          h.events.push_back(e.str);
        }
      }
    }
  } else {
    h.events.assign(kDefaultHookEvents, kDefaultHookEvents + kDefaultHookEventCount);
  }
  if (check.get_duration(hook, where, "timeout", &h.timeout_ms) &&
      (h.timeout_ms <= 0 || h.timeout_ms > 3600 * 1000))
    check.error(hook.find("timeout")->pos, where + ".timeout: must be longer than 0s and at most 1h");
}

// An array of non-empty strings at `key` (nullptr: absent).
bool get_strings(const Node& table, const std::string& where, const char* key, Checker& check,
                 std::vector<std::string>* out) {
  const Node* n = table.find(key);
  if (!n) return false;
  if (n->kind != Node::Kind::Array) {
    check.error(n->pos, where + "." + key + ": expected an array of strings, got " + describe_kind(*n));
    return false;
  }
  for (const Node& item : n->items) {
    if (item.kind != Node::Kind::String || item.str.empty() || item.str.find('\0') != std::string::npos)
      check.error(item.pos, where + "." + key + ": expected non-empty strings, got " +
                                (item.kind == Node::Kind::String ? "an empty one" : describe_kind(item)));
    else
      out->push_back(item.str);
  }
  return true;
}

// [task.wrapper.watch]: paths, ignore, debounce (watchdog). Paths are
// relative to the task's cwd; ignore defaults to kDefaultWatchIgnore.
void build_watch(const Document& doc, const Node& watch, Checker& check, TaskSpec* spec) {
  (void)doc;
  const std::string where = "task.wrapper.watch";
  if (!check.expect_table(watch, where)) return;
  check.check_keys(watch, where, allowed_keys(where));
  WatchSettings& w = spec->watch;
  std::vector<std::string> paths;
  if (!get_strings(watch, where, "paths", check, &paths)) paths = {"."};
  else if (paths.empty()) check.error(watch.find("paths")->pos, where + ".paths: must name at least one path");
  for (const auto& p : paths) w.paths.push_back(p == "." ? spec->cwd : resolve_cwd(p, spec->cwd));
  if (!get_strings(watch, where, "ignore", check, &w.ignore))
    w.ignore.assign(kDefaultWatchIgnore, kDefaultWatchIgnore + kDefaultWatchIgnoreCount);
  if (check.get_duration(watch, where, "debounce", &w.debounce_ms) && w.debounce_ms > 60000)
    check.error(watch.find("debounce")->pos, where + ".debounce: must be at most 1m");
}

// cgroup, cpu_max, memory_max, memory_swap_max, pids_max: the task's own
// cgroup and the kernel's limits in it (common/cgroup.h), for every wrapper type.
void build_cgroup(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  CgroupSettings& c = spec->cgroup;
  check.get_bool(wrapper, where, "cgroup", false, &c.enabled);
  check.get_size(wrapper, where, "memory_max", "512MiB", &c.memory_max);
  if (const Node* n = wrapper.find("memory_swap_max")) {
    // 0 is a size here: no swap at all.
    if ((n->kind == Node::Kind::Integer && n->integer == 0) || (n->kind == Node::Kind::String && n->str == "0"))
      c.memory_swap_max = 0;
    else
      check.get_size(wrapper, where, "memory_swap_max", "256MiB", &c.memory_swap_max);
  }
  if (const Node* n = wrapper.find("cpu_max")) {
    std::string text, err;
    if (n->kind == Node::Kind::String) text = n->str;
    else if (n->kind == Node::Kind::Integer) text = std::to_string(n->integer);
    else if (n->kind == Node::Kind::Float) text = std::to_string(n->real);
    if (text.empty() && n->kind != Node::Kind::String)
      check.error(n->pos, "task.wrapper.cpu_max: expected \"50%\" (of one core) or a number of cores like 1.5, got " +
                              describe_kind(*n));
    else if (!parse_cpu_max(text, &c.cpu_max_millicores, &err))
      check.error(n->pos, "task.wrapper.cpu_max: " + err);
  }
  long long pids = 0;
  if (check.get_int(wrapper, where, "pids_max", 1, 4194304, &pids)) c.pids_max = pids;
  if (!c.enabled && c.any_limit())
    check.error(wrapper.find("cgroup")->pos,
                "task.wrapper.cgroup: is false, but cpu_max, memory_max, memory_swap_max and pids_max need the task's cgroup");
}

void build_wrapper(const Document& doc, const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  if (!check.expect_table(wrapper, where)) return;
  std::string type = "default";
  check.get_string(wrapper, where, "type", false, &type);
  if (!find_wrapper_type(type)) {
    const Node* n = wrapper.find("type");
    check.error(n ? n->pos : wrapper.pos, "task.wrapper.type: unknown wrapper type '" + type + "' (known: " +
                                              join_names(kWrapperTypeInfo) + ")");
    return;
  }
  spec->wrapper = type;
  check.check_section_keys(wrapper, where, type);
  build_command(wrapper, where, check, &spec->shell_command, &spec->argv);
  long long fd = 0;
  if (check.get_int(wrapper, where, "ready_fd", 3, 255, &fd)) spec->ready_fd = static_cast<int>(fd);
  check.get_bool(wrapper, where, "mixed_stdout", false, &spec->mixed_stdout);
  check.get_signal(wrapper, where, "stop_signal", &spec->stop_signal);
  if (check.get_duration(wrapper, where, "stop_timeout", &spec->stop_timeout_ms) && spec->stop_timeout_ms > 24LL * 3600 * 1000) {
    check.error(wrapper.find("stop_timeout")->pos, "task.wrapper.stop_timeout: must be at most 24h");
  }
  build_control_commands(wrapper, check, spec);
  int64_t& min_uptime = spec->restart.min_uptime_ms;
  if (check.get_duration(wrapper, where, "min_uptime", &min_uptime) && min_uptime > 24LL * 3600 * 1000)
    check.error(wrapper.find("min_uptime")->pos, "task.wrapper.min_uptime: must be at most 24h");
  std::string base = absolute_dir_of(doc.path);
  spec->cwd = base;
  std::string cwd;
  if (check.get_string(wrapper, where, "cwd", false, &cwd)) {
    if (cwd.empty()) check.error(wrapper.find("cwd")->pos, "task.wrapper.cwd: must not be empty");
    else spec->cwd = resolve_cwd(cwd, base);
  }
  build_env(wrapper, check, spec);
  build_process(doc, wrapper, check, spec);
  build_cgroup(wrapper, check, spec);
  if (find_wrapper_type(type)->supervises) {
    build_restart(wrapper, check, spec);
    if (const Node* health = wrapper.find("health")) build_health(*health, check, spec);
    if (const Node* hook = wrapper.find("on_event")) build_on_event(*hook, check, spec);
    if (const Node* watch = wrapper.find("watch")) build_watch(doc, *watch, check, spec);
    build_schedule(wrapper, check, spec);
    check.get_size(wrapper, "task.wrapper", "max_memory", "512MiB", &spec->max_memory_bytes);
  }
}

// [task.logs]: max_size, rotate, keep, compress, timestamps, stdout, stderr.
void build_logs(const Document& doc, const Node& logs, Checker& check, TaskSpec* spec) {
  const char* where = "task.logs";
  if (!check.expect_table(logs, where)) return;
  check.check_keys(logs, where, allowed_keys(where));
  LogSettings& l = spec->logs;
  if (check.get_size(logs, where, "max_size", "10MiB", &l.max_size) && l.max_size < 4096)
    check.error(logs.find("max_size")->pos, "task.logs.max_size: must be at least 4KiB");
  std::string rotate;
  if (check.get_string(logs, where, "rotate", false, &rotate) && !log_rotate_from_name(rotate, &l.rotate))
    check.error(logs.find("rotate")->pos,
                "task.logs.rotate: unknown rotation '" + rotate + "' (known: size, hourly, daily, never)");
  long long keep = 0;
  if (check.get_int(logs, where, "keep", 0, 10000, &keep)) l.keep = static_cast<int>(keep);
  check.get_bool(logs, where, "compress", false, &l.compress);
  check.get_bool(logs, where, "timestamps", false, &l.timestamps);
  std::string base = absolute_dir_of(doc.path);
  for (auto [key, field] : {std::pair<const char*, std::string*>{"stdout", &l.stdout_path}, {"stderr", &l.stderr_path}}) {
    std::string p;
    if (!check.get_string(logs, where, key, false, &p)) continue;
    if (p.empty() || p.back() == '/') check.error(logs.find(key)->pos, join_path(where, key) + ": expected a file path");
    else *field = resolve_cwd(p, base);
  }
  if (!l.stdout_path.empty() && l.stdout_path == l.stderr_path)
    check.error(logs.find("stderr")->pos, "task.logs.stderr: is the same file as stdout; use mixed_stdout = true instead");
}

// depends_on, start_when, start_timeout. Whether the ids exist and form no
// cycle is checked across all tasks by load and validate (src/lifecycle/deps.h).
void build_dependencies(const Node& task, Checker& check, TaskSpec* spec) {
  if (const Node* deps = task.find("depends_on")) {
    if (deps->kind != Node::Kind::Array) {
      check.error(deps->pos, "task.depends_on: expected an array of task ids, got " + describe_kind(*deps));
    } else {
      for (const Node& d : deps->items) {
        std::string why;
        if (d.kind != Node::Kind::String || !valid_task_id(d.str, &why))
          check.error(d.pos, "task.depends_on: expected task ids, got " +
                                 (d.kind == Node::Kind::String ? "'" + d.str + "'" : describe_kind(d)));
        else if (d.str == spec->id)
          check.error(d.pos, "task.depends_on: a task cannot depend on itself");
        else if (std::find(spec->depends_on.begin(), spec->depends_on.end(), d.str) == spec->depends_on.end())
          spec->depends_on.push_back(d.str);
      }
    }
  }
  if (check.get_string(task, "task", "start_when", false, &spec->start_when) && spec->start_when != "started" &&
      spec->start_when != "ready" && spec->start_when != "healthy")
    check.error(task.find("start_when")->pos,
                "task.start_when: unknown condition '" + spec->start_when + "' (known: started, ready, healthy)");
  check.get_duration(task, "task", "start_timeout", &spec->start_timeout_ms);
  check.get_bool(task, "task", "autostart", false, &spec->autostart);
}

// tags: names for --tag selection (the rules of task ids), each once.
void build_tags(const Node& task, Checker& check, TaskSpec* spec) {
  const Node* tags = task.find("tags");
  if (!tags) return;
  if (tags->kind != Node::Kind::Array) {
    check.error(tags->pos, "task.tags: expected an array of tag names, got " + describe_kind(*tags));
    return;
  }
  for (const Node& t : tags->items) {
    std::string why;
    if (t.kind != Node::Kind::String)
      check.error(t.pos, "task.tags: expected tag names (strings), got " + describe_kind(t));
    else if (!valid_task_id(t.str, &why))
      check.error(t.pos, "task.tags: '" + t.str + "' is not a valid tag: it " + why);
    else if (std::find(spec->tags.begin(), spec->tags.end(), t.str) == spec->tags.end())
      spec->tags.push_back(t.str);
  }
}

void build_backend(const Node& backend, Checker& check, TaskSpec* spec) {
  const char* where = "task.backend";
  if (!check.expect_table(backend, where)) return;
  std::string type;
  if (!check.get_string(backend, where, "type", true, &type)) return;
  const Backend* bt = find_backend(type);
  if (!bt) {
    check.error(backend.find("type")->pos, "task.backend.type: unknown backend type '" + type + "' (known: " +
                                               backend_type_names() + ")");
    return;
  }
  spec->backend = type;
  bt->read_options(backend, check, spec);
}

}  // namespace

namespace {

// One task from its table (build_task expands `instances` around it).
void build_one_task(const Document& doc, const Node& task, Checker& check, std::vector<TaskSpec>* out) {
  TaskSpec spec;
  std::string why;
  if (check.get_string(task, "task", "id", true, &spec.id) && !valid_task_id(spec.id, &why))
    check.error(task.find("id")->pos, "task.id: '" + spec.id + "' is not a valid task id: it " + why);
  check.get_string(task, "task", "comment", false, &spec.comment);
  build_tags(task, check, &spec);
  if (const Node* backend = task.find("backend")) build_backend(*backend, check, &spec);
  if (const Node* wrapper = task.find("wrapper")) build_wrapper(doc, *wrapper, check, &spec);
  else check.error(task.pos, "missing required key 'task.wrapper' (with at least 'command')");
  if (const Node* logs = task.find("logs")) build_logs(doc, *logs, check, &spec);
  build_dependencies(task, check, &spec);
  char* real = ::realpath(doc.path.c_str(), nullptr);
  spec.source = real ? real : doc.path;
  std::free(real);
  spec.loaded_at_ms = now_ms();
  out->push_back(std::move(spec));
}

// `{instance}` and `{instance+K}` in `text`, for instance `i`; anything
// else in braces is left as it is.
std::string substitute_instance(const std::string& text, long long i) {
  static constexpr std::string_view kOpen = "{instance";
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t at = text.find(kOpen, pos);
    if (at == std::string::npos) break;
    size_t p = at + kOpen.size();
    long long add = 0;
    if (p < text.size() && text[p] == '+') {
      size_t digits = p + 1;
      while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits - p <= 9) ++digits;
      if (digits > p + 1) add = std::stoll(text.substr(p + 1, digits - p - 1));
      p = digits > p + 1 ? digits : std::string::npos;
    }
    if (p == std::string::npos || p >= text.size() || text[p] != '}') {
      out += text.substr(pos, at + 1 - pos);
      pos = at + 1;
      continue;
    }
    out += text.substr(pos, at - pos) + std::to_string(i + add);
    pos = p + 1;
  }
  return out + text.substr(pos);
}

void substitute_instance(Node* n, long long i) {
  if (n->kind == Node::Kind::String) n->str = substitute_instance(n->str, i);
  for (Node& item : n->items) substitute_instance(&item, i);
  for (Entry& e : n->entries) substitute_instance(&e.value, i);
}

}  // namespace

// A task, or with `instances = N` the N tasks `<id>.0` .. `<id>.<N-1>`,
// each built from a copy of the table with {instance} substituted in
// every string. Only the first copy's problems are reported (the others
// would repeat them).
void build_task(const Document& doc, const Entry& body, Checker& check, std::vector<TaskSpec>* out) {
  const Node& task = body.value;
  if (!check.expect_table(task, "task")) return;
  check.check_keys(task, "task", allowed_keys("task"));
  const Node* count_node = task.find("instances");
  if (!count_node) return build_one_task(doc, task, check, out);
  long long count = 0;
  if (!check.get_int(task, "task", "instances", 1, 1000, &count)) return;
  const Node* id = task.find("id");
  if (id && id->kind == Node::Kind::String && id->str.find("{instance") != std::string::npos) {
    check.error(id->pos, "task.id: must not contain {instance}: the instances are named '<id>.0', '<id>.1', ...");
    return;
  }
  for (long long i = 0; i < count; ++i) {
    Node copy = task;
    substitute_instance(&copy, i);
    for (Entry& e : copy.entries)
      if (e.key == "id" && e.value.kind == Node::Kind::String) e.value.str += "." + std::to_string(i);
    std::vector<Diagnostic> local;
    Checker one(doc.path, &local);
    size_t before = out->size();
    build_one_task(doc, copy, i == 0 ? check : one, out);
    if (i == 0 && !check.ok()) return;
    if (out->size() > before) {
      out->back().instance_of = id && id->kind == Node::Kind::String ? id->str : "";
      out->back().instance = static_cast<int>(i);
    }
  }
}

}  // namespace spmi
