// spmi list [patterns] [-p PROJECT] [--tag TAG] [--json]: one row per loaded task. Read-only: never writes.
#include <algorithm>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/view_format.h"
#include "common/clock.h"
#include "common/duration.h"

namespace spmi {

namespace {

struct ListOptions {
  Selection sel;
  bool json = false;
};

// The UPTIME/EXIT column.
std::string summary(const TaskView& v) {
  const TaskState& st = v.state;
  int64_t now = now_ms();
  switch (v.condition) {
    case TaskCondition::Active: {
      if (st.phase == Phase::Queued)  // "PENDING (Resources)", "RUNNING on n1; its wrapper is starting"
        return v.backend_status.empty() ? "queued" : v.backend_status.substr(v.backend_status.find(':') + 2);
      std::string s = "up " + format_elapsed((now - st.started_at_ms) / 1000);
      if (st.phase == Phase::Draining) s += ", main exited (" + describe_exit(st) + ")";
      if (st.phase == Phase::Stopping || st.phase == Phase::Killing) s += ", " + std::string(phase_name(st.phase));
      if (st.phase == Phase::Backoff)
        s = "restarting in " + format_elapsed(std::max<int64_t>(0, (st.next_start_at_ms - now + 999) / 1000));
      if (st.phase == Phase::Scheduled) s = describe_next_fire(st);
      if (st.phase == Phase::Running || st.phase == Phase::Draining) {
        if (st.health != HealthStatus::None) s += ", " + std::string(health_status_name(st.health));
        if (!st.ready && st.health == HealthStatus::None) s += ", not ready";
        if (!v.spec.schedule.cron.empty() && st.next_fire_at_ms) s += "; " + describe_next_fire(st);
      }
      if (st.restarts > 0) s += " (" + std::to_string(st.restarts) + " restarts)";
      return s;
    }
    case TaskCondition::Inactive:
      if (!v.has_state) return "never started";
      return describe_exit(st) + ", " + format_elapsed((now - st.finished_at_ms) / 1000) + " ago";
    case TaskCondition::FailedToStart:
      return "failed " + format_elapsed((now - st.finished_at_ms) / 1000) + " ago";
    case TaskCondition::GaveUp:
      return "gave up " + format_elapsed((now - st.finished_at_ms) / 1000) + " ago after " +
             std::to_string(st.restarts) + " restarts";
    case TaskCondition::WrapperLost:
      if (v.remote || !v.backend_status.empty()) {  // "wrapper on n2 lost; NODE_FAIL (NodeDown)"
        std::string s = "wrapper" + (st.host.empty() ? "" : " on " + st.host) + " lost";
        if (!v.backend_status.empty()) s += "; " + v.backend_status.substr(v.backend_status.find(':') + 2);
        return s;
      }
      return std::to_string(v.leftovers.size()) + " process(es) left";
    case TaskCondition::LostInReboot:
      return "was running before the reboot; 'spmi resurrect' starts it";
    case TaskCondition::Broken:
      return "-";
  }
  return "-";
}

int run_list(Context& ctx, const ListOptions& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code, true)) return code;
  std::vector<TaskView> views = inspect_tasks(ctx.store, ids);
  std::vector<TaskUsage> usage = sample_usage(ctx.store, views, UsageRequest{});
  bool broken = false;
  for (const auto& v : views) {
    if (v.error.empty()) continue;
    // Broken, or active with a state file that cannot be read.
    print_error(v.id + ": " + v.error);
    broken = broken || v.condition == TaskCondition::Broken;
  }
  if (opts.json) {
    write_json_task_list(stdout, views.size(), [&](size_t i) { return view_to_json(views[i], false, 0, &usage[i]); });
  } else {
    // The PROJECT column only when some task belongs to a project.
    bool projects = std::any_of(views.begin(), views.end(), [](const TaskView& v) { return !v.spec.project.empty(); });
    // The HOST column only when some task's wrapper runs (or ran) on another host.
    bool hosts = std::any_of(views.begin(), views.end(), [](const TaskView& v) { return v.remote; });
    std::vector<std::string> header = {"ID", "STATE", "PID", "CPU", "MEM", "UPTIME/EXIT", "BACKEND", "COMMENT"};
    if (hosts) header.insert(header.begin() + 3, "HOST");
    if (projects) header.insert(header.begin() + 1, "PROJECT");
    Table table(header);
    // On a narrow terminal the comment, then UPTIME/EXIT, give way.
    table.set_shrinkable({header.size() - 3, header.size() - 1});
    for (size_t i = 0; i < views.size(); ++i) {
      const TaskView& v = views[i];
      const TaskUsage& u = usage[i];
      std::vector<Cell> row;
      if (v.condition == TaskCondition::Broken) {
        row = {{v.id}, {"broken", Color::Red}, {"-"}, {"-"}, {"-"}, {"-"}, {"-"}, {v.error}};
      } else {
        row = {{v.id},
               {condition_name(v.condition), condition_color(v.condition)},
               {v.main_running ? std::to_string(v.state.pid) : "-"},
               {format_cpu_percent(u)},
               {u.sampled && u.processes > 0 ? format_memory_short(u.rss_bytes) : "-"},
               {summary(v)},
               {v.spec.backend},
               {v.spec.comment}};
      }
      if (hosts) row.insert(row.begin() + 3, Cell{v.has_state && !v.queued() && !v.state.host.empty() ? v.state.host : "-"});
      if (projects) row.insert(row.begin() + 1, Cell{v.spec.project.empty() ? "-" : v.spec.project});
      table.add_row(std::move(row));
    }
    if (views.empty() && opts.sel.empty()) print_error("no tasks loaded in " + ctx.store.root());
    else if (!views.empty()) table.print(stdout, ctx.color, terminal_columns(stdout));
  }
  return broken ? kExitFailure : combine_exit(false, unmatched);
}

}  // namespace

Command add_list_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List loaded tasks and what they are doing");
  add_selection_options(sub, opts->sel, true);
  sub->add_flag("--json", opts->json, "Print JSON (schema in the CLI reference)");
  return {sub, [&ctx, opts] { return run_list(ctx, *opts); }};
}

}  // namespace spmi
