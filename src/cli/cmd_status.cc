// spmi status <patterns>... [--json] [-n N]: SPMI's status layout, plus the
// stderr path and the last lines of stdout and stderr. Read-only.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "common/names.h"
#include "cli/view_format.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/signals.h"
#include "common/wrapper_types.h"
#include "manageables/units.h"

namespace spmi {

namespace {

struct StatusOptions {
  Selection sel;
  bool json = false;
  int lines = 5;
  bool show_env = false;
};

void line(const char* label, const std::string& value) { std::printf("%12s: %s\n", label, value.c_str()); }

std::string active_line(const TaskView& v, bool color) {
  const TaskState& st = v.state;
  int64_t now = now_ms();
  std::string word = paint(condition_name(v.condition), condition_color(v.condition), color);
  switch (v.condition) {
    case TaskCondition::Active: {
      std::string s = word + " since " + format_local_time(st.started_at_ms) + " (" +
                      format_hms((now - st.started_at_ms) / 1000) + " ago)";
      if (st.phase != Phase::Running) s += ", " + std::string(phase_name(st.phase));
      return s;
    }
    case TaskCondition::Inactive:
      if (!v.has_state) return word + " (never started)";
      return word + " since " + format_local_time(st.finished_at_ms) + " (" +
             format_hms((now - st.finished_at_ms) / 1000) + " ago)";
    case TaskCondition::FailedToStart:
    case TaskCondition::GaveUp:
      return word + " at " + format_local_time(st.finished_at_ms) + " (" + format_hms((now - st.finished_at_ms) / 1000) +
             " ago)";
    case TaskCondition::WrapperLost:
      return word + " (started " + format_local_time(st.started_at_ms) + "; the wrapper died without recording an end)";
    case TaskCondition::LostInReboot:
      return word + " (started " + format_local_time(st.started_at_ms) +
             " in an earlier boot; 'spmi resurrect' starts it again)";
    case TaskCondition::Broken:
      return word;
  }
  return word;
}

// The environment as configured: env_file, inherit_env and the spec's
// variables; indirections are shown as written, never resolved.
void print_env(const TaskView& v) {
  const ProcessSettings& p = v.spec.process;
  if (!p.env_file.empty()) line("Env file", "\"" + p.env_file + "\"");
  if (!p.inherit_env) line("Inherit env", "no (only PATH HOME USER LOGNAME SHELL LANG)");
  for (const auto& [k, val] : v.spec.env) line("Env", k + "=" + val);
}

// "3.21s", "4m 10s": CPU time.
std::string format_cpu_time(double seconds) {
  if (seconds < 60) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fs", seconds);
    return buf;
  }
  return format_elapsed(static_cast<int64_t>(seconds));
}

// CPU, memory and processes of a task something of which runs here.
void print_usage(const TaskUsage& u) {
  if (!u.sampled) return;
  std::string cpu = format_cpu_time(u.cpu_seconds) + " in total";
  if (u.cpu_percent >= 0)
    cpu = format_cpu_percent(u) + " of a core over the last " + format_elapsed(static_cast<int64_t>(u.cpu_window_seconds + 0.5)) +
          " (" + cpu + ")";
  line("CPU", cpu);
  std::string mem = format_byte_size(u.rss_bytes) + " resident";
  if (u.pss_bytes >= 0) mem += ", " + format_byte_size(u.pss_bytes) + " proportional (PSS)";
  line("Memory", mem);
  line("Processes", std::to_string(u.processes));
  for (const ProcessUsage& p : u.top) {
    std::string cmd = p.command.size() > 60 ? p.command.substr(0, 57) + "..." : p.command;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%7d %9s %8s  ", static_cast<int>(p.pid), format_byte_size(p.rss_bytes).c_str(),
                  format_cpu_time(p.cpu_seconds).c_str());
    std::printf("%14s%s%s\n", "", buf, cmd.c_str());
  }
}

// The task's cgroup while it is active: which kind, where, and what its
// files say (common/cgroup.h); or why it has none.
void print_cgroup(const TaskView& v, const TaskUsage& u) {
  const TaskState& st = v.state;
  if (v.condition != TaskCondition::Active || !v.has_state) return;
  if (!v.spec.cgroup.enabled) {
    line("Cgroup", "off (cgroup = false)");
    return;
  }
  if (st.cgroup_mode == "none") {
    line("Cgroup", "none: " + st.cgroup_note);
    return;
  }
  if (st.cgroups.empty()) return;  // started by a wrapper older than cgroups, or not yet
  std::string where = st.cgroups.front();
  for (const auto& d : st.cgroups)
    if (d.find("/memory/") != std::string::npos || st.cgroups.size() == 1) where = d;
  line("Cgroup", st.cgroup_mode + " " + where + (st.cgroups.size() > 1 ? " (and " + std::to_string(st.cgroups.size() - 1) + " more)" : ""));
  if (!u.has_cgroup) return;
  const CgroupFigures& f = u.cgroup;
  std::string mem;
  if (f.memory_bytes >= 0) {
    mem = format_byte_size(f.memory_bytes) + " charged";
    if (f.memory_max > 0) mem += " of " + format_byte_size(f.memory_max) + " (memory_max)";
    if (f.swap_max > 0) mem += ", swap max " + format_byte_size(f.swap_max);
    if (f.oom_kills > 0) mem += "; " + std::to_string(f.oom_kills) + " OOM kill(s)";
    std::printf("%14s%s\n", "", mem.c_str());
  }
  std::string rest;
  if (f.cpu_usec >= 0) rest = format_cpu_time(static_cast<double>(f.cpu_usec) / 1e6) + " CPU in total";
  if (f.cpu_max_cores > 0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%.0f%% of a core at most (cpu_max)", rest.empty() ? "" : ", ", f.cpu_max_cores * 100);
    rest += buf;
  }
  if (f.pids >= 0) {
    rest += (rest.empty() ? "" : "; ") + std::to_string(f.pids) + " pids";
    if (f.pids_max > 0) rest += " of " + std::to_string(f.pids_max) + " (pids_max)";
  }
  if (!rest.empty()) std::printf("%14s%s\n", "", rest.c_str());
}

void print_status(const Context& ctx, const TaskView& v, const TaskUsage& usage, int n, bool show_env) {
  std::printf("%s (%s) - %s\n", v.id.c_str(), v.spec.manageable.c_str(), v.spec.comment.c_str());
  line("Active", active_line(v, ctx.color));
  line("Path", "\"" + v.dir + "\"");
  if (!v.spec.source.empty()) line("Loaded from", v.spec.source);
  if (!v.spec.project.empty()) line("Project", v.spec.project);
  if (!v.spec.tags.empty()) line("Tags", join(v.spec.tags));
  line("Backend type", v.spec.backend);
  line("Backend ID", v.has_state && !v.state.backend_id.empty() ? v.state.backend_id : "-");
  if (!v.backend_status.empty()) line("Slurm", v.backend_status);
  const Backend* backend = find_backend(v.spec.backend);
  if (v.has_state && !v.state.host.empty() && (v.remote || (backend && backend->shows_host())))
    line("Host", v.state.host);
  line("Wrapper type", v.spec.wrapper);
  line("Command", v.spec.display_command());
  if (show_env) print_env(v);
  const TaskState& st = v.state;
  std::string pid = "-";
  if (v.has_state && st.pid > 0)
    pid = std::to_string(st.pid) + (v.remote ? " on " + st.host : "") +
          (v.main_running ? "" : v.remote && is_lost(v.condition) ? " (its wrapper is gone)" : " (not running)");
  line("PID", pid);
  print_usage(usage);
  print_cgroup(v, usage);
  line("Exit code", v.has_state && (st.main_exited || st.ended_by) ? describe_exit(st) : "-");
  if (std::string cause = v.end_cause(); !cause.empty()) line("Ended by", describe_end_cause(cause));
  if (v.spec.autostart) line("Autostart", "yes ('spmi resurrect' starts it whenever it is not active)");
  const ControlCommands& control = v.spec.control;
  if (control.stop.set()) line("Stop command", control.stop.display());
  if (control.reload.set() || control.reload_signal > 0 || (v.has_state && st.reloads)) {
    std::string how = control.reload.set()       ? control.reload.display()
                      : control.reload_signal > 0 ? signal_name(control.reload_signal)
                                                  : "settings only";
    std::string r = how + "; " + std::to_string(v.has_state ? st.reloads : 0) + " reload(s) in this run";
    if (v.has_state && st.reloaded_at_ms) r += ", last at " + format_local_time(st.reloaded_at_ms);
    if (v.has_state && !st.reload_error.empty()) r += " (failed: " + st.reload_error + ")";
    line("Reload", r);
  }
  const WrapperTypeInfo* wrapper_type = find_wrapper_type(v.spec.wrapper);
  const bool supervised = wrapper_type && wrapper_type->supervises;
  if (supervised) {
    std::string restarts = std::to_string(v.has_state ? st.restarts : 0) + " (restart = " + restart_mode_name(v.spec.restart.mode) + ")";
    if (v.condition == TaskCondition::Active && st.phase == Phase::Backoff)
      restarts += ", next start at " + format_local_time(st.next_start_at_ms);
    line("Restarts", restarts);
    const bool active = v.condition == TaskCondition::Active;
    const bool running = active && (st.phase == Phase::Running || st.phase == Phase::Draining);
    if (v.spec.health.type != HealthType::None) {
      std::string h = running ? health_status_name(st.health) : "unknown (not running)";
      if (running && !st.health_detail.empty()) h += " (since the check said: " + st.health_detail + ")";
      line("Health", std::string(health_type_name(v.spec.health.type)) + " check: " + h);
    }
    if (!v.spec.schedule.cron.empty()) {
      std::string sched = v.spec.schedule.cron;
      if (!v.spec.schedule.timezone.empty()) sched += " (" + v.spec.schedule.timezone + ")";
      if (v.spec.schedule.action != ScheduleAction::Run)
        sched += std::string(" (") + schedule_action_name(v.spec.schedule.action) + " at each fire)";
      if (active) sched += "; " + describe_next_fire(st);
      if (v.has_state && st.runs) sched += "; " + std::to_string(st.runs) + " run(s)";
      if (v.has_state && st.skipped) sched += ", " + std::to_string(st.skipped) + " skipped";
      line("Schedule", sched);
    }
  }
  const int64_t min_uptime = v.spec.restart.min_uptime_ms;
  if (v.condition == TaskCondition::Active && (st.phase == Phase::Running || st.phase == Phase::Draining) &&
      (supervised || min_uptime > 0)) {
    std::string ready = st.ready ? "yes, since " + format_local_time(st.ready_at_ms) : "not yet";
    if (!st.ready && min_uptime > 0 && v.spec.ready_fd <= 0 && v.spec.health.type == HealthType::None)
      ready += " (once up for min_uptime " + format_duration_ms(min_uptime) + ", at " +
               format_local_time(st.started_at_ms + min_uptime) + ")";
    line("Ready", ready);
  }
  if (v.has_state && !st.error.empty()) line("Error", st.error);
  if (v.has_state && !st.note.empty()) line("Note", st.note);
  if (v.condition == TaskCondition::WrapperLost) {
    std::string pids;
    for (const auto& p : v.leftovers) pids += (pids.empty() ? "" : " ") + std::to_string(p.pid);
    if (v.backend_running)  // a Slurm job whose wrapper is gone (its node died?)
      line("Warning", "the wrapper was lost but its job may still hold resources; 'spmi stop " + v.id + "' ends it");
    else if (v.remote)  // another host's processes: the backend's word (in the note) is all there is
      line("Warning", "the wrapper was lost on " + st.host + "; nothing of that run counts as running");
    else
      line("Warning", v.leftovers.empty() ? "the wrapper was lost; none of the task's processes is running"
                                          : "the wrapper was lost; still running: " + pids +
                                                " (end them with 'spmi kill " + v.id + "')");
  }
  line("Stdout", "\"" + stdout_path(v) + "\"" + (v.spec.mixed_stdout ? " (stdout and stderr)" : ""));
  if (!v.spec.mixed_stdout) line("Stderr", "\"" + stderr_path(v) + "\"");
  if (v.has_state && (!st.log_error.empty() || st.log_dropped_bytes > 0)) {
    std::string what = st.log_error.empty() ? "writing works again" : st.log_error;
    line("Log problem", what + " (" + std::to_string(st.log_dropped_bytes) + " bytes of output dropped)");
  }
  auto out = tail_lines(stdout_path(v), n);
  if (!out.empty()) {
    std::printf("\n");
    for (const auto& l : out) std::printf("%s\n", l.c_str());
  }
  if (!v.spec.mixed_stdout) {
    auto err = tail_lines(stderr_path(v), n);
    if (!err.empty()) {
      std::printf("\n%s\n", paint("stderr:", Color::Dim, ctx.color).c_str());
      for (const auto& l : err) std::printf("%s\n", l.c_str());
    }
  }
}

int run_status(Context& ctx, const StatusOptions& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  bool failed = false;
  nlohmann::json tasks = nlohmann::json::array();
  bool first = true;
  std::vector<TaskView> views = inspect_tasks(ctx.store, ids);
  std::vector<TaskUsage> usage = sample_usage(ctx.store, views, UsageRequest{.detailed = true, .record = false});
  for (size_t i = 0; i < views.size(); ++i) {
    const TaskView& v = views[i];
    const std::string& id = v.id;
    if (!v.error.empty()) print_error(id + ": " + v.error);
    // Exit 1 when a task is not in a state a script can rely on: broken,
    // failed to start, failed (the watchdog gave up), wrapper lost, or
    // active but unhealthy. Active and healthy, or cleanly inactive: 0.
    failed = failed || v.condition == TaskCondition::Broken || v.condition == TaskCondition::FailedToStart ||
             v.condition == TaskCondition::GaveUp || is_lost(v.condition) ||
             (v.condition == TaskCondition::Active && v.state.health == HealthStatus::Unhealthy);
    if (opts.json) {
      tasks.push_back(view_to_json(v, true, opts.lines, &usage[i]));
      if (opts.show_env) {
        nlohmann::json e = nlohmann::json::object();
        for (const auto& [k, val] : v.spec.env) e[k] = val;
        tasks.back()["env"] = e;
        tasks.back()["env_file"] = v.spec.process.env_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.spec.process.env_file);
      }
    } else if (v.condition != TaskCondition::Broken) {
      if (!first) std::printf("\n");
      first = false;
      print_status(ctx, v, usage[i], opts.lines, opts.show_env);
    }
  }
  if (opts.json) {
    nlohmann::json out = {{"schema", kJsonSchemaVersion}, {"tasks", tasks}};
    print_json(out);
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_status_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* sub = app.add_subcommand("status", "Show the details of tasks and the last lines of their output");
  add_selection_options(sub, opts->sel);
  sub->add_flag("--json", opts->json, "Print JSON (schema in the CLI reference)");
  sub->add_flag("--show-env", opts->show_env, "Also show the configured environment (indirections as written)");
  sub->add_option("-n,--lines", opts->lines, "How many lines of output to show (default 5)")
      ->check(CLI::Range(0, 10000));
  return {sub, [&ctx, opts] { return run_status(ctx, *opts); }};
}

}  // namespace spmi
