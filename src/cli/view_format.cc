// Summaries, JSON and output tails for list and status.
#include "cli/view_format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include "common/clock.h"
#include "common/duration.h"
#include "common/safe_file.h"
#include "common/signals.h"

namespace spmi {

std::string describe_exit(const TaskState& st) {
  std::string out;
  if (st.main_exited) out = st.exit_signal ? signal_name(st.exit_signal) : "exit " + std::to_string(st.exit_code);
  if (st.ended_by) {
    std::string how = std::string(st.stop_request == "kill" ? "killed" : "stopped") + ": " + signal_name(st.ended_by);
    out = out.empty() ? how : out + " (" + how + ")";
  }
  if (out.empty() && !st.stop_request.empty())
    out = st.stop_request == "kill" ? "killed before it started" : "stopped before it started";
  return out.empty() ? "-" : out;
}

std::string describe_end_cause(const std::string& cause) {
  if (cause == "exit") return "exit (it ended by itself)";
  if (cause == "user") return "user (spmi stop or kill)";
  if (cause == "signal")
    return "signal (its wrapper got a stop signal from elsewhere: a shutdown, a closed window, Slurm; "
           "'spmi resurrect' starts it again)";
  if (cause == "lost") return "lost (its wrapper died without recording an end; 'spmi resurrect' starts it again)";
  if (cause == "reboot") return "reboot (it was running when the machine went down; 'spmi resurrect' starts it again)";
  return cause;
}

Color condition_color(TaskCondition c) {
  switch (c) {
    case TaskCondition::Active: return Color::Green;
    case TaskCondition::FailedToStart:
    case TaskCondition::GaveUp:
    case TaskCondition::Broken: return Color::Red;
    case TaskCondition::WrapperLost:
    case TaskCondition::LostInReboot: return Color::Yellow;
    case TaskCondition::Inactive: return Color::None;
  }
  return Color::None;
}

namespace {
std::string dump_json(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

void print_json(const nlohmann::json& j) {
  std::printf("%s\n", dump_json(j).c_str());
}

void write_json_task_list(FILE* out, size_t n, const std::function<nlohmann::json(size_t)>& item) {
  // dump(2) of the whole document: the keys in order ("schema" < "tasks"),
  // each item two levels deep. JSON text holds no raw newline but these
  // indentation ones, so an item is indented by prefixing its lines.
  std::fprintf(out, "{\n  \"schema\": %d,\n  \"tasks\": [", kJsonSchemaVersion);
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    text = i == 0 ? "\n    " : ",\n    ";
    for (char c : dump_json(item(i))) {
      text += c;
      if (c == '\n') text += "    ";
    }
    std::fwrite(text.data(), 1, text.size(), out);
  }
  std::fputs(n == 0 ? "]\n}\n" : "\n  ]\n}\n", out);
}

std::string stdout_path(const TaskView& v) { return v.spec.stdout_log(v.dir); }
std::string stderr_path(const TaskView& v) { return v.spec.mixed_stdout ? "" : v.spec.stderr_log(v.dir); }

std::vector<std::string> tail_lines(const std::string& path, int n) {
  std::vector<std::string> lines;
  if (n <= 0 || path.empty()) return lines;
  Fd fd = open_log_for_reading(path);
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return lines;
  // Read backwards in chunks until enough newlines are seen (bounded at 4 MiB).
  off_t size = st.st_size, pos = size;
  std::string data;
  const off_t kChunk = 65536, kMax = 4 << 20;
  while (pos > 0 && size - pos < kMax) {
    off_t len = std::min(kChunk, pos);
    pos -= len;
    std::string chunk(static_cast<size_t>(len), '\0');
    ssize_t got = ::pread(fd.get(), chunk.data(), static_cast<size_t>(len), pos);
    if (got <= 0) break;
    chunk.resize(static_cast<size_t>(got));
    data = chunk + data;
    if (std::count(data.begin(), data.end(), '\n') > n) break;
  }
  size_t begin = 0;
  if (pos > 0) {
    // The first line read is probably partial: drop it.
    size_t nl = data.find('\n');
    begin = nl == std::string::npos ? data.size() : nl + 1;
  }
  std::vector<std::string> all;
  while (begin < data.size()) {
    size_t nl = data.find('\n', begin);
    if (nl == std::string::npos) nl = data.size();
    all.push_back(data.substr(begin, nl - begin));
    begin = nl + 1;
  }
  size_t from = all.size() > static_cast<size_t>(n) ? all.size() - static_cast<size_t>(n) : 0;
  lines.assign(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
  return lines;
}

std::string format_cpu_percent(const TaskUsage& u) {
  if (!u.sampled || u.cpu_percent < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, u.cpu_percent >= 9.95 ? "%.0f%%" : "%.1f%%", u.cpu_percent);
  return buf;
}

std::string format_memory_short(long long bytes) {
  if (bytes < 0) return "-";
  char buf[32];
  double v = static_cast<double>(bytes);
  if (bytes < (1LL << 20))
    std::snprintf(buf, sizeof buf, "%.0fK", v / 1024);
  else if (bytes < (1LL << 30))
    std::snprintf(buf, sizeof buf, "%.1fM", v / (1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%.1fG", v / (1 << 30));
  return buf;
}

namespace {

// `v` rounded to 1/`scale` (100: two decimals), halves away from zero, as
// std::round(v * scale) / scale. Written out because std::round alone made
// the CLI load libm at every start (docs/sphinx/performance.rst).
double round_to(double v, double scale) {
  double x = v * scale;
  if (!(x > -1e15 && x < 1e15)) return v;   // NaN, infinite, or too large to matter
  long long n = static_cast<long long>(x);  // toward zero; x - n is exact here
  double rest = x - static_cast<double>(n);
  if (rest >= 0.5)
    ++n;
  else if (rest <= -0.5)
    --n;
  return static_cast<double>(n) / scale;
}

// The resource fields of a task's JSON object (docs/sphinx/cli.rst).
void add_usage(nlohmann::json& j, const TaskUsage* u, bool detailed) {
  using nlohmann::json;
  const bool s = u && u->sampled;
  j["processes"] = s ? json(u->processes) : json(nullptr);
  j["rss_bytes"] = s ? json(u->rss_bytes) : json(nullptr);
  j["cpu_seconds"] = s ? json(round_to(u->cpu_seconds, 100)) : json(nullptr);
  j["cpu_percent"] = s && u->cpu_percent >= 0 ? json(round_to(u->cpu_percent, 10)) : json(nullptr);
  j["cpu_window_seconds"] = s && u->cpu_percent >= 0 ? json(round_to(u->cpu_window_seconds, 10)) : json(nullptr);
  if (!detailed) return;
  j["pss_bytes"] = s && u->pss_bytes >= 0 ? json(u->pss_bytes) : json(nullptr);
  json top = json::array();
  if (s)
    for (const ProcessUsage& p : u->top)
      top.push_back({{"pid", p.pid},
                     {"command", p.command},
                     {"rss_bytes", p.rss_bytes},
                     {"cpu_seconds", round_to(p.cpu_seconds, 100)}});
  j["top_processes"] = top;
}

// The cgroup fields of status --json: the configured limits, and the
// task's cgroup while it is active (docs/sphinx/cli.rst).
void add_cgroup(nlohmann::json& j, const TaskView& v, const TaskUsage* u) {
  using nlohmann::json;
  const CgroupSettings& c = v.spec.cgroup;
  j["memory_max_bytes"] = c.memory_max > 0 ? json(c.memory_max) : json(nullptr);
  j["memory_swap_max_bytes"] = c.memory_swap_max >= 0 ? json(c.memory_swap_max) : json(nullptr);
  j["cpu_max_cores"] =
      c.cpu_max_millicores > 0 ? json(static_cast<double>(c.cpu_max_millicores) / 1000) : json(nullptr);
  j["pids_max"] = c.pids_max > 0 ? json(c.pids_max) : json(nullptr);
  const TaskState& st = v.state;
  if (v.condition != TaskCondition::Active || !v.has_state || st.cgroup_mode.empty()) {
    j["cgroup"] = nullptr;
    return;
  }
  json g = {{"mode", st.cgroup_mode},
            {"paths", st.cgroups},
            {"note", st.cgroup_note.empty() ? json(nullptr) : json(st.cgroup_note)}};
  if (u && u->has_cgroup) {
    const CgroupFigures& f = u->cgroup;
    auto num = [](long long x) { return x >= 0 ? json(x) : json(nullptr); };
    g["memory_bytes"] = num(f.memory_bytes);
    g["cpu_seconds"] = f.cpu_usec >= 0 ? json(round_to(static_cast<double>(f.cpu_usec) / 1e6, 100)) : json(nullptr);
    g["pids"] = num(f.pids);
    g["oom_kills"] = num(f.oom_kills);
    json members = json::array();
    for (pid_t p : f.members) members.push_back(p);
    g["members"] = members;
  }
  j["cgroup"] = g;
}

}  // namespace

nlohmann::json view_to_json(const TaskView& v, bool detailed, int n, const TaskUsage* usage) {
  using nlohmann::json;
  json j;
  j["id"] = v.id;
  j["state"] = condition_name(v.condition);
  if (v.condition == TaskCondition::Broken) {
    j["error"] = v.error;
    return j;
  }
  const TaskState& st = v.state;
  bool ran = v.has_state;
  j["comment"] = v.spec.comment;
  j["project"] = v.spec.project.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.spec.project);
  j["tags"] = v.spec.tags;
  j["backend"] = v.spec.backend;
  j["wrapper"] = v.spec.wrapper;
  j["phase"] = ran ? json(phase_name(st.phase)) : json(nullptr);
  j["backend_id"] = ran && !st.backend_id.empty() ? json(st.backend_id) : json(nullptr);
  j["host"] = ran && !st.host.empty() ? json(st.host) : json(nullptr);
  j["slurm"] = v.backend_status.empty() ? json(nullptr) : json(v.backend_status);
  j["pid"] = v.main_running ? json(st.pid) : json(nullptr);
  j["wrapper_pid"] = v.condition == TaskCondition::Active ? json(st.wrapper_pid) : json(nullptr);
  j["started_at"] = ran ? json(format_rfc3339_utc(st.started_at_ms)) : json(nullptr);
  j["finished_at"] = ran && st.finished_at_ms ? json(format_rfc3339_utc(st.finished_at_ms)) : json(nullptr);
  j["uptime_seconds"] =
      v.condition == TaskCondition::Active ? json((now_ms() - st.started_at_ms) / 1000) : json(nullptr);
  json exit = nullptr;
  if (ran && st.main_exited) {
    exit = st.exit_signal ? json{{"code", nullptr}, {"signal", signal_name(st.exit_signal)}}
                          : json{{"code", st.exit_code}, {"signal", nullptr}};
  }
  j["exit"] = exit;
  j["stop_request"] = ran && !st.stop_request.empty() ? json(st.stop_request) : json(nullptr);
  j["ended_by"] = ran && st.ended_by ? json(signal_name(st.ended_by)) : json(nullptr);
  std::string cause = v.end_cause();
  j["end_cause"] = cause.empty() ? json(nullptr) : json(cause);
  j["autostart"] = v.spec.autostart;
  j["error"] = ran && !st.error.empty() ? json(st.error) : json(nullptr);
  j["note"] = ran && !st.note.empty() ? json(st.note) : json(nullptr);
  j["restart"] = restart_mode_name(v.spec.restart.mode);
  j["restarts"] = ran ? st.restarts : 0;
  j["next_start_at"] = ran && st.phase == Phase::Backoff && v.condition == TaskCondition::Active
                           ? json(format_rfc3339_utc(st.next_start_at_ms))
                           : json(nullptr);
  const bool active = v.condition == TaskCondition::Active;
  const bool run_active = active && (st.phase == Phase::Running || st.phase == Phase::Draining);
  j["ready"] = run_active && st.ready;
  j["health"] = v.spec.health.type == HealthType::None ? json(nullptr)
                : run_active                           ? json(health_status_name(st.health))
                                                       : json("unknown");
  j["schedule"] = v.spec.schedule.cron.empty() ? json(nullptr) : json(v.spec.schedule.cron);
  j["schedule_action"] =
      v.spec.schedule.cron.empty() ? json(nullptr) : json(schedule_action_name(v.spec.schedule.action));
  j["next_fire_at"] = active && st.next_fire_at_ms ? json(format_rfc3339_utc(st.next_fire_at_ms)) : json(nullptr);
  j["last_fire_at"] = ran && st.last_fire_at_ms ? json(format_rfc3339_utc(st.last_fire_at_ms)) : json(nullptr);
  j["runs"] = ran ? st.runs : 0;
  j["skipped"] = ran ? st.skipped : 0;
  j["reloads"] = ran ? st.reloads : 0;
  j["reloaded_at"] = ran && st.reloaded_at_ms ? json(format_rfc3339_utc(st.reloaded_at_ms)) : json(nullptr);
  j["reload_error"] = ran && !st.reload_error.empty() ? json(st.reload_error) : json(nullptr);
  j["log_error"] = ran && !st.log_error.empty() ? nlohmann::json(st.log_error) : nlohmann::json(nullptr);
  j["log_dropped_bytes"] = ran ? st.log_dropped_bytes : 0;
  add_usage(j, usage, detailed);
  if (is_lost(v.condition)) {
    json pids = json::array();
    for (const auto& p : v.leftovers) pids.push_back(p.pid);
    j["leftover_pids"] = pids;
  }
  if (detailed) {
    j["path"] = v.dir;
    j["command"] = v.spec.display_command();
    j["argv"] = v.spec.uses_shell() ? json(nullptr) : json(v.spec.argv);
    j["cwd"] = v.spec.cwd;
    j["mixed_stdout"] = v.spec.mixed_stdout;
    j["stop_signal"] = signal_name(v.spec.stop_signal);
    j["stop_timeout_ms"] = v.spec.stop_timeout_ms;
    j["source"] = v.spec.source;
    j["ready_fd"] = v.spec.ready_fd > 0 ? json(v.spec.ready_fd) : json(nullptr);
    j["min_uptime_ms"] = v.spec.restart.min_uptime_ms > 0 ? json(v.spec.restart.min_uptime_ms) : json(nullptr);
    j["health_detail"] = ran && !st.health_detail.empty() ? json(st.health_detail) : json(nullptr);
    j["health_failures"] = ran ? st.health_failures : 0;
    j["timezone"] = v.spec.schedule.timezone.empty() ? json(nullptr) : json(v.spec.schedule.timezone);
    j["max_runtime_ms"] = v.spec.schedule.max_runtime_ms ? json(v.spec.schedule.max_runtime_ms) : json(nullptr);
    j["max_memory_bytes"] = v.spec.max_memory_bytes ? json(v.spec.max_memory_bytes) : json(nullptr);
    add_cgroup(j, v, usage);
    j["stdout_path"] = stdout_path(v);
    j["stderr_path"] = v.spec.mixed_stdout ? json(nullptr) : json(stderr_path(v));
    j["stdout_tail"] = tail_lines(stdout_path(v), n);
    j["stderr_tail"] = v.spec.mixed_stdout ? json(nullptr) : json(tail_lines(stderr_path(v), n));
  }
  return j;
}

}  // namespace spmi
