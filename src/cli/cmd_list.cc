// spmi list [patterns] [-p PROJECT] [--tag TAG] [--json]: one row per loaded task. Read-only: never writes.
#include <algorithm>
#include <span>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/view_format.h"
#include "common/clock.h"
#include "common/duration.h"
#include "store/usage.h"

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

// What a row of the table needs of a task, kept instead of its whole view.
struct ListRow {
  std::string id;
  TaskCondition condition = TaskCondition::Broken;
  std::string error;  // Broken
  std::string pid;    // "-" when the main process does not run
  std::string summary, backend, comment, project, host;
  bool remote = false;
};

ListRow list_row(const TaskView& v) {
  ListRow r;
  r.id = v.id;
  r.condition = v.condition;
  r.error = v.error;
  r.pid = v.main_running ? std::to_string(v.state.pid) : "-";
  r.summary = summary(v);
  r.backend = v.spec.backend;
  r.comment = v.spec.comment;
  r.project = v.spec.project;
  r.host = v.has_state && !v.queued() && !v.state.host.empty() ? v.state.host : "-";
  r.remote = v.remote;
  return r;
}

void print_table(const Context& ctx, std::vector<ListRow> rows, const std::vector<TaskUsage>& usage) {
  // The PROJECT column only when some task belongs to a project.
  bool projects = std::any_of(rows.begin(), rows.end(), [](const ListRow& r) { return !r.project.empty(); });
  // The HOST column only when some task's wrapper runs (or ran) on another host.
  bool hosts = std::any_of(rows.begin(), rows.end(), [](const ListRow& r) { return r.remote; });
  std::vector<std::string> header = {"ID", "STATE", "PID", "CPU", "MEM", "UPTIME/EXIT", "BACKEND", "COMMENT"};
  if (hosts) header.insert(header.begin() + 3, "HOST");
  if (projects) header.insert(header.begin() + 1, "PROJECT");
  Table table(header);
  // On a narrow terminal the comment, then UPTIME/EXIT, give way.
  table.set_shrinkable({header.size() - 3, header.size() - 1});
  for (size_t i = 0; i < rows.size(); ++i) {
    ListRow& r = rows[i];  // its strings move into the table
    const TaskUsage& u = usage[i];
    std::vector<Cell> row;
    if (r.condition == TaskCondition::Broken) {
      row = {{std::move(r.id)}, {"broken", Color::Red}, {"-"}, {"-"}, {"-"}, {"-"}, {"-"}, {std::move(r.error)}};
    } else {
      row = {{std::move(r.id)},
             {condition_name(r.condition), condition_color(r.condition)},
             {std::move(r.pid)},
             {format_cpu_percent(u)},
             {u.sampled && u.processes > 0 ? format_memory_short(u.rss_bytes) : "-"},
             {std::move(r.summary)},
             {std::move(r.backend)},
             {std::move(r.comment)}};
    }
    if (hosts) row.insert(row.begin() + 3, Cell{std::move(r.host)});
    if (projects) row.insert(row.begin() + 1, Cell{r.project.empty() ? "-" : std::move(r.project)});
    table.add_row(std::move(row));
  }
  table.print(stdout, ctx.color, terminal_columns(stdout));
}

// Prints why `v` could not be read, if it could not; true when it is broken.
bool report_error(const TaskView& v) {
  if (v.error.empty()) return false;
  // Broken, or active with a state file that cannot be read.
  print_error(v.id + ": " + v.error);
  return v.condition == TaskCondition::Broken;
}

// The table is read this many tasks at a time; of each batch only the rows
// and what sampling needs are kept. A view is several kilobytes: keeping
// all of them made `list` of 10,000 tasks touch 40 MiB, a page fault every
// 4 KiB (docs/sphinx/performance.rst). The few views a backend may know
// more of (queued Slurm jobs, lost wrappers) are kept whole until the end,
// so that Slurm is asked once for all of them.
constexpr size_t kListBatch = 256;

bool print_list_table(Context& ctx, const ListOptions& opts, const std::vector<std::string>& ids) {
  std::vector<ListRow> rows(ids.size());
  std::vector<UsageSubject> subjects(ids.size());
  std::vector<std::pair<size_t, TaskView>> held;  // (index, view) for the backends
  bool broken = false;
  auto keep = [&](size_t i, TaskView&& v) {
    broken = report_error(v) || broken;
    rows[i] = list_row(v);
    subjects[i] = usage_subject(std::move(v), false);
  };
  std::vector<TaskView> views;  // one batch's, its storage reused
  for (size_t first = 0; first < ids.size(); first += kListBatch) {
    inspect_tasks(ctx.store, std::span(ids).subspan(first, std::min(kListBatch, ids.size() - first)), &views,
                  true, false);
    for (size_t k = 0; k < views.size(); ++k) {
      if (backend_may_know(views[k])) held.emplace_back(first + k, std::move(views[k]));
      else keep(first + k, std::move(views[k]));
    }
  }
  views = {};
  std::vector<TaskView*> asked;
  for (auto& [i, v] : held) asked.push_back(&v);
  refine_by_backends(ctx.store, asked);
  for (auto& [i, v] : held) keep(i, std::move(v));
  std::vector<TaskUsage> usage = sample_usage(ctx.store, subjects, UsageRequest{});
  if (!rows.empty()) print_table(ctx, std::move(rows), usage);
  else if (opts.sel.empty()) print_error("no tasks loaded in " + ctx.store.root());
  return broken;
}

// The JSON objects need whole views; write_json_task_list prints them one
// at a time.
bool print_list_json(Context& ctx, const std::vector<std::string>& ids) {
  std::vector<TaskView> views = inspect_tasks(ctx.store, ids);
  bool broken = false;
  for (const TaskView& v : views) broken = report_error(v) || broken;
  std::vector<TaskUsage> usage = sample_usage(ctx.store, views, UsageRequest{});
  write_json_task_list(stdout, views.size(), [&](size_t i) { return view_to_json(views[i], false, 0, &usage[i]); });
  return broken;
}

int run_list(Context& ctx, const ListOptions& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code, true)) return code;
  bool broken = opts.json ? print_list_json(ctx, ids) : print_list_table(ctx, opts, ids);
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
